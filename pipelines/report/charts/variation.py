"""Variation charts: organisations on a funnel plot around the England figure."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipelines.methods.proportion_funnels import funnel_axis_points, funnel_limits_proportion
from pipelines.report.chart_cache import cached_chart
from pipelines.report.charts.style import (
    AQUA_GREEN,
    DARK_BLUE,
    DARK_GREY,
    LIGHT_BLUE,
    MID_GREY,
    RED,
    STYLE,
    _figure,
    _pct,
)
from pipelines.report.data import is_missing


@cached_chart
def funnel_chart(units: pd.DataFrame, title: str, names: dict[str, str] | None = None) -> Figure | None:
    """PHE proportion funnel around the ICB value: 95% and 99.8% limits, outliers labelled with codes.

    x is the effective sample size the mart used for its significance labels (unweighted n when the
    mart has none), so a point outside a line is exactly a point the mart flagged.
    """
    units = units.dropna(subset=["value"])
    if len(units) < 2:
        return None
    n = units.n_eff.fillna(units.unweighted_n).to_numpy(dtype=float)
    values = units.value.to_numpy(dtype=float) * 100
    centre = float(units.icb_value.iloc[0])
    polarity = units.higher_is_better.iloc[0]
    # NULL polarity (e.g. how often a theme is mentioned): outside the limits is neither better nor worse.
    higher_better = None if is_missing(polarity) else bool(polarity)
    axis = funnel_axis_points(n)
    limits = funnel_limits_proportion(axis, centre, multiplier=100.0)
    fig = _figure(5.5, 4.0)
    with rc_context(STYLE):
        ax = fig.subplots()
        ax.plot(axis, limits.upper_3s, color=DARK_BLUE, lw=1.1, label="99.8% limits")
        ax.plot(axis, limits.lower_3s, color=DARK_BLUE, lw=1.1)
        ax.plot(axis, limits.upper_2s, color=LIGHT_BLUE, lw=1.1, ls="--", label="95% limits")
        ax.plot(axis, limits.lower_2s, color=LIGHT_BLUE, lw=1.1, ls="--")
        ax.axhline(limits.baseline, color=DARK_GREY, lw=0.9, label=f"ICB value {limits.baseline:.1f}%")
        labels = units.vs_icb.fillna("Not significant").to_numpy()
        good_side = "High" if higher_better else "Low"
        outside = np.where(np.char.startswith(labels.astype(str), good_side), AQUA_GREEN, RED)
        colours = np.where(
            labels == "Not significant", MID_GREY, DARK_BLUE if higher_better is None else outside
        )
        ax.scatter(n, values, c=colours, s=22, edgecolors="white", linewidths=0.5, zorder=3)
        outer = np.char.find(labels.astype(str), "0.001") >= 0
        flagged = outer if outer.sum() else labels != "Not significant"
        order = np.argsort(-np.abs(values - limits.baseline) * flagged)[: min(12, int(flagged.sum()))]
        # Alternate labels above and below along the x axis so neighbours do not print over each other.
        for k, i in enumerate(sorted(order, key=lambda j: n[j])):
            ax.annotate(
                units.unit_code.iloc[i],
                (n[i], values[i]),
                xytext=(4, 3 if k % 2 == 0 else -9),
                textcoords="offset points",
                fontsize=7,
                color=DARK_GREY,
            )
        ax.set_xlim(0 if axis.min() <= 1 else axis.min() * 0.9, axis.max() * 1.02)
        spread = max(4.0, (np.nanmax(values) - np.nanmin(values)) * 0.12)
        ax.set_ylim(max(0, np.nanmin(values) - spread), min(100, np.nanmax(values) + spread))
        _pct(ax, "y")
        ax.set_title(textwrap.fill(title, 70), loc="left")
        ax.set_xlabel("Effective number of respondents")
        handles, names_ = ax.get_legend_handles_labels()
        handles += (
            [
                Line2D([], [], marker="o", color=RED, ls="", label="Significantly worse"),
                Line2D([], [], marker="o", color=AQUA_GREEN, ls="", label="Significantly better"),
            ]
            if higher_better is not None
            else [
                Line2D(
                    [],
                    [],
                    marker="o",
                    color=DARK_BLUE,
                    ls="",
                    label="Outside the limits (no better direction)",
                )
            ]
        )
        fig.legend(handles=handles, loc="outside lower center", ncols=3)
    return fig
