"""Representation charts: who is heard in each channel against who lives in the area."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipelines.report.chart_cache import cached_chart
from pipelines.report.charts.style import (
    DARK_GREY,
    NHS_BLUE,
    PALE_GREY,
    RED,
    STYLE,
    WARM_YELLOW,
    _small_multiples,
    _sort_key,
)
from pipelines.report.data import CHANNEL_NAMES, DIMENSIONS


@cached_chart
def representation_chart(rep: pd.DataFrame) -> Figure | None:
    """Representation ratio with 95% interval per group, one panel per channel; 0.8 and 1 lines."""
    # A group without a population share (no population file for it) has no ratio to draw: the section
    # lists those dimensions with the reason instead.
    if "population_share" in rep.columns:
        rep = rep[rep.population_share.notna()]
    if rep.empty:
        return None
    rep = rep.assign(_label=rep.dimension.map({"sex": "Sex"}).fillna("") + " " + rep.group_value)
    dims = [d for d in ("age_band", "sex") if d in set(rep.dimension)] + sorted(
        set(rep.dimension) - {"age_band", "sex"}
    )
    order: list[tuple[str, str]] = []
    for d in dims:
        order += [
            (d, g) for g in sorted(set(rep[rep.dimension == d].group_value), key=lambda g: _sort_key(d, g))
        ]
    channels = [c for c in CHANNEL_NAMES if c in set(rep.channel)] + sorted(
        set(rep.channel) - set(CHANNEL_NAMES)
    )
    fig, axes = _small_multiples(len(channels), 3, 3.2, 0.2 * len(order) + 0.9, extra_width=0.8, sharey=True)
    upper = np.nanmax(rep.ratio_upper_95.to_numpy(dtype=float)) if rep.ratio_upper_95.notna().any() else 2.0
    xmax = max(2.0, min(8.0, upper * 1.15))
    xmin = 0.25
    with rc_context(STYLE):
        y_of = {key: i for i, key in enumerate(order)}
        for ax, channel in zip(axes, channels, strict=False):
            block = rep[rep.channel == channel]
            period = block.period.iloc[0]
            # Wrapped: a long channel name ran into the next panel's title.
            title = textwrap.fill(f"{CHANNEL_NAMES.get(channel, channel)} ({period})", 40)
            ax.set_title(title, loc="left", fontsize=9)
            ax.set_xscale("log", base=2)
            ax.axvspan(xmin, 0.8, color=PALE_GREY, alpha=0.6, lw=0)
            ax.axvline(1, color=DARK_GREY, lw=1)
            ax.axvline(0.8, color=RED, lw=1, ls="--")
            for _, r in block.iterrows():
                y = y_of[(r.dimension, r.group_value)]
                if pd.isna(r.representation_ratio):
                    ax.text(
                        0.02,
                        y,
                        "*",
                        va="center",
                        ha="left",
                        color=DARK_GREY,
                        fontsize=11,
                        transform=ax.get_yaxis_transform(),
                    )
                    continue
                flagged = bool(r.under_represented)
                low_side = r.ratio_upper_95 < 1
                colour = RED if flagged else (WARM_YELLOW if low_side else NHS_BLUE)
                ratio = float(np.clip(r.representation_ratio, xmin, xmax))
                ax.errorbar(
                    ratio,
                    y,
                    xerr=[
                        [max(0.0, ratio - max(r.ratio_lower_95, xmin))],
                        [max(0.0, min(r.ratio_upper_95, xmax) - ratio)],
                    ],
                    fmt="D" if flagged else "o",
                    color=colour,
                    ms=5 if flagged else 4,
                    elinewidth=1.3,
                )
            ax.set_xlim(xmin, xmax)
            ticks = [t for t in (0.25, 0.5, 0.8, 1, 2, 4, 8) if xmin <= t <= xmax]
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.minorticks_off()
            ax.grid(axis="y", visible=False)
        for ax in axes[len(channels) :]:
            ax.set_visible(False)
        labels = [("Sex: " if d == "sex" else "") + g for d, g in order]
        axes[0].set_yticks(range(len(order)), labels)
        axes[0].invert_yaxis()
        handles = [
            Line2D(
                [], [], marker="D", color=RED, ls="", label="Under-represented (ratio < 0.8, significant)"
            ),
            Line2D([], [], marker="o", color=WARM_YELLOW, ls="", label="Significantly below 1"),
            Line2D([], [], marker="o", color=NHS_BLUE, ls="", label="Heard in proportion or more"),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncols=3)
        fig.supxlabel(
            "(log scale) Share of voices ÷ share of registered population (1 = heard in proportion)",
            fontsize=8,
        )
    return fig


def dimension_title(dimension: str) -> str:
    return DIMENSIONS.get(dimension, dimension.replace("_", " ").capitalize())
