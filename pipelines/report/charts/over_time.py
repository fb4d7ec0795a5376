"""Charts over time: statistical process control charts of organisations, and headline survey trends
across survey years with their series breaks."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipelines.report.chart_cache import cached_chart
from pipelines.report.charts.style import (
    DARK_GREY,
    NHS_BLUE,
    RED,
    STYLE,
    _figure,
    _pct,
    _series_breaks,
    _small_multiples,
)
from pipelines.report.data import metric_label

# Making Data Count colours (NHSRplotthedots' defaults): common cause grey, improvement blue, concern orange,
# special cause with no better direction purple.
MDC_COLOURS = {
    "common cause": "#7B7D7D",
    "special cause improving": "#289DE0",
    "special cause concerning": "#FAB428",
    "special cause neither": "#361475",
}


def _is_rate(metric_id: str) -> bool:
    return str(metric_id).endswith("_per_10k")


@cached_chart
def spc_chart(points: pd.DataFrame, title: str) -> Figure | None:
    """One XmR chart in the Making Data Count style: the values joined in grey, the mean (solid) and the
    process limits (dashed), each point coloured by its variation (``MDC_COLOURS``)."""
    points = points.sort_values("period_start")
    if len(points) < 2:
        return None
    scale = 1.0 if _is_rate(points.metric_id.iloc[0]) else 100.0
    x = pd.to_datetime(points.period_start)
    y = points.value.to_numpy(dtype=float) * scale
    fig = _figure(6.2, 3.0)
    with rc_context(STYLE):
        ax = fig.subplots()
        ax.plot(x, y, color=MDC_COLOURS["common cause"], lw=1.2, zorder=2)
        ax.plot(x, points["mean"] * scale, color=DARK_GREY, lw=1.1, label="Mean")
        ax.plot(x, points.upper_limit * scale, color=DARK_GREY, lw=1.0, ls="--", label="Process limits")
        ax.plot(x, points.lower_limit * scale, color=DARK_GREY, lw=1.0, ls="--")
        colours = [MDC_COLOURS.get(str(v), MDC_COLOURS["common cause"]) for v in points.variation]
        ax.scatter(x, y, c=colours, s=26, edgecolors="white", linewidths=0.5, zorder=3)
        if scale == 100.0:
            _pct(ax, "y")
        ax.set_ylabel("rate per 10,000" if scale == 1.0 else "")
        ax.set_title(textwrap.fill(title, 80), loc="left")
        fig.autofmt_xdate()
        handles, _ = ax.get_legend_handles_labels()
        present = [v for v in MDC_COLOURS if v in set(points.variation)]
        handles += [
            Line2D([], [], marker="o", color=MDC_COLOURS[v], ls="", label=v.capitalize()) for v in present
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(4, len(handles)))
    return fig


@cached_chart
def trend_chart(trends: pd.DataFrame, max_panels: int = 4) -> Figure | None:
    """Headline measures at ICB level over the survey years with 95% intervals; a dashed line marks each
    series break and the line is never joined across it (results either side are not comparable)."""
    metrics = [m for m in dict.fromkeys(trends.metric_id) if (trends.metric_id == m).sum() >= 2][:max_panels]
    if not metrics:
        return None
    fig, axes = _small_multiples(len(metrics), 2, 4.4, 2.7)
    with rc_context(STYLE):
        for ax, metric in zip(axes, metrics, strict=False):
            block = trends[trends.metric_id == metric].sort_values("period_start")
            block = block.assign(_x=pd.to_datetime(block.period_start).dt.year + 0.0)
            for _, part in block.groupby(block.series.fillna(""), sort=False):
                ax.errorbar(part._x, part.value * 100,
                            yerr=[(part.value - part.lower_95).clip(lower=0) * 100,
                                  (part.upper_95 - part.value).clip(lower=0) * 100],
                            fmt="-o", color=NHS_BLUE, ms=4, elinewidth=1.2, lw=1.4)  # fmt: skip
            for xb in _series_breaks(block):
                ax.axvline(xb, color=RED, ls="--", lw=1)
                ax.text(xb, 0.98, " series break", transform=ax.get_xaxis_transform(), color=RED,
                        fontsize=7, va="top")  # fmt: skip
            ax.set_xticks(block._x, block.period)
            _pct(ax, "y")
            ax.set_title(textwrap.fill(metric_label(metric), 40), loc="left", fontsize=9)
        for ax in axes[len(metrics) :]:
            ax.set_visible(False)
        fig.supxlabel("GP Patient Survey year (ICB published results, 95% intervals)", fontsize=8)
    return fig
