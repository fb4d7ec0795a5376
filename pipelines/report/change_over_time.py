"""The report's "Change over time" section: headline trends across the series break, the deprivation gap
over time, what changed significantly since the previous comparable period, and control charts."""

from __future__ import annotations

import pandas as pd

from pipelines.report import charts
from pipelines.report.data import DIMENSIONS, SOURCE_NAMES, IcbData, group_label, metric_label
from pipelines.report.data import is_missing as _missing
from pipelines.report.page import SUPPRESSED, Section, _e, _figure, _pct, _pts
from pipelines.report.sections import _gap_trend

CHANGE_SIGNIFICANCE = "95%"
SPC_CHARTS = 4

# Making Data Count icons, described: the colour and letter of the variation icon for a series' latest point.
SPC_ICONS = {
    "common cause": "grey icon: common cause variation, no significant change",
    "special cause improving": "blue icon: special cause variation, improving",
    "special cause concerning": "orange icon: special cause variation, concerning",
    "special cause neither": "purple icon: special cause variation, no better direction",
}


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
        for s in series.itertuples(index=False)
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
