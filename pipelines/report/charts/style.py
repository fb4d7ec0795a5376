"""What the report's charts share: NHS identity colours, the Matplotlib style, figures and small multiples made
under it, percentage axes, short group labels and their order, survey series breaks, and a figure as inline
SVG (ids prefixed) or PNG."""

from __future__ import annotations

import io
import re
import textwrap

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipelines.report.chart_cache import CachedFigure, cached_output
from pipelines.report.data import QUINTILE_DIMENSIONS

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


def _sort_key(dimension: str, group: str) -> tuple:
    if dimension == "age_band" or dimension in QUINTILE_DIMENSIONS:
        digits = re.match(r"\d+", group)
        return (0, int(digits.group()) if digits else 999, group)
    return (0, 0, group)


def _series_breaks(periods: pd.DataFrame) -> list[float]:
    """x positions (between points) where the survey series changes, for a dashed 'series break' line."""
    series = periods.series.fillna("").to_numpy()
    x = periods._x.to_numpy(dtype=float)
    return [(x[i] + x[i + 1]) / 2 for i in range(len(series) - 1) if series[i] != series[i + 1]]
