"""The inequalities report: one self-contained HTML file per ICB, plus an index page.

Self-contained means no network: charts are inline SVG, the CSS is inline, there is no JavaScript and
no web font. Every value comes from the published marts (already disclosure-controlled); a suppressed
value is shown as '*' with a footnote, and comment text is HTML-escaped.
"""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from pipelines.report import charts
from pipelines.report.data import (
    CHANNEL_NAMES,
    DIMENSIONS,
    GROUP_SIGNIFICANCE,
    NON_GROUPS,
    SOURCE_NAMES,
    IcbData,
    compare_to_overall,
    group_label,
    list_icbs,
    load_icb,
    metric_label,
    variation_finding,
)
from pipelines.report.data import is_missing as _missing

SUPPRESSED = '<span class="sup" title="suppressed by disclosure control">*</span>'
SUPPRESSION_NOTE = (
    "* Suppressed by disclosure control: fewer than 10 respondents or comments behind the value, a count of "
    "1–7, or secondary suppression to stop a hidden value being worked out from the others. Counts are "
    "rounded to the nearest 5."
)
TOP_TRIANGULATION = 10

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


# ---------------------------------------------------------------- metric by group


GROUP_TAGS = {
    "worse": '<span class="tag worse">worse</span>',
    "better": '<span class="tag better">better</span>',
    "different": '<span class="tag ns">different</span>',
    "not_significant": '<span class="tag ns">n.s.</span>',
    "": "",
}


def _group_tag(row: pd.Series) -> str:
    return GROUP_TAGS[compare_to_overall(row)]


def section_groups(d: IcbData) -> Section:
    lede = (
        f"Headline GP Patient Survey measures for {_e(d.icb_name)} by group ({_e(d.group_period_text)}, "
        f"source <code>{_e(d.group_source)}</code>). Dot = the group's value, line = its 95% confidence "
        "interval, dashed line = the ICB overall. <b style='color:#DA291C'>Red</b> groups are "
        f"significantly worse than the ICB overall at the {GROUP_SIGNIFICANCE} level, "
        f"<b style='color:#00A499'>green</b> significantly better at {GROUP_SIGNIFICANCE}, judged by the "
        "direction in which each measure is better; blue: no significant difference."
    )
    if d.groups.empty or not d.headline:
        return Section(
            "groups",
            "Experience by group",
            f'<p class="empty">No group-level survey results for {_e(d.icb_code)}.</p>',
        )
    legend = (
        f"Legend: red, worse than the ICB overall ({GROUP_SIGNIFICANCE} significance); green, better "
        f"({GROUP_SIGNIFICANCE} significance); blue, not significantly different; dashed line, ICB overall"
    )
    parts = [f'<p class="lede">{lede}</p>', _figure(charts.groups_legend(), "legend", "", legend)]
    dimensions = [x for x in DIMENSIONS if x in set(d.groups.dimension)]
    dimensions += sorted(set(d.groups.dimension) - set(DIMENSIONS) - {"overall"})
    for i, dimension in enumerate(dimensions):
        fig = charts.groups_chart(d.groups, dimension, d.headline)
        if fig is None:
            continue
        title = charts.dimension_title(dimension)
        parts.append(f"<h3>{_e(title)}</h3>")
        parts.append(_figure(fig, f"g{i}", "", f"{title}: headline measures by group with 95% intervals"))
        parts.append(_groups_table(d, dimension))
    return Section("groups", "Experience by group", "".join(parts))


def _groups_table(d: IcbData, dimension: str) -> str:
    block = d.groups[(d.groups.dimension == dimension) & d.groups.metric_id.isin(d.headline)]
    rows = []
    for _, r in block.sort_values(["metric_id", "group_value"]).iterrows():
        rows.append(
            f"<tr><td>{_e(metric_label(r.metric_id))}</td><td>{_e(r.group_value)}</td>"
            f'<td class="num">{_pct(r.value)}</td>'
            f'<td class="num">{_pct(r.lower_95)} – {_pct(r.upper_95)}</td>'
            f'<td class="num">{_count(r.unweighted_n)}</td><td class="num">{_pts(r.diff_from_overall)}</td>'
            f"<td>{_group_tag(r)}</td></tr>"
        )
    return (
        "<details><summary>Data table</summary><table><tr><th>Measure</th><th>Group</th><th>Value</th>"
        "<th>95% CI</th><th>Respondents</th><th>Gap from overall</th><th>vs overall</th></tr>"
        + "".join(rows)
        + "</table></details>"
    )


