"""Group comparison charts: each group's figure against the whole population, dot and whisker, and their legend."""

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
    DARK_BLUE,
    DARK_GREY,
    MID_GREY,
    NHS_BLUE,
    RED,
    STYLE,
    _figure,
    _pct,
    _short_group,
    _sort_key,
)
from pipelines.report.data import GROUP_SIGNIFICANCE, NON_GROUPS, compare_to_overall, metric_label

GROUP_COLOURS = {"worse": RED, "better": AQUA_GREEN, "different": DARK_GREY, "not_significant": NHS_BLUE}


def _group_colour(row: pd.Series) -> str:
    if row["group_value"] in NON_GROUPS:
        return MID_GREY
    return GROUP_COLOURS.get(compare_to_overall(row), NHS_BLUE)


@cached_chart
def groups_chart(groups: pd.DataFrame, dimension: str, measures: list[str]) -> Figure | None:
    """Dot-and-whisker: rows are the dimension's groups, one column per headline measure.

    Dot = value, whisker = 95% interval, dashed line = the ICB's overall value; red = significantly
    worse than overall at ``GROUP_SIGNIFICANCE`` in the metric's better direction, green = significantly
    better, blue = not significantly different; '*' = suppressed.
    """
    block = groups[(groups.dimension == dimension) & groups.metric_id.isin(measures)]
    order = sorted(block.group_value.unique(), key=lambda g: (g in NON_GROUPS, _sort_key(dimension, g)))
    if len(order) < 2:
        return None
    overall = groups[(groups.dimension == "overall")].set_index("metric_id")["value"]
    measures = [m for m in measures if m in set(block.metric_id)]
    fig = _figure(2.6 * len(measures) + 1.6, 0.26 * len(order) + 1.0)
    with rc_context(STYLE):
        axes = fig.subplots(1, len(measures), sharey=True, squeeze=False)[0]
        y_of = {g: i for i, g in enumerate(order)}
        for ax, metric in zip(axes, measures, strict=True):
            rows = block[block.metric_id == metric]
            name = rows.metric_name.iloc[0] if len(rows) else metric
            ax.set_title(textwrap.fill(metric_label(metric, name), 26), loc="left")
            if metric in overall.index and pd.notna(overall[metric]):
                ax.axvline(overall[metric] * 100, color=DARK_BLUE, ls="--", lw=1)
            shown = rows[~rows.suppressed & rows.value.notna()]
            lo = np.nanmin(shown.lower_95) * 100 if len(shown) else 0
            hi = np.nanmax(shown.upper_95) * 100 if len(shown) else 100
            pad = max(2.0, (hi - lo) * 0.08)
            ax.set_xlim(max(0, lo - pad), min(100, hi + pad))
            for _, row in rows.iterrows():
                y = y_of[row.group_value]
                if row.suppressed or pd.isna(row.value):
                    ax.text(ax.get_xlim()[0], y, "  *", va="center", ha="left", color=DARK_GREY, fontsize=11)
                    continue
                colour = _group_colour(row)
                ax.errorbar(
                    row.value * 100,
                    y,
                    xerr=[[max(0, row.value - row.lower_95) * 100], [max(0, row.upper_95 - row.value) * 100]],
                    fmt="o",
                    color=colour,
                    ms=5 if colour in (RED, AQUA_GREEN) else 4,
                    elinewidth=1.4,
                    capsize=0,
                )
            _pct(ax)
            ax.grid(axis="y", visible=False)
        axes[0].set_yticks(range(len(order)), [_short_group(dimension, g) for g in order])
        axes[0].invert_yaxis()
        fig.supxlabel("% of respondents (95% confidence interval)", fontsize=8, color=DARK_GREY)
    return fig


@cached_chart
def groups_legend() -> Figure:
    """A one-line legend shared by the group charts."""
    fig = _figure(7.5, 0.35)
    with rc_context(STYLE):
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                color=RED,
                ls="",
                label=f"Worse than ICB overall ({GROUP_SIGNIFICANCE} sig.)",
            ),
            Line2D([], [], marker="o", color=AQUA_GREEN, ls="", label=f"Better ({GROUP_SIGNIFICANCE} sig.)"),
            Line2D([], [], marker="o", color=NHS_BLUE, ls="", label="Not significantly different"),
            Line2D([], [], color=DARK_BLUE, ls="--", label="ICB overall"),
        ]
        fig.legend(handles=handles, loc="center", ncols=4)
    return fig
