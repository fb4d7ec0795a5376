"""Deprivation gradient charts: the figure by deprivation quintile, and the gap between the most and least
deprived over time."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipelines.report.chart_cache import cached_chart
from pipelines.report.charts.style import (
    AQUA_GREEN,
    DARK_GREY,
    MID_GREY,
    NHS_BLUE,
    RED,
    STYLE,
    WARM_YELLOW,
    _pct,
    _series_breaks,
    _small_multiples,
)
from pipelines.report.data import QUINTILE_DIMENSIONS, metric_label

# The source of a gradient panel, short enough for its title.
PANEL_SOURCES = {
    "gpps_practices": "practice results",
    "gpps_respondents": "respondent extract",
    "gpps_published": "published results",
    "comments": "comments",
}


@cached_chart
def gradient_chart(quintiles: pd.DataFrame, gradient: pd.DataFrame, max_panels: int = 6) -> Figure | None:
    """Quintile values with 95% intervals and the SII line, one small panel per metric."""
    panels = []
    for _, g in gradient.iterrows():
        q = quintiles[
            (quintiles.metric_id == g.metric_id)
            & (quintiles.period == g.period)
            & (quintiles.source == g.source)
        ]
        basis = getattr(g, "quintile_basis", None)
        if "dimension" in q and isinstance(basis, str):  # the quintiles the gradient was drawn across
            q = q[q.dimension.map(QUINTILE_DIMENSIONS) == basis]
        q = q.sort_values("group_value")
        if len(q) == 5 and not q.suppressed.any():
            panels.append((g, q))
        if len(panels) == max_panels:
            break
    if not panels:
        return None
    fig, axes = _small_multiples(len(panels), 3, 3.3, 2.9)
    with rc_context(STYLE):
        for ax, (g, q) in zip(axes, panels, strict=False):
            weights = q.denominator.fillna(q.n_eff).to_numpy(dtype=float)
            share = weights / weights.sum()
            mid = np.cumsum(share) - share / 2  # population rank, 0 = most deprived
            value = q.value.to_numpy(dtype=float) * 100
            worse = g.direction == "worse_in_more_deprived"
            # Never green: a gradient in the more deprived's favour leaves the least deprived worse off.
            colour = RED if worse else NHS_BLUE
            ax.errorbar(
                mid,
                value,
                yerr=[(q.value - q.lower_95).clip(lower=0) * 100, (q.upper_95 - q.value).clip(lower=0) * 100],
                fmt="o",
                color=NHS_BLUE,
                ms=5,
                elinewidth=1.4,
            )
            intercept = np.sum(share * value) - g.sii * 100 * np.sum(share * mid)
            ax.plot([0, 1], [intercept, intercept + g.sii * 100], color=colour, lw=2, alpha=0.9)
            ax.set_xlim(0, 1)
            ax.set_xticks(mid, ["1\nmost", "2", "3", "4", "5\nleast"])
            _pct(ax, "y")
            # Two panels of one measure differ by period or source: the title says which.
            where = f"{g.period}, {PANEL_SOURCES.get(str(g.source), str(g.source))}"
            ax.set_title(f"{textwrap.fill(metric_label(g.metric_id), 30)}\n{where}", loc="left", fontsize=9)
            ax.text(
                0.02,
                0.04,
                f"SII {g.sii * 100:+.1f} pts ({g.sii_lower_95 * 100:+.1f} to {g.sii_upper_95 * 100:+.1f})\n"
                f"RII {g.rii:.2f} ({g.rii_lower_95:.2f} to {g.rii_upper_95:.2f})",
                transform=ax.transAxes,
                fontsize=7.5,
                color=colour if colour != NHS_BLUE else DARK_GREY,
                va="bottom",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5},
            )
            pad = max(3.0, (value.max() - value.min()) * 0.25)
            ax.set_ylim(
                max(0, np.nanmin(q.lower_95) * 100 - pad * 1.6), min(100, np.nanmax(q.upper_95) * 100 + pad)
            )
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        fig.supxlabel(
            "Practice deprivation quintile (1 = most deprived), at its population midpoint", fontsize=8
        )
    return fig


GAP_TREND_COLOURS = {"widening": RED, "narrowing": AQUA_GREEN, "reversed": WARM_YELLOW}


@cached_chart
def gradient_trend_chart(gradient: pd.DataFrame, max_panels: int = 4) -> Figure | None:
    """The SII of each measure over its periods with 95% intervals, coloured by whether the gap widened
    (red) or narrowed (green) since the previous comparable period; series breaks dashed."""
    changed = gradient[gradient.previous_period.notna()] if "previous_period" in gradient else gradient[:0]
    keys = list(dict.fromkeys(zip(changed.metric_id, changed.source, strict=True)))

    def widening(key: tuple[str, str]) -> bool:
        rows = changed[(changed.metric_id == key[0]) & (changed.source == key[1])]
        return bool((rows.gap_trend == "widening").any())

    ranked = sorted(keys, key=widening, reverse=True)[:max_panels]
    if not ranked:
        return None
    fig, axes = _small_multiples(len(ranked), 2, 4.4, 2.7)
    with rc_context(STYLE):
        for ax, (metric, source) in zip(axes, ranked, strict=False):
            block = gradient[(gradient.metric_id == metric) & (gradient.source == source)].sort_values(
                "period_start"
            )
            block = block.assign(_x=pd.to_datetime(block.period_start).dt.year + 0.0)
            colours = [GAP_TREND_COLOURS.get(str(t), NHS_BLUE) for t in block.gap_trend]
            for _, part in block.groupby(block.series.fillna(""), sort=False):
                ax.plot(part._x, part.sii * 100, color=DARK_GREY, lw=1.2)
            ax.errorbar(block._x, block.sii * 100,
                        yerr=[(block.sii - block.sii_lower_95) * 100, (block.sii_upper_95 - block.sii) * 100],
                        fmt="none", ecolor=DARK_GREY, elinewidth=1.1)  # fmt: skip
            ax.scatter(block._x, block.sii * 100, c=colours, s=36, zorder=3)
            for xb in _series_breaks(block):
                ax.axvline(xb, color=RED, ls="--", lw=1)
            ax.axhline(0, color=MID_GREY, lw=0.8)
            ax.set_xticks(block._x, block.period)
            ax.set_title(textwrap.fill(metric_label(metric), 40), loc="left", fontsize=9)
            ax.set_ylabel("SII (pts)")
        for ax in axes[len(ranked) :]:
            ax.set_visible(False)
        handles = [Line2D([], [], marker="o", color=c, ls="", label=f"Gap {t} since the previous period (99.8%)")
                   for t, c in GAP_TREND_COLOURS.items() if t != "reversed"]  # fmt: skip
        fig.legend(handles=handles, loc="outside lower center", ncols=2)
    return fig