# ---------------------------------------------------------------- funnel


def _funnel_choices(v: pd.DataFrame, headline: list[str]) -> list[tuple[str, str, str, str]]:
    """(metric, period, source, level) to draw: practices for up to two headline metrics, latest period."""
    if v.empty:
        return []
    choices = []
    preferred = [m for m in ("phone_access", "overall_experience", *headline) if m in set(v.metric_id)]
    if not preferred:
        preferred = list(v.groupby("metric_id").size().sort_values(ascending=False).index)
    for metric in dict.fromkeys(preferred):
        for level in ("practice", "sub_icb"):
            block = v[(v.metric_id == metric) & (v.unit_level == level)]
            if block.empty:
                continue
            period = block.loc[block.period_end.idxmax()].period  # latest by date, never by label
            sources = block[block.period == period].source
            source = "gpps_published" if "gpps_published" in set(sources) else sources.iloc[0]
            choices.append((metric, period, source, level))
        if len({c[0] for c in choices}) >= 2:
            break
    return choices


def _outlier_table(block: pd.DataFrame, what: str, names: dict[str, str]) -> str:
    outliers = block[block.vs_icb.fillna("Not significant") != "Not significant"].copy()
    if outliers.empty:
        return ""
    outliers["_gap"] = (outliers.value - outliers.icb_value).abs()
    rows = "".join(
        f"<tr><td>{_e(r.unit_code)}</td><td>{_e(names.get(r.unit_code, ''))}</td>"
        f'<td class="num">{_pct(r.value)}</td><td class="num">{_count(r.unweighted_n)}</td>'
        f"<td>{_e(r.vs_icb)}</td><td>{_e(r.vs_england or '')}</td></tr>"
        for _, r in outliers.sort_values("_gap", ascending=False).iterrows()
    )
    return (
        f"<details><summary>{len(outliers)} {what} outside the 95% limits</summary><table><tr>"
        "<th>Code</th><th>Name</th><th>Value</th><th>Respondents</th><th>vs ICB (PHE label)</th>"
        f"<th>vs England</th></tr>{rows}</table></details>"
    )


def section_funnel(d: IcbData) -> Section:
    v = d.variation
    choices = _funnel_choices(v, d.headline)
    if not choices:
        return Section(
            "funnel",
            "Variation between practices",
            '<p class="empty">No practice or sub-ICB variation in the published marts for this ICB.</p>',
        )
    parts = [
        '<p class="lede">Each dot is a practice (or sub-ICB location) against the ICB value, with the PHE '
        "95% and 99.8% funnel limits for its effective number of respondents. Red and green points lie "
        "outside the 95% limits; those outside the 99.8% limits (or, when there are none, the 95% limits) are "
        "labelled: beyond 99.8% a difference from the ICB is very unlikely to be chance alone.</p>"
    ]
    for metric in dict.fromkeys(c[0] for c in choices):
        figures, tables = [], []
        for i, (m, period, source, level) in enumerate(choices):
            if m != metric:
                continue
            block = v[
                (v.metric_id == m) & (v.period == period) & (v.source == source) & (v.unit_level == level)
            ]
            what = "practices" if level == "practice" else "sub-ICB locations"
            title = f"{metric_label(m)}: {len(block)} {what}, {period} ({source})"
            fig = charts.funnel_chart(block, title, d.unit_names)
            if fig is None:
                continue
            row0 = block.iloc[0]
            caption = (
                f"ICB value {_pct(row0.icb_value)}"
                + ("" if _missing(row0.england_value) else f", England {_pct(row0.england_value)}")
                + f". Range {_pts(row0['range']).replace('+', '')}"
                + (
                    ""
                    if _missing(row0.best_to_worst_ratio)
                    else f", best-to-worst ratio {row0.best_to_worst_ratio:.2f}"
                )
                + "."
            )
            figures.append(_figure(fig, f"f{i}", caption, title))
            tables.append(_outlier_table(block, what, d.unit_names))
        if figures:
            parts.append(f'<h3>{_e(metric_label(metric))}</h3><div class="pair">{"".join(figures)}</div>')
            parts.extend(tables)
    return Section("funnel", "Variation between practices", "".join(parts))


# ---------------------------------------------------------------- deprivation gradient


