"""The report's sections on where experience differs now: by group, between practices, by deprivation,
who we are not hearing from, and where numbers and voices agree."""

from __future__ import annotations

import pandas as pd

from pipelines.report import charts
from pipelines.report.data import (
    CHANNEL_NAMES,
    DIMENSIONS,
    GROUP_SIGNIFICANCE,
    NON_GROUPS,
    SOURCE_NAMES,
    IcbData,
    compare_to_overall,
    metric_label,
)
from pipelines.report.data import is_missing as _missing
from pipelines.report.inputs import NEEDS, fill_sentence
from pipelines.report.page import Section, _count, _e, _figure, _pct, _pts, _ratio

TOP_TRIANGULATION = 10

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
    crossed = [x for x in dimensions if INTERSECTION in x]
    for i, dimension in enumerate(x for x in dimensions if x not in crossed):
        fig = charts.groups_chart(d.groups, dimension, d.headline)
        if fig is None:
            continue
        title = charts.dimension_title(dimension)
        parts.append(f"<h3>{_e(title)}</h3>")
        parts.append(_figure(fig, f"g{i}", "", f"{title}: headline measures by group with 95% intervals"))
        parts.append(_groups_table(d, dimension))
    parts.append(_intersections_worse(d, crossed))
    return Section("groups", "Experience by group", "".join(parts))


# An intersection of two dimensions in metric_by_group: 'age_band x sex', groups '16-24 | Male'.
INTERSECTION = " x "


def _intersections_worse(d: IcbData, crossed: list[str]) -> str:
    """Groups within groups (two dimensions crossed) are too many to draw: the groups worse than the ICB overall
    at 99.8% on a headline measure (the flag analysts act on, few false alarms across so many cells)."""
    if not crossed:
        return ""
    block = d.groups[d.groups.dimension.isin(crossed) & d.groups.metric_id.isin(d.headline)]
    worse = block[block.worse_than_overall.fillna(False).astype(bool)]
    title = "; ".join(
        " × ".join(charts.dimension_title(part) for part in x.split(INTERSECTION)) for x in crossed
    )
    lede = (
        f"<h3>Groups within groups</h3><p>{_e(title)}, from the respondent-level extract: groups worse than the "
        "ICB overall at 99.8% on the headline measures. A group on fewer than 30 effective respondents is not shown."
    )
    if worse.empty:
        return lede + " None is.</p>"
    rows = [
        f"<tr><td>{_e(metric_label(r.metric_id))}</td><td>{_e(r.group_value)}</td>"
        f'<td class="num">{_pct(r.value)}</td><td class="num">{_pct(r.lower_95)} – {_pct(r.upper_95)}</td>'
        f'<td class="num">{_pts(r.diff_from_overall)}</td><td>{_group_tag(r)}</td></tr>'
        for _, r in worse.sort_values(["metric_id", "diff_from_overall"]).iterrows()
    ]
    return (
        lede
        + "</p><table><tr><th>Measure</th><th>Group</th><th>Value</th><th>95% CI</th><th>Gap from overall</th>"
        "<th>vs overall</th></tr>" + "".join(rows) + "</table>"
    )


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
    present = set(v.metric_id)
    preferred = [m for m in ("phone_access", "overall_experience", *headline) if m in present]
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
        for r in outliers.sort_values("_gap", ascending=False).itertuples(index=False)
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

GAP_TREND_TAGS = {"widening": "worse", "narrowing": "better", "reversed": "warn"}


def latest_gradient(gradient: pd.DataFrame) -> pd.DataFrame:
    """Each measure's gradient in its latest period (by date), in the order the marts ranked them."""
    if gradient.empty or "period_end" not in gradient:
        return gradient
    latest = gradient.groupby(["metric_id", "source"]).period_end.transform("max")
    return gradient[gradient.period_end == latest]


