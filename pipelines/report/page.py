"""The report page's skeleton (head, styles, navigation, footer) and the formatting every section shares:
escaping, percentages, points, counts and ratios (a suppressed value shown as '*'), and inline SVG figures.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime

from matplotlib.figure import Figure

from pipelines.report import charts
from pipelines.report.data import is_missing as _missing

SUPPRESSED = '<span class="sup" title="suppressed by disclosure control">*</span>'
SUPPRESSION_NOTE = (
    "* Suppressed by disclosure control: fewer than 10 respondents or comments behind the value, a count of "
    "1–7, or secondary suppression to stop a hidden value being worked out from the others. Counts are "
    "rounded to the nearest 5."
)


CSS = """
:root { --blue:#005EB8; --dark:#003087; --bright:#0072CE; --light:#41B6E6; --aqua:#00A499;
        --yellow:#FFB81C; --red:#DA291C; --grey:#425563; --pale:#E8EDEE; }
* { box-sizing: border-box; }
body { margin:0; font-family: Frutiger, Arial, "Liberation Sans", Helvetica, sans-serif; color:#212b32;
       background:#f0f4f5; line-height:1.45; font-size:16px; }
header { background:var(--blue); color:white; padding:20px 32px 16px; }
header h1 { margin:0 0 4px; font-size:28px; }
header p { margin:0; opacity:.92; }
nav { background:var(--dark); padding:8px 32px; }
nav a { color:white; margin-right:18px; font-size:14px; text-decoration:none; }
nav a:hover { text-decoration:underline; }
main { max-width:1180px; margin:0 auto; padding:16px 24px 48px; }
section { background:white; border-radius:4px; padding:20px 24px; margin:18px 0;
          border-top:4px solid var(--blue); }
h2 { color:var(--dark); margin:0 0 6px; font-size:22px; }
h3 { color:var(--dark); margin:18px 0 4px; font-size:17px; }
p.lede { color:var(--grey); margin:0 0 12px; }
svg.chart { max-width:100%; height:auto; display:block; margin:6px 0; }
.pair { display:flex; flex-wrap:wrap; gap:12px; align-items:flex-start; } .pair figure { flex:1 1 520px; }
figure { margin:8px 0 14px; }
figcaption { color:var(--grey); font-size:14px; }
table { border-collapse:collapse; width:100%; font-size:14px; margin:8px 0; }
th { background:var(--pale); color:var(--dark); text-align:left; padding:6px 8px; border-bottom:2px solid var(--blue); }
td { padding:5px 8px; border-bottom:1px solid var(--pale); vertical-align:top; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.worse td:first-child { border-left:4px solid var(--red); }
.tag { display:inline-block; padding:1px 7px; border-radius:10px; font-size:12px; font-weight:bold; color:white; }
.tag.worse { background:var(--red); } .tag.better { background:var(--aqua); } .tag.ns { background:var(--grey); }
.tag.warn { background:var(--yellow); color:#212b32; }
.sup { font-weight:bold; color:var(--grey); }
.findings { display:grid; grid-template-columns:repeat(auto-fit, minmax(250px, 1fr)); gap:12px; }
.finding { background:var(--pale); border-left:5px solid var(--blue); padding:10px 14px; font-size:15px; }
.finding.red { border-left-color:var(--red); } .finding.aqua { border-left-color:var(--aqua); }
.finding.yellow { border-left-color:var(--yellow); }
.finding b { color:var(--dark); display:block; font-size:13px; text-transform:uppercase; letter-spacing:.03em; }
blockquote { margin:4px 0 8px; padding:6px 12px; border-left:3px solid var(--light); background:#f7fafb;
             font-size:14px; }
blockquote .cid { display:block; font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:11px;
                  color:var(--grey); }
details summary { cursor:pointer; color:var(--bright); font-size:14px; margin:6px 0; }
.note { font-size:13px; color:var(--grey); }
footer { max-width:1180px; margin:0 auto; padding:0 24px 32px; font-size:13px; color:var(--grey); }
.empty { color:var(--grey); font-style:italic; }
td.quotes { width:40%; }
h4 { color:var(--dark); margin:14px 0 2px; font-size:15px; }
p.fill { color:var(--dark); background:#fff7e0; border-left:4px solid var(--yellow); padding:6px 10px; }
.tag.none { background:var(--pale); color:var(--grey); }
table.years td.yr, table.years th.yr { font-size:12.5px; line-height:1.35; min-width:120px; }
table.years td.brk, table.years th.brk { border-left:2px dashed var(--red); }
.ci { color:var(--grey); font-size:11.5px; white-space:nowrap; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(value: object, digits: int = 1) -> str:
    return SUPPRESSED if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def _pts(value: object) -> str:
    return SUPPRESSED if _missing(value) else f"{float(value) * 100:+.1f} pts"


def _count(value: object) -> str:
    return SUPPRESSED if _missing(value) else f"{int(round(float(value))):,}"


def _ratio(value: object) -> str:
    return SUPPRESSED if _missing(value) else f"{float(value):.2f}"


def _figure(fig: Figure | None, chart_id: str, caption: str, alt: str) -> str:
    if fig is None:
        return ""
    svg = charts.to_svg(fig, chart_id).replace("<svg", f'<svg role="img" aria-label="{_e(alt)}"', 1)
    return f"<figure>{svg}<figcaption>{caption}</figcaption></figure>"


@dataclass
class Section:
    anchor: str
    title: str
    body: str


def _page(title: str, subtitle: str, nav: list[tuple[str, str]], body: str) -> str:
    links = "".join(f'<a href="{_e(href)}">{_e(text)}</a>' for href, text in nav)
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1><p>{subtitle}</p></header><nav>{links}</nav>"
        f"<main>{body}</main>"
        f"<footer><p>{_e(SUPPRESSION_NOTE)}</p><p>Generated by Chorus on {datetime.now(UTC):%d %B %Y %H:%M} UTC "
        "from the published store. Intervals are 95% unless stated; gaps are in percentage points (pts). "
        "Statistics follow the PHE/OHID Fingertips methods.</p></footer></body></html>\n"
    )