def latest_gradient(gradient: pd.DataFrame) -> pd.DataFrame:
    """Each measure's gradient in its latest period (by date), in the order the marts ranked them."""
    if gradient.empty or "period_end" not in gradient:
        return gradient
    latest = gradient.groupby(["metric_id", "source"]).period_end.transform("max")
    return gradient[gradient.period_end == latest]


def section_gradient(d: IcbData) -> Section:
    g = latest_gradient(d.gradient)
    if g.empty:
        return Section(
            "gradient",
            "Deprivation gradient",
            '<p class="empty">No deprivation gradient in the published marts for this ICB.</p>',
        )
    fig = charts.gradient_chart(d.quintiles, g)
    worse = g[g.direction == "worse_in_more_deprived"]
    caption = (
        "Dots: each practice deprivation quintile's value with its 95% interval, placed at the midpoint of "
        "its share of respondents. Line: the slope index of inequality (SII), the modelled gap between the "
        "least and the most deprived end; red when experience is significantly worse in more deprived areas. "
        "The relative index (RII) is the least deprived end's value divided by the most deprived end's."
    )
    parts = [
        '<p class="lede">Does experience get worse with deprivation? '
        f"{len(worse)} of {len(g)} measures have a significant gradient against the more deprived.</p>",
        _figure(fig, "d0", caption, "Deprivation gradient: quintile values and SII lines"),
    ]
    rows = "".join(
        f'<tr class="{"worse" if r.direction == "worse_in_more_deprived" else ""}">'
        f"<td>{_e(metric_label(r.metric_id))}</td><td>{_e(r.period)}</td><td>{_e(r.source)}</td>"
        f'<td class="num">{_pts(r.sii)}</td><td class="num">{_pts(r.sii_lower_95)} to {_pts(r.sii_upper_95)}</td>'
        f'<td class="num">{_ratio(r.rii)}</td><td class="num">{_ratio(r.rii_lower_95)} to {_ratio(r.rii_upper_95)}</td>'
        f"<td>{_e(str(r.direction).replace('_', ' '))}</td><td>{_gap_trend(r)}</td></tr>"
        for _, r in g.iterrows()
    )
    parts.append(
        "<details open><summary>SII and RII for every measure</summary><table><tr><th>Measure</th><th>Period</th>"
        "<th>Source</th><th>SII</th><th>95% CI</th><th>RII</th><th>95% CI</th><th>Direction</th>"
        f"<th>Since previous period</th></tr>{rows}</table></details>"
    )
    return Section("gradient", "Deprivation gradient", "".join(parts))


# ---------------------------------------------------------------- change over time

GAP_TREND_TAGS = {"widening": "worse", "narrowing": "better", "reversed": "warn"}
CHANGE_SIGNIFICANCE = "95%"
SPC_CHARTS = 4
# Making Data Count icons, described: the colour and letter of the variation icon for a series' latest point.
SPC_ICONS = {
    "common cause": "grey icon: common cause variation, no significant change",
    "special cause improving": "blue icon: special cause variation, improving",
    "special cause concerning": "orange icon: special cause variation, concerning",
    "special cause neither": "purple icon: special cause variation, no better direction",
}


def _gap_trend(row: pd.Series) -> str:
    """'widening since 2021' tagged red, 'narrowing' green, else plain text; '–' without a comparison."""
    trend, previous = row.get("gap_trend"), row.get("previous_period")
    if _missing(trend) or _missing(previous):
        return "–"
    tag = GAP_TREND_TAGS.get(str(trend))
    text = f"{_e(trend)} since {_e(previous)}"
    return f'<span class="tag {tag}">{text}</span>' if tag else text


def change_judgement(row: pd.Series) -> str:
    """'better' / 'worse' for a significant change in the direction the measure's polarity gives,
    'different' for a measure with no better direction, '' when not significant."""
    if _missing(row.get("change_from_previous")) or not bool(row.get("change_from_previous_significant_95")):
        return ""
    polarity = row.get("higher_is_better")
    if _missing(polarity):
        return "different"
    return "better" if (float(row.change_from_previous) > 0) == bool(polarity) else "worse"


def _change_value(row: pd.Series, value: object) -> str:
    if _missing(value):
        return SUPPRESSED
    if str(row.metric_id).endswith("_per_10k"):
        return f"{float(value):+.1f} per 10,000"
    return _pts(value)


