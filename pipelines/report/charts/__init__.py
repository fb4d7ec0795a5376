"""Matplotlib charts for the inequalities report, returned as inline SVG (or PNG for Dagster metadata).

No pyplot: each chart builds its own ``Figure`` (no global state, safe in a Dagster process). Text is
drawn as paths (``svg.fonttype='path'``) so a chart looks the same in every browser, with no font to
fetch; every ``id`` in an SVG is prefixed so several charts can share one HTML page.

One module per chart family, over what they share (``style.py``): group comparisons (``groups.py``),
variation funnels (``variation.py``), deprivation gradients (``gradient.py``), representation
(``representation.py``) and change over time (``over_time.py``). Their names are importable from here.
"""

from pipelines.report.charts.gradient import GAP_TREND_COLOURS, gradient_chart, gradient_trend_chart
from pipelines.report.charts.groups import GROUP_COLOURS, _group_colour, groups_chart, groups_legend
from pipelines.report.charts.over_time import MDC_COLOURS, spc_chart, trend_chart
from pipelines.report.charts.representation import dimension_title, representation_chart
from pipelines.report.charts.style import (
    AQUA_GREEN,
    BRIGHT_BLUE,
    DARK_BLUE,
    DARK_GREY,
    LIGHT_BLUE,
    MID_GREY,
    NHS_BLUE,
    PALE_GREY,
    RED,
    STYLE,
    WARM_YELLOW,
    to_png,
    to_svg,
)
from pipelines.report.charts.variation import funnel_chart

__all__ = [
    "AQUA_GREEN",
    "BRIGHT_BLUE",
    "DARK_BLUE",
    "DARK_GREY",
    "GAP_TREND_COLOURS",
    "GROUP_COLOURS",
    "LIGHT_BLUE",
    "MDC_COLOURS",
    "MID_GREY",
    "NHS_BLUE",
    "PALE_GREY",
    "RED",
    "STYLE",
    "WARM_YELLOW",
    "_group_colour",
    "dimension_title",
    "funnel_chart",
    "gradient_chart",
    "gradient_trend_chart",
    "groups_chart",
    "groups_legend",
    "representation_chart",
    "spc_chart",
    "to_png",
    "to_svg",
    "trend_chart",
]