def section_gradient(d: IcbData) -> Section:
    """The deprivation gradient: the latest period's quintile values and SII lines, then every period's SII
    and RII with intervals, direction and whether the gap widened, measure by measure."""
    g = latest_gradient(d.gradient)
    if g.empty:
        sentence = fill_sentence("gradient", "the deprivation gradient", d.loaded)
        return Section(
            "gradient",
            "Deprivation gradient",
            '<p class="empty">No deprivation gradient in the published marts for this ICB.</p>'
            f'<p class="fill">{_e(sentence)}</p>',
        )
    fig = charts.gradient_chart(d.quintiles, g)
    worse = g[g.direction == "worse_in_more_deprived"]
    caption = (
        "Dots: each practice deprivation quintile's value with its 95% interval, placed at the midpoint of "
        "its share of respondents. Line: the slope index of inequality (SII), the modelled gap between the "
        "least and the most deprived end; red when experience is significantly worse in more deprived areas "
        "(99.8%). The relative index (RII) is the least deprived end's value divided by the most deprived end's."
    )
    parts = [
        '<p class="lede">Does experience get worse with deprivation? '
        f"{len(worse)} of {len(g)} measures have a significant gradient against the more deprived in their "
        "latest period.</p>",
        _figure(fig, "d0", caption, "Deprivation gradient: quintile values and SII lines"),
        "<h3>Every year</h3>",
        '<p class="note">SII in percentage points (least minus most deprived end, modelled) with its 95% '
        "interval, and the RII with its interval. "
        + "; ".join(
            f'<span class="tag {tag}">{_e(text)}</span> {_e(meaning)}' for tag, text, meaning in DIRECTION_KEY
        )
        + '. <span class="tag worse">widening</span> / <span class="tag better">narrowing</span>: the gap '
        "changed significantly (99.8%) since the previous comparable period. A dashed red line between years "
        "is a survey series break (the GP Patient Survey was redesigned in 2024): results either side are "
        "not compared.</p>",
    ]
    gradient = d.gradient
    for column in ("quintile_basis", "series"):  # a store from before gradients had them: one of each
        if column not in gradient:
            gradient = gradient.assign(**{column: None})
    for (source, basis), block in gradient.groupby(["source", "quintile_basis"], sort=False, dropna=False):
        parts.append(_gradient_years(d, block, str(source), basis))
    return Section("gradient", "Deprivation gradient", "".join(parts))


# How the gradient's direction is tagged: never green for a gradient against the more deprived, and a
# gradient in their favour is an inequality too (neutral, not "better").
DIRECTION_KEY = (
    (
        "worse",
        "worse in more deprived",
        "experience significantly worse towards the more deprived end (99.8%)",
    ),
    ("ns", "better in more deprived", "significantly better towards the more deprived end"),
    ("none", "no clear gradient", "the 99.8% interval of the SII includes 0"),
)
DIRECTION_TAGS = {
    "worse_in_more_deprived": DIRECTION_KEY[0],
    "better_in_more_deprived": DIRECTION_KEY[1],
    "no_clear_gradient": DIRECTION_KEY[2],
}
GRADIENT_ROWS_SHOWN = 12
QUINTILE_BASIS_NAMES = {
    "national": "quintiles of all England's practices",
    "within_icb": "quintiles of the ICB's own practices",
}


def _gradient_cell(r: dict, series_break: bool) -> str:
    tag, text, _ = DIRECTION_TAGS.get(str(r["direction"]), ("none", str(r["direction"]), ""))
    trend = ""
    if not _missing(r.get("gap_trend")) and not _missing(r.get("previous_period")):
        trend = "<br>" + _gap_trend(r)
    return (
        f'<td class="yr{" brk" if series_break else ""}"><span class="tag {tag}">{_e(text)}</span><br>'
        f"SII {_pts(r['sii'])} <span class='ci'>({_pts(r['sii_lower_95'])} to {_pts(r['sii_upper_95'])})</span><br>"
        f"RII {_ratio(r['rii'])} <span class='ci'>({_ratio(r['rii_lower_95'])} to {_ratio(r['rii_upper_95'])})</span>"
        f"{trend}</td>"
    )


def _gradient_years(d: IcbData, block: pd.DataFrame, source: str, basis: object) -> str:
    """One table per source and quintile basis: a row per measure, a column per period (oldest first), a
    dashed line at each series break; measures worse in more deprived areas in their latest period first."""
    periods = block.drop_duplicates("period").sort_values("period_start")
    series = periods.series.fillna("").tolist()
    breaks = {p for i, p in enumerate(periods.period) if i and series[i] != series[i - 1]}
    # Plain dicts, not rows of a frame: an ICB has a gradient per measure, year, source and basis.
    latest = {r["metric_id"]: r for r in latest_gradient(block).to_dict("records")}
    order = sorted(
        latest, key=lambda m: (latest[m]["direction"] != "worse_in_more_deprived", -abs(latest[m]["sii"]))
    )
    head = "".join(
        f'<th class="yr{" brk" if p in breaks else ""}">{_e(p)}'
        + (f'<br><span class="ci">{_e(s)} series</span>' if s else "")
        + "</th>"
        for p, s in zip(periods.period, series, strict=True)
    )
    by_cell = {(r["metric_id"], r["period"]): r for r in block.to_dict("records")}
    rows = []
    for metric in order:
        cells = "".join(
            _gradient_cell(by_cell[(metric, p)], p in breaks) if (metric, p) in by_cell
            else f'<td class="yr{" brk" if p in breaks else ""}"><span class="note">–</span></td>'
            for p in periods.period
        )  # fmt: skip
        worse = latest[metric]["direction"] == "worse_in_more_deprived"
        rows.append(
            f'<tr class="{"worse" if worse else ""}"><td>{_e(metric_label(metric, d.metric_names.get(metric)))}</td>'
            f"{cells}</tr>"
        )
    title = SOURCE_NAMES.get(source, source)
    if isinstance(basis, str):
        title += f", {QUINTILE_BASIS_NAMES.get(basis, basis)}"
    header = f'<table class="years"><tr><th>Measure</th>{head}</tr>'
    shown, rest = rows[:GRADIENT_ROWS_SHOWN], rows[GRADIENT_ROWS_SHOWN:]
    html = f"<h4>{_e(title)}: {len(order)} measure(s)</h4>{header}{''.join(shown)}</table>"
    if rest:
        html += f"<details><summary>{len(rest)} more measure(s)</summary>{header}{''.join(rest)}</table></details>"
    return html