def _change_rows(c: pd.DataFrame) -> str:
    rows = []
    for _, r in c.iterrows():
        judgement = change_judgement(r)
        tag = {"worse": "worse", "better": "better"}.get(judgement, "ns")
        level = "99.8%" if bool(r.change_from_previous_significant_998) else CHANGE_SIGNIFICANCE
        group = (
            "ICB overall"
            if r.dimension == "overall"
            else f"{group_label(r.dimension, r.group_value)} ({DIMENSIONS.get(r.dimension, r.dimension)})"
        )
        value = f"{float(r.value):.1f} per 10,000" if str(r.metric_id).endswith("_per_10k") else _pct(r.value)
        trend = "" if _missing(r.recent_trend) else r.recent_trend
        rows.append(
            f'<tr class="{"worse" if judgement == "worse" else ""}">'
            f"<td>{_e(metric_label(r.metric_id, r.metric_name))}</td><td>{_e(group)}</td>"
            f"<td>{_e(SOURCE_NAMES.get(r.source, r.source))}</td><td>{_e(r.previous_period)} → {_e(r.period)}</td>"
            f'<td class="num">{value}</td><td class="num">{_change_value(r, r.change_from_previous)} '
            f"({_change_value(r, r.change_from_previous_lower_95)} to "
            f"{_change_value(r, r.change_from_previous_upper_95)})</td>"
            f'<td><span class="tag {tag}">{_e(judgement or "changed")}</span> {level}</td><td>{_e(trend)}</td></tr>'
        )
    header = (
        "<table><tr><th>Measure</th><th>Group</th><th>Source</th><th>Periods</th><th>Now</th>"
        "<th>Change (95% CI)</th><th>Significance</th><th>Recent trend (5 periods)</th></tr>"
    )
    return header + "".join(rows) + "</table>"


def _changes_table(d: IcbData) -> str:
    """ICB results that changed since their previous comparable period: those significant at 99.8% shown,
    those at 95% only listed beneath (many results are compared, so some 95% changes are chance)."""
    c = d.changes
    if c.empty:
        return "<p>No result at ICB level changed significantly since its previous comparable period.</p>"
    strong = c.change_from_previous_significant_998.fillna(False).astype(bool).to_numpy()
    parts = [
        f"<p>{len(c)} result(s) at ICB level changed significantly at {CHANGE_SIGNIFICANCE} since the previous "
        f"comparable period (each source's latest period), {int(strong.sum())} of them also at 99.8%, the level "
        "to act on when so many results are compared.</p>"
    ]
    if strong.any():
        parts.append(_change_rows(c[strong]))
    if (~strong).any():
        parts.append(
            f"<details><summary>{int((~strong).sum())} change(s) significant at {CHANGE_SIGNIFICANCE} only"
            f"</summary>{_change_rows(c[~strong])}</details>"
        )
    return "".join(parts)


def _spc_series(spc: pd.DataFrame) -> pd.DataFrame:
    """One row per charted series: its latest variation and how many special-cause points it has."""
    key = ["geography_level", "geography_code", "metric_id", "source", "period_kind"]
    return (
        spc.sort_values("period_start")
        .groupby(key, sort=False)
        .agg(
            metric_name=("metric_name", "last"),
            points=("points", "last"),
            latest=("period", "last"),
            series_variation=("series_variation", "last"),
            special=("special_cause", "sum"),
        )  # fmt: skip
        .reset_index()
        .sort_values(["special", "geography_code"], ascending=[False, True], kind="mergesort")
    )


