"""Matplotlib charts for the inequalities report, returned as inline SVG (or PNG for Dagster metadata).

No pyplot: each chart builds its own ``Figure`` (no global state, safe in a Dagster process). Text is
drawn as paths (``svg.fonttype='path'``) so a chart looks the same in every browser, with no font to
fetch; every ``id`` in an SVG is prefixed so several charts can share one HTML page.
"""

from __future__ import annotations

import io
import re
import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pipelines.methods.proportion_funnels import funnel_axis_points, funnel_limits_proportion
from pipelines.report.chart_cache import CachedFigure, cached_chart, cached_output
from pipelines.report.data import (
    CHANNEL_NAMES,
    DIMENSIONS,
    GROUP_SIGNIFICANCE,
    NON_GROUPS,
    QUINTILE_DIMENSIONS,
    compare_to_overall,
    is_missing,
    metric_label,
)

# NHS identity colours.
NHS_BLUE = "#005EB8"
DARK_BLUE = "#003087"
BRIGHT_BLUE = "#0072CE"
LIGHT_BLUE = "#41B6E6"
AQUA_GREEN = "#00A499"
WARM_YELLOW = "#FFB81C"
RED = "#DA291C"
DARK_GREY = "#425563"
PALE_GREY = "#E8EDEE"
MID_GREY = "#768692"  # NHS Mid Grey, for groups that are not comparable populations

STYLE = {
    "svg.fonttype": "path",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlecolor": DARK_BLUE,
    "axes.edgecolor": DARK_GREY,
    "axes.labelcolor": DARK_GREY,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": PALE_GREY,
    "grid.linewidth": 0.8,
    "xtick.color": DARK_GREY,
    "ytick.color": DARK_GREY,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.facecolor": "white",
}


def _svg(fig: Figure, chart_id: str) -> str:
    """The figure as an inline ``<svg>`` element with ids prefixed by ``chart_id``."""
    buffer = io.StringIO()
    with rc_context(STYLE | {"svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{chart_id}-\1"', text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{chart_id}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", text)
    # Natural width (the figures are sized for a ~1100 px page), shrinking with a narrower window.
    text = re.sub(r'<svg([^>]*?) height="[^"]+"', r'<svg\1 class="chart"', text, count=1)
    return text


def _png(fig: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    with rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def to_png(fig: Figure | CachedFigure, dpi: int = 60) -> bytes:
    """The chart as PNG (from the chart cache when it was drawn before, ``chart_cache.py``)."""
    if isinstance(fig, CachedFigure):
        return cached_output(fig, f"png {dpi}", lambda figure: _png(figure, dpi))
    return _png(fig, dpi)


def to_svg(fig: Figure | CachedFigure, chart_id: str) -> str:
    """The chart as an inline ``<svg>`` (from the chart cache when it was drawn before, ``chart_cache.py``)."""
    if isinstance(fig, CachedFigure):
        return cached_output(fig, f"svg {chart_id}", lambda figure: _svg(figure, chart_id).encode()).decode()
    return _svg(fig, chart_id)


def _figure(width: float, height: float) -> Figure:
    with rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def _small_multiples(
    panels: int, max_cols: int, width: float, height: float, extra_width: float = 0.0, **subplots: object
) -> tuple[Figure, np.ndarray]:
    """A figure of ``panels`` small multiples, at most ``max_cols`` across, each ``width`` × ``height``
    inches (plus ``extra_width`` for the whole figure); the axes are made under the report's style."""
    cols = min(max_cols, panels)
    rows = int(np.ceil(panels / cols))
    fig = _figure(width * cols + extra_width, height * rows)
    with rc_context(STYLE):
        axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False, **subplots)).ravel()
    return fig, axes


def _pct(ax: Axes, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: f"{v:.0f}%")
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _short_group(dimension: str, group: str) -> str:
    if dimension == "ethnicity" and ": " in group:
        group = group.split(": ", 1)[1]
    if dimension in QUINTILE_DIMENSIONS:
        return {"1": "1 most deprived", "5": "5 least deprived"}.get(group, group)
    return textwrap.shorten(group, 34, placeholder="…")


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


def _sort_key(dimension: str, group: str) -> tuple:
    if dimension == "age_band" or dimension in QUINTILE_DIMENSIONS:
        digits = re.match(r"\d+", group)
        return (0, int(digits.group()) if digits else 999, group)
    return (0, 0, group)


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
            colour = RED if worse else (AQUA_GREEN if g.direction == "better_in_more_deprived" else NHS_BLUE)
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
            ax.set_title(textwrap.fill(metric_label(g.metric_id), 30), loc="left", fontsize=9)
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


@cached_chart
def representation_chart(rep: pd.DataFrame) -> Figure | None:
    """Representation ratio with 95% interval per group, one panel per channel; 0.8 and 1 lines."""
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
            ax.set_title(f"{CHANNEL_NAMES.get(channel, channel)} ({period})", loc="left", fontsize=9)
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


def _series_breaks(periods: pd.DataFrame) -> list[float]:
    """x positions (between points) where the survey series changes, for a dashed 'series break' line."""
    series = periods.series.fillna("").to_numpy()
    x = periods._x.to_numpy(dtype=float)
    return [(x[i] + x[i + 1]) / 2 for i in range(len(series) - 1) if series[i] != series[i + 1]]


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