def _gap_trend(row: pd.Series | dict) -> str:
    """'widening since 2021' tagged red, 'narrowing' green, else plain text; '–' without a comparison."""
    trend, previous = row.get("gap_trend"), row.get("previous_period")
    if _missing(trend) or _missing(previous):
        return "–"
    tag = GAP_TREND_TAGS.get(str(trend))
    text = f"{_e(trend)} since {_e(previous)}"
    return f'<span class="tag {tag}">{text}</span>' if tag else text


# ---------------------------------------------------------------- representation


def section_representation(d: IcbData) -> Section:
    rep = d.representation
    if rep.empty:
        return Section(
            "representation",
            "Who we are not hearing from",
            '<p class="empty">No representation figures in the published marts for this ICB.</p>'
            f'<p class="fill">{_e(fill_sentence("representation_voices", "who is heard by group", d.loaded))}</p>',
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
    missing = rep.population_missing_reason.notna() if "population_missing_reason" in rep.columns else None
    compared = rep if missing is None else rep[~missing]
    suppressed = int(compared.representation_ratio.isna().sum())
    if suppressed:
        parts.append(f'<p class="note">{suppressed} group(s) with too few voices to show are marked *.</p>')
    if missing is not None and missing.any():
        reasons = rep[missing][["dimension", "population_missing_reason"]].drop_duplicates()
        items = "".join(
            f"<li>{_e(DIMENSIONS.get(r.dimension, r.dimension))}: {_e(r.population_missing_reason)}</li>"
            for r in reasons.itertuples()
        )
        parts.append(
            f'<p class="note">Not compared, for want of a population:</p><ul class="note">{items}</ul>'
        )
    parts.append(_representation_focus(d))
    return Section("representation", "Who we are not hearing from", "".join(parts))


# The groups the report looks at one by one, whatever is flagged: (dimension, groups or None for all,
# heading, what the registry sentence says it would let the reader see).
REPRESENTATION_FOCUS = (
    ("ethnicity_band", None, "By ethnic group", "representation by ethnic group"),
    ("sex_by_age_band", ("Male 16-24", "Male 25-34"), "Young men", "representation of young men"),
    ("learning_disability", None, "Learning disability", "representation by learning disability"),
)
# The population each dimension is compared with, by the inputs (pipelines/report/inputs.py) that give it.
POPULATION_NEEDS = {
    "ethnicity_band": "representation_ethnicity",
    "sex_by_age_band": "representation_age_sex",
}


def _representation_rows(rows: pd.DataFrame) -> str:
    """One row per channel and group, as published: voices (rounded, '*' when withheld), shares, the ratio
    with its interval and the flag. Nothing is summed here, so no withheld count can be worked out."""
    order = {c: i for i, c in enumerate(CHANNEL_NAMES)}
    rows = rows.assign(_c=rows.channel.map(order).fillna(len(order))).sort_values(["_c", "group_value"])
    out = []
    for _, r in rows.iterrows():
        compared = not _missing(r.population_share)
        flagged = compared and not _missing(r.under_represented) and bool(r.under_represented)
        if flagged:
            flag = '<span class="tag worse">under-represented</span>'
        elif not compared:
            flag = '<span class="note">not compared</span>'
        else:
            flag = '<span class="note">–</span>'
        if not compared:
            ratio = '<span class="note">–</span>'
        elif _missing(r.representation_ratio):  # withheld: its interval would give it back
            ratio = _ratio(None)
        else:
            ratio = (
                f"{_ratio(r.representation_ratio)} <span class='ci'>({_ratio(r.ratio_lower_95)} to "
                f"{_ratio(r.ratio_upper_95)})</span>"
            )
        out.append(
            f'<tr class="{"worse" if flagged else ""}"><td>{_e(CHANNEL_NAMES.get(r.channel, r.channel))}</td>'
            f"<td>{_e(r.period)}</td><td>{_e(r.group_value)}</td>"
            f'<td class="num">{_count(r.voices) if not _missing(r.voices) or bool(r.suppressed) else "–"}</td>'
            f'<td class="num">{_pct(r.share_of_voices) if not _missing(r.voices) or bool(r.suppressed) else "–"}</td>'
            f'<td class="num">{_pct(r.population_share) if compared else "–"}</td>'
            f'<td class="num">{ratio}</td><td>{flag}</td></tr>'
        )
    return (
        "<table><tr><th>Channel</th><th>Period</th><th>Group</th><th>Voices</th><th>Share of voices</th>"
        "<th>Share of population</th><th>Ratio (95% CI)</th><th>Flag</th></tr>" + "".join(out) + "</table>"
    )


def _representation_focus(d: IcbData) -> str:
    """Ethnic group, young men and learning disability, each shown whether flagged or not; a dimension with
    no population to compare with says which files would give it."""
    rep = d.representation
    parts = []
    for dimension, groups, heading, purpose in REPRESENTATION_FOCUS:
        rows = rep[rep.dimension == dimension]
        if groups is not None:
            rows = rows[rows.group_value.isin(groups)]
        parts.append(f"<h3>{_e(heading)}</h3>")
        if rows.empty:
            sentence = fill_sentence("representation_voices", purpose, d.loaded)
            parts.append(
                f'<p class="empty">No channel\'s voices by this group.</p><p class="fill">{_e(sentence)}</p>'
            )
            continue
        # A table of rows with neither voices nor a population would say nothing the sentence below does not.
        if (
            rows.voices.notna().any()
            or rows.suppressed.fillna(False).astype(bool).any()
            or rows.population_share.notna().any()
        ):
            parts.append(_representation_rows(rows))
        else:
            channels = ", ".join(dict.fromkeys(CHANNEL_NAMES.get(c, c) for c in rows.channel))
            parts.append(f'<p class="note">No voices by this group in any channel ({_e(channels)}).</p>')
        if rows.population_share.notna().any():
            continue
        need = POPULATION_NEEDS.get(dimension)
        if need and any(name not in d.loaded for name in NEEDS[need]):
            parts.append(f'<p class="fill">{_e(fill_sentence(need, purpose, d.loaded))}</p>')
        else:  # the files are loaded (or none exists in the registry): the mart says why
            reasons = rows.population_missing_reason.dropna().unique()
            parts.append("".join(f'<p class="fill">Not compared: {_e(reason)}.</p>' for reason in reasons))
    return "".join(parts)


# ---------------------------------------------------------------- triangulation


def top_convergent(tri: pd.DataFrame, n: int = TOP_TRIANGULATION) -> pd.DataFrame:
    """The ICB's strongest convergent cells: real groups where at least one method says worse at 99.8%, in
    the mart's evidence order (``convergent_rank``: schemas/tables/marts/triangulation.yaml)."""
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
        significant = not _missing(r.survey_worse_998) and bool(r.survey_worse_998)
        sig = ' <span class="tag worse">worse, 99.8%</span>' if significant and gap else ""
        # The comment method's own figure: of the group's comments, the share negative about this theme
        # (everyone who writes about interpreters may be negative; the group writes about them more often).
        no_comments = not _missing(r.comments) and float(r.comments) == 0
        neg = "–" if no_comments else _pct(r.negative_theme_share, 0)
        overall = (
            ""
            if _missing(r.overall_negative_theme_share)
            else f" <span class='note'>vs {_pct(r.overall_negative_theme_share, 0)}</span>"
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
        "the number of independent methods saying so at 99.8% (the survey; the share of the group's comments "
        "that are negative about the theme, against everyone's), then by the strength of the weakest of them "
        "(a gap on many people counts for more than the same gap on few), never by the size of a gap alone. "
        "A group's comments on equality, diversity and inclusion are read beside every survey measure on which "
        "it fares worse. Example comments are redacted, no two alike, and only drawn from cells of 10 or more "
        "comments; each is traceable to its source record by its id and shows how sure the coding was.</p>"
        "<table><tr><th>Rank</th><th>Group</th><th>Theme</th><th>Methods agreeing</th><th>Survey gap</th>"
        "<th>Comments</th><th>Of the group's comments, negative on this theme</th><th>Complaints</th><th>Stories</th><th>Example comments</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return Section("triangulation", "Numbers and voices together", body)