def _spc_part(d: IcbData) -> str:
    if d.spc.empty:
        return (
            '<h3>Statistical process control</h3><p class="empty">No organisation in this ICB has a '
            "monthly FFT or quarterly complaints series long enough for a control chart (12 points).</p>"
        )
    series = _spc_series(d.spc)
    special = series[series.special > 0]
    parts = [
        "<h3>Statistical process control</h3><p>Making Data Count XmR charts: the mean and the process limits "
        "(mean ± 2.66 × the mean moving range). A point is special cause when it is outside the limits, in a run "
        "of 7 on one side of the mean, in a run of 6 rising or falling, or one of 2 of 3 beyond the 2-sigma line. "
        "Colours and icons: "
        + "; ".join(f"{_e(v)} — {_e(text)}" for v, text in SPC_ICONS.items())
        + f". {len(special)} of {len(series)} series show special-cause variation.</p>"
    ]
    for i, (_, s) in enumerate(special.head(SPC_CHARTS).iterrows()):
        points = d.spc[(d.spc.geography_code == s.geography_code) & (d.spc.metric_id == s.metric_id)
                       & (d.spc.period_kind == s.period_kind)]  # fmt: skip
        name = d.unit_names.get(s.geography_code, s.geography_code)
        title = f"{metric_label(s.metric_id, s.metric_name)}: {name} ({s.geography_level})"
        caption = (
            f"{int(s.points)} points to {_e(s.latest)}; {int(s.special)} special-cause point(s). Latest point: "
            f"<b>{_e(s.series_variation)}</b> ({_e(SPC_ICONS.get(str(s.series_variation), ''))})."
        )
        parts.append(_figure(charts.spc_chart(points, title), f"s{i}", caption, title))
    rows = "".join(
        f"<tr><td>{_e(s.geography_code)}</td><td>{_e(s.geography_level)}</td>"
        f'<td>{_e(metric_label(s.metric_id, s.metric_name))}</td><td class="num">{int(s.points)}</td>'
        f'<td>{_e(s.latest)}</td><td class="num">{int(s.special)}</td><td>{_e(s.series_variation)}</td></tr>'
        for _, s in series.iterrows()
    )
    parts.append(
        f"<details><summary>All {len(series)} control charts</summary><table><tr><th>Organisation</th>"
        "<th>Level</th><th>Measure</th><th>Points</th><th>Latest</th><th>Special-cause points</th>"
        f"<th>Latest variation</th></tr>{rows}</table></details>"
    )
    return "".join(parts)


def _gradient_over_time(d: IcbData) -> str:
    g = d.gradient
    if g.empty or "gap_trend" not in g:
        return ""
    compared = g[g.previous_period.notna()]
    if compared.empty:
        return "<h3>Deprivation gap over time</h3><p>No gradient has an earlier comparable period yet.</p>"
    fig = charts.gradient_trend_chart(g)
    order = compared.gap_trend.map({"widening": 0, "narrowing": 1, "reversed": 2}).fillna(3)
    rows = "".join(
        f'<tr class="{"worse" if r.gap_trend == "widening" else ""}"><td>{_e(metric_label(r.metric_id))}</td>'
        f"<td>{_e(r.source)}</td><td>{_e(r.previous_period)} → {_e(r.period)}</td>"
        f'<td class="num">{_pts(r.sii)}</td><td class="num">{_pts(r.sii_change)} ({_pts(r.sii_change_lower_95)} to '
        f"{_pts(r.sii_change_upper_95)})</td><td>{_gap_trend(r)}</td></tr>"
        for _, r in compared.assign(_order=order)
        .sort_values(["_order", "metric_id"], kind="mergesort")
        .iterrows()
    )
    widening = compared[compared.gap_trend == "widening"]
    caption = (
        "The slope index of inequality (SII) of each measure over its periods, with its 95% interval. Red: the gap "
        "is significantly wider than in the previous comparable period (99.8%); green: narrower. Periods either "
        "side of a survey series break (dashed) are never compared."
    )
    return (
        f"<h3>Deprivation gap over time</h3><p>{len(widening)} of {len(compared)} deprivation gap(s) with an "
        "earlier comparable period widened significantly (99.8%).</p>"
        + _figure(fig, "t1", caption, "SII over time by measure")
        + "<table><tr><th>Measure</th><th>Source</th><th>Periods</th><th>SII now</th><th>Change (95% CI)</th>"
        f"<th>Gap</th></tr>{rows}</table>"
    )


def section_time(d: IcbData) -> Section:
    """Change over time: headline trends with the series break, the deprivation gap over time, what
    changed significantly since the previous comparable period, and control charts."""
    if d.changes.empty and d.trends.empty and d.spc.empty and "gap_trend" not in d.gradient:
        return Section(
            "time", "Change over time", '<p class="empty">No change over time in the published marts.</p>'
        )
    parts = [
        '<p class="lede">How results moved. Each result is compared with its previous comparable period: the same '
        "measure, group and kind of period in the same survey series (GP Patient Survey results from 2024 on "
        "come from a redesigned questionnaire and are never compared with 2023 or earlier).</p>"
    ]
    trend_fig = charts.trend_chart(d.trends)
    if trend_fig is not None:
        parts.append(
            _figure(
                trend_fig,
                "t0",
                "ICB published results by survey year with 95% intervals; the dashed line "
                "marks the 2024 series break.",
                "Headline measures over the survey years",
            )  # fmt: skip
        )
    parts.append(_gradient_over_time(d))
    parts.append("<h3>What changed since the previous period</h3>" + _changes_table(d))
    parts.append(_spc_part(d))
    return Section("time", "Change over time", "".join(parts))


# ---------------------------------------------------------------- representation


def section_representation(d: IcbData) -> Section:
    rep = d.representation
    if rep.empty:
        return Section(
            "representation",
            "Who we are not hearing from",
            '<p class="empty">No representation figures in the published marts for this ICB.</p>',
        )
    fig = charts.representation_chart(rep)
    flagged = rep[rep.under_represented.fillna(False).astype(bool)]
    parts = [
        "<p class=\"lede\">Each channel's share of voices from a group divided by that group's share of the "
        "registered population. Below the red dashed line (0.8) with an interval below 1, the group is "
        "flagged as under-represented.</p>",
        _figure(fig, "r0", "", "Representation ratios by channel and group"),
    ]
    if len(flagged):
        rows = "".join(
            f'<tr class="worse"><td>{_e(CHANNEL_NAMES.get(r.channel, r.channel))}</td><td>{_e(r.period)}</td>'
            f"<td>{_e(DIMENSIONS.get(r.dimension, r.dimension))}</td><td>{_e(r.group_value)}</td>"
            f'<td class="num">{_count(r.voices)}</td><td class="num">{_pct(r.share_of_voices)}</td>'
            f'<td class="num">{_pct(r.population_share)}</td><td class="num">{_ratio(r.representation_ratio)} '
            f"({_ratio(r.ratio_lower_95)}–{_ratio(r.ratio_upper_95)})</td></tr>"
            for _, r in flagged.iterrows()
        )
        parts.append(
            "<h3>Flagged groups</h3><table><tr><th>Channel</th><th>Period</th><th>Dimension</th><th>Group</th>"
            "<th>Voices</th><th>Share of voices</th><th>Share of population</th><th>Ratio (95% CI)</th></tr>"
            f"{rows}</table>"
        )
    else:
        parts.append("<p>No group is flagged as under-represented.</p>")
    suppressed = int(rep.representation_ratio.isna().sum())
    if suppressed:
        parts.append(f'<p class="note">{suppressed} group(s) with too few voices to show are marked *.</p>')
    return Section("representation", "Who we are not hearing from", "".join(parts))


# ---------------------------------------------------------------- triangulation


def top_convergent(tri: pd.DataFrame, n: int = TOP_TRIANGULATION) -> pd.DataFrame:
    """The ICB's strongest convergent cells: real groups where at least one method says worse."""
    if tri.empty:
        return tri
    keep = (tri.dimension != "overall") & ~tri.group_value.isin(NON_GROUPS) & (tri.methods_agreeing_worse > 0)
    return tri[keep].sort_values("convergent_rank").head(n)


def _examples(value: object) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and _missing(value)):
        return '<span class="note">none shown</span>'
    items = list(value)
    if not items:
        return '<span class="note">none shown</span>'
    out = []
    for item in items:
        text = str(item)
        cid, _, body = text.partition(": ")
        if not body:
            cid, body = "", text
        out.append(
            f'<blockquote><span class="cid">{_e(cid)}</span>{_e(body).replace(chr(10), "<br>")}</blockquote>'
        )
    return "".join(out)


def section_triangulation(d: IcbData) -> Section:
    top = top_convergent(d.triangulation)
    if top.empty:
        return Section(
            "triangulation",
            "Numbers and voices together",
            '<p class="empty">No convergent triangulation cells for this ICB.</p>',
        )
    rows = []
    for _, r in top.iterrows():
        gap = "" if _missing(r.survey_worst_gap) else _pts(r.survey_worst_gap)
        significant = not _missing(r.survey_gap_significant) and bool(r.survey_gap_significant)
        sig = ' <span class="tag worse">sig.</span>' if significant and gap else ""
        no_comments = not _missing(r.comments) and float(r.comments) == 0
        neg = "–" if no_comments else _pct(r.negative_share, 0)
        overall = (
            ""
            if _missing(r.overall_negative_share)
            else f" <span class='note'>vs {_pct(r.overall_negative_share, 0)}</span>"
        )
        rows.append(
            f'<tr class="worse"><td class="num">{int(r.convergent_rank)}</td>'
            f"<td><b>{_e(r.group_value)}</b><br><span class='note'>{_e(DIMENSIONS.get(r.dimension, r.dimension))}</span></td>"
            f'<td>{_e(r.theme)}</td><td class="num">{int(r.methods_agreeing_worse)}</td>'
            f'<td class="num">{gap or "–"}{sig}</td><td class="num">{_count(r.comments)}</td>'
            f'<td class="num">{neg}{overall}</td><td class="num">{_count(r.complaints)}</td>'
            f'<td class="num">{_count(r.stories)}</td><td class="quotes">{_examples(r.example_comments)}</td></tr>'
        )
    body = (
        '<p class="lede">Where the survey and what people tell us agree that a group fares worse. Ranked by '
        "the number of methods agreeing, then by the survey gap. Example comments are redacted and only "
        "drawn from cells of 10 or more comments; each is traceable to its source record by its id.</p>"
        "<table><tr><th>Rank</th><th>Group</th><th>Theme</th><th>Methods agreeing</th><th>Survey gap</th>"
        "<th>Comments</th><th>Negative share</th><th>Complaints</th><th>Stories</th><th>Example comments</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return Section("triangulation", "Numbers and voices together", body)


# ---------------------------------------------------------------- key findings


def key_findings(d: IcbData) -> str:
    cards = []
    if not d.groups.empty:
        headline = d.groups[d.groups.metric_id.isin(d.headline)]
        worse = headline[headline.apply(compare_to_overall, axis=1) == "worse"] if len(headline) else headline
        if len(worse):
            # Largest gap in the worse direction (polarity-aware: a higher value is worse for some metrics).
            w = worse.loc[worse.diff_from_overall.abs().idxmax()]
            also_998 = int(worse.worse_than_overall.fillna(False).astype(bool).sum())
            cards.append(
                ("red", "Biggest group gap", f"{_e(group_label(w.dimension, w.group_value))} ({_e(DIMENSIONS.get(w.dimension, w.dimension))}): "
                 f"{_e(metric_label(w.metric_id).lower())} {_pct(w.value)}, {_pts(abs(w.diff_from_overall)).lstrip('+')} "
                 f"worse than the ICB overall. {len(worse)} group result(s) on headline measures significantly worse "
                 f"at {GROUP_SIGNIFICANCE} ({also_998} of them also at 99.8%).")
            )  # fmt: skip
    if not d.gradient.empty:
        worse = latest_gradient(d.gradient)
        worse = worse[worse.direction == "worse_in_more_deprived"]
        if len(worse):
            g = worse.iloc[0]
            cards.append(
                ("red", "Deprivation gradient", f"{_e(metric_label(g.metric_id))}: {_pts(g.sii).replace('+', '')} "
                 f"between the least and most deprived (RII {g.rii:.2f}). {len(worse)} measure(s) worse in more deprived areas.")
            )  # fmt: skip
    if "gap_trend" in d.gradient:
        widening = d.gradient[d.gradient.gap_trend == "widening"]
        if len(widening):
            g = widening.iloc[0]
            cards.append(
                ("red", "Gap widening", f"{_e(metric_label(g.metric_id))}: the deprivation gap widened from "
                 f"{_e(g.previous_period)} to {_e(g.period)} (SII {_pts(g.sii - g.sii_change)} → {_pts(g.sii)}, "
                 f"significant at 99.8%). {len(widening)} measure(s) widening.")
            )  # fmt: skip
    if not d.spc.empty:
        concerning = _spc_series(d.spc)
        concerning = concerning[concerning.series_variation == "special cause concerning"]
        if len(concerning):
            s = concerning.iloc[0]
            cards.append(
                ("yellow", "Special cause", f"{_e(metric_label(s.metric_id, s.metric_name))} at "
                 f"{_e(d.unit_names.get(s.geography_code, s.geography_code))}: special cause concerning variation "
                 f"in {_e(s.latest)}. {len(concerning)} control chart(s) concerning.")
            )  # fmt: skip
    v = variation_finding(d.variation)
    if v is not None:
        what = "practices" if v.unit_level == "practice" else "sub-ICB locations"
        top = (
            f" Most on {_e(metric_label(v.top_metric).lower())} ({v.top_metric_outside})."
            if v.top_metric
            else ""
        )
        cards.append(
            ("yellow", "Variation", f"{v.outside_998} of {v.units} {what} outside the 99.8% funnel limits on at least "
             f"one of {v.measures} measure(s) in the {_e(SOURCE_NAMES.get(v.source, v.source))}, "
             f"{_e(v.period_text)}.{top}")
        )  # fmt: skip
    if not d.representation.empty:
        flagged = d.representation[d.representation.under_represented.fillna(False).astype(bool)]
        if len(flagged):
            names = sorted(
                {
                    f"{r.group_value} ({CHANNEL_NAMES.get(r.channel, r.channel)})"
                    for _, r in flagged.iterrows()
                }
            )
            cards.append(("yellow", "Not hearing from", _e("; ".join(names))))
        else:
            cards.append(("aqua", "Not hearing from", "No group is significantly under-represented."))
    top = top_convergent(d.triangulation, 1)
    if len(top):
        t = top.iloc[0]
        cards.append(
            ("red", "Strongest convergent evidence", f"{_e(group_label(t.dimension, t.group_value))} on {_e(t.theme)}: "
             f"{int(t.methods_agreeing_worse)} method(s) agree.")
        )  # fmt: skip
    if not cards:
        return '<p class="empty">No findings: the published marts hold nothing for this ICB.</p>'
    return (
        '<div class="findings">'
        + "".join(f'<div class="finding {c}"><b>{t}</b>{body}</div>' for c, t, body in cards)
        + "</div>"
    )


# ---------------------------------------------------------------- page


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


def build_icb_html(d: IcbData, published_db: Path) -> str:
    sections = [
        Section("findings", "Key findings", key_findings(d)),
        section_groups(d),
        section_funnel(d),
        section_gradient(d),
        section_time(d),
        section_representation(d),
        section_triangulation(d),
    ]
    body = "".join(f'<section id="{s.anchor}"><h2>{_e(s.title)}</h2>{s.body}</section>' for s in sections)
    nav = [("index.html", "All ICBs")] + [(f"#{s.anchor}", s.title) for s in sections]
    subtitle = (
        f"{_e(d.icb_code)} · Patient experience inequalities · from <code>{_e(published_db.name)}</code>"
    )
    return _page(f"{d.icb_name}", subtitle, nav, body)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_filename(icb_code: str) -> str:
    safe = "".join(ch for ch in icb_code if ch.isalnum() or ch in "-_") or "icb"
    return f"inequalities_{safe}.html"


def render_icb_report(published_db: Path, icb_code: str, out_dir: Path) -> Path:
    """Write the self-contained inequalities report for one ICB; returns the HTML file's path."""
    published_db, out_dir = Path(published_db), Path(out_dir)
    if not published_db.exists():
        raise FileNotFoundError(f"no published store at {published_db}")
    data = load_icb(published_db, icb_code)
    path = out_dir / report_filename(icb_code)
    _write_atomic(path, build_icb_html(data, published_db))
    return path


def render_index(published_db: Path, reports: list[tuple[str, str, Path]], out_dir: Path) -> Path:
    rows = "".join(
        f'<tr><td><a href="{_e(path.name)}">{_e(code)}</a></td><td>{_e(name)}</td></tr>'
        for code, name, path in reports
    )
    body = (
        '<section><h2>Inequalities reports by ICB</h2><p class="lede">One self-contained page per Integrated '
        "Care Board: open it in any browser, no network needed.</p>"
        f"<table><tr><th>ICB</th><th>Name</th></tr>{rows}</table></section>"
    )
    if (Path(out_dir) / "validation.html").exists():  # the data-quality page written to the same folder
        body += (
            '<section><h2>Data quality</h2><p><a href="validation.html">Validation report</a></p></section>'
        )

    path = Path(out_dir) / "index.html"
    _write_atomic(
        path,
        _page("Chorus inequalities reports", f"from <code>{_e(Path(published_db).name)}</code>", [], body),
    )
    return path


def render_all_reports(published_db: Path, out_dir: Path) -> list[Path]:
    """One report per ICB present in the published marts, plus ``index.html``; returns the ICB reports."""
    published_db, out_dir = Path(published_db), Path(out_dir)
    if not published_db.exists():
        raise FileNotFoundError(f"no published store at {published_db}")
    written = []
    for code in list_icbs(published_db):
        data = load_icb(published_db, code)
        path = out_dir / report_filename(code)
        _write_atomic(path, build_icb_html(data, published_db))
        written.append((code, data.icb_name, path))
    render_index(published_db, written, out_dir)
    return [p for _, _, p in written]
