"""The report's "Against England" section: where the ICB's sub-ICB locations and practices stand among every
one loaded, from ``marts.variation`` (each unit against England on a PHE funnel, judged with the measure's
polarity at 99.8%) and ``marts.national_variation`` (England's range, best-to-worst ratio and units beyond the
99.8% limits per measure and period)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from pipelines.report.data import (
    HEADLINE_MEASURES,
    SOURCE_NAMES,
    VARIATION_SOURCE_PREFERENCE,
    IcbData,
    metric_label,
)
from pipelines.report.data import is_missing as _missing
from pipelines.report.inputs import fill_sentence
from pipelines.report.page import Section, _count, _e, _pct, _pts

LEVELS = {"sub_icb": "sub-ICB locations", "practice": "practices"}
# The polarity-aware judgement against England (marts.variation.vs_england_judgement) and how it is tagged.
JUDGEMENT_TAGS = {"worse": "worse", "better": "better", "similar": "none"}
ROWS_SHOWN = 12
UNITS_LISTED = 100  # units worse than England listed by name (a national ICB can have hundreds)
ENGLAND_BASIS = {
    "published": "as published",
    "pooled_england": "all ICBs pooled",
    "pooled_loaded_areas": "loaded areas only",
}


def _summary(d: IcbData) -> pd.DataFrame:
    """Per measure, source, unit level and period: the ICB's units worse / better / similar than England at
    99.8%, beside England's own spread (marts.national_variation). Counts of units, never of people."""
    v = d.variation
    if v.empty or "vs_england_judgement" not in v:
        return pd.DataFrame()
    keys = ["metric_id", "source", "unit_level", "period"]
    judged = v.assign(
        _worse=v.vs_england_judgement.eq("worse"),
        _better=v.vs_england_judgement.eq("better"),
        _similar=v.vs_england_judgement.eq("similar"),
    )
    icb = (
        judged.groupby(keys, sort=False)
        .agg(
            period_end=("period_end", "max"),
            icb_units=("unit_code", "nunique"),
            icb_worse=("_worse", "sum"),
            icb_better=("_better", "sum"),
            icb_similar=("_similar", "sum"),
        )
        .reset_index()
    )
    national = d.national_variation
    if national.empty:
        return icb.assign(units=pd.NA)
    columns = [*keys, "higher_is_better", "england_value", "england_value_basis", "units", "icbs", "range",
               "best_to_worst_ratio", "units_outside_998", "units_better_998", "units_worse_998"]  # fmt: skip
    return icb.merge(national[columns], on=keys, how="left")


def _order(summary: pd.DataFrame) -> pd.DataFrame:
    """Headline measures first, then the measures with most of the ICB's units worse than England; sub-ICB
    locations before practices within a measure."""
    headline = {m: i for i, m in enumerate(HEADLINE_MEASURES)}
    return summary.assign(
        _headline=summary.metric_id.map(headline).fillna(len(headline)),
        _worst=-summary.groupby("metric_id").icb_worse.transform("max"),
        _level=summary.unit_level.map({"sub_icb": 0, "practice": 1}).fillna(2),
    ).sort_values(
        ["_headline", "_worst", "metric_id", "_level", "period_end"],
        ascending=[True, True, True, True, False],
    )


def _latest(summary: pd.DataFrame) -> pd.Series:
    """Which rows are each measure's and level's latest period, one source each: published GPPS results
    where they exist for that period (the headline values), else the other source."""
    preference = summary.source.map({s: i for i, s in enumerate(VARIATION_SOURCE_PREFERENCE)}).fillna(9)
    ranked = summary.assign(_pref=preference).sort_values(["period_end", "_pref"], ascending=[False, True])
    first = ranked.drop_duplicates(["metric_id", "unit_level"]).index
    return summary.index.isin(first)


def _basis_note(basis: object) -> str:
    """Under an England value not published as England's: what it is instead."""
    if _missing(basis) or basis == "published":
        return ""
    return f'<br><span class="ci">{_e(ENGLAND_BASIS.get(str(basis), str(basis)))}</span>'


def _row(d: IcbData, r: SimpleNamespace) -> str:
    worse, better = int(r.icb_worse), int(r.icb_better)
    tags = (
        (f'<span class="tag worse">{worse} worse</span> ' if worse else "")
        + (f'<span class="tag better">{better} better</span> ' if better else "")
        + f'<span class="note">{int(r.icb_similar)} similar</span>'
    )
    national = ""
    if not _missing(getattr(r, "units", None)):
        ratio = "" if _missing(r.best_to_worst_ratio) else f"{float(r.best_to_worst_ratio):.2f}"
        national = (
            f'<td class="num">{_count(r.units)} in {_count(r.icbs)} ICB(s)</td>'
            f'<td class="num">{_pts(r.range).lstrip("+")}</td><td class="num">{ratio or "–"}</td>'
            f'<td class="num">{_count(r.units_worse_998)} worse, {_count(r.units_better_998)} better</td>'
            f'<td class="num">{_pct(r.england_value)}{_basis_note(r.england_value_basis)}</td>'
        )
    else:
        national = '<td colspan="5" class="note">not summarised nationally</td>'
    return (
        f'<tr class="{"worse" if worse else ""}"><td>{_e(metric_label(r.metric_id, d.metric_names.get(r.metric_id)))}'
        f'<br><span class="note">{_e(SOURCE_NAMES.get(r.source, r.source))}</span></td><td>{_e(r.period)}</td>'
        f"<td>{_e(LEVELS.get(r.unit_level, r.unit_level))}</td>"
        f'<td class="num">{int(r.icb_units)}</td><td>{tags}</td>{national}</tr>'
    )


def _table(d: IcbData, rows: pd.DataFrame) -> str:
    header = (
        "<table><tr><th>Measure</th><th>Period</th><th>Level</th><th>The ICB's units</th>"
        "<th>Against England (99.8%)</th><th>Units compared nationally</th><th>National range</th>"
        "<th>Best-to-worst ratio</th><th>Nationally beyond 99.8%</th><th>England</th></tr>"
    )
    # Plain records, not rows of a frame: an ICB has a row per measure, level and period.
    body = [_row(d, SimpleNamespace(**r)) for r in rows.to_dict("records")]
    shown, rest = body[:ROWS_SHOWN], body[ROWS_SHOWN:]
    html = header + "".join(shown) + "</table>"
    if rest:
        html += f"<details><summary>{len(rest)} more</summary>{header}{''.join(rest)}</table></details>"
    return html


def _units_worse(d: IcbData, latest: pd.DataFrame) -> str:
    """The ICB's sub-ICB locations and practices worse than England at 99.8% in each measure's latest period:
    headline measures first, sub-ICB locations before practices, lowest values first; a long list is cut
    (``marts.variation`` holds every row)."""
    v = d.variation
    keys = ["metric_id", "source", "unit_level", "period"]
    picked = v.merge(latest[keys], on=keys)
    worse = picked[picked.vs_england_judgement.eq("worse")]
    if worse.empty:
        return "<p>None of the ICB's sub-ICB locations or practices is worse than England at 99.8%.</p>"
    units = worse.drop_duplicates(["unit_level", "unit_code"])
    counts = ", ".join(f"{int((units.unit_level == level).sum())} {name}" for level, name in LEVELS.items())
    headline = {m: i for i, m in enumerate(HEADLINE_MEASURES)}
    worse = worse.assign(_headline=worse.metric_id.map(headline).fillna(len(headline))).sort_values(
        ["_headline", "metric_id", "unit_level", "value"], ascending=[True, True, False, True]
    )
    more = len(worse) - UNITS_LISTED
    rows = "".join(
        f"<tr><td>{_e(LEVELS.get(r.unit_level, r.unit_level))}</td><td>{_e(r.unit_code)}</td>"
        f"<td>{_e(d.unit_names.get(r.unit_code, ''))}</td>"
        f"<td>{_e(metric_label(r.metric_id, d.metric_names.get(r.metric_id)))}</td><td>{_e(r.period)}</td>"
        f'<td class="num">{_pct(r.value)}</td><td class="num">{_pct(r.england_value)}</td>'
        f'<td class="num">{_count(r.unweighted_n)}</td></tr>'
        for r in (SimpleNamespace(**x) for x in worse.head(UNITS_LISTED).to_dict("records"))
    )
    cut = f'<p class="note">{more} more in marts.variation.</p>' if more > 0 else ""
    return (
        f"<details><summary>Worse than England at 99.8% in the latest period: {_e(counts)}</summary>"
        "<table><tr><th>Level</th><th>Code</th><th>Name</th><th>Measure</th><th>Period</th><th>Value</th>"
        f"<th>England</th><th>Respondents</th></tr>{rows}</table>{cut}</details>"
    )


def section_national(d: IcbData) -> Section:
    """Against England: per measure, how many of the ICB's sub-ICB locations and practices are worse or
    better than England at 99.8% (the measure's polarity decides which is which), beside England's range,
    best-to-worst ratio and count beyond the limits; the latest period open, earlier ones folded."""
    summary = _summary(d)
    if summary.empty:
        sentence = fill_sentence(
            "national_position",
            "where the ICB's sub-ICB locations and practices stand against England",
            d.loaded,
        )
        return Section(
            "england",
            "Against England",
            '<p class="empty">No sub-ICB or practice comparison with England in the published marts for this '
            f'ICB.</p><p class="fill">{_e(sentence)}</p>',
        )
    summary = _order(summary)
    is_latest = _latest(summary)
    latest, earlier = summary[is_latest], summary[~is_latest]
    parts = [
        '<p class="lede">Where the ICB\'s sub-ICB locations and practices stand among all those loaded: each '
        "against England's value on a PHE funnel for its number of respondents, at 99.8% (beyond those limits a "
        "difference is very unlikely to be chance). <b>Worse</b> and <b>better</b> follow the direction in "
        "which each measure is better, so a high value of a measure where lower is better counts as worse. "
        "The national columns describe every unit of that level loaded: the range between the highest and "
        "lowest value, the best-to-worst ratio (the '30% variation between CCGs' figure) and how many lie "
        "beyond the limits. England is the value the publisher gave for England, else the average of the "
        "units loaded: marked <i>all ICBs pooled</i>, or <i>loaded areas only</i> when they do not cover "
        "England (then 'against England' means against the loaded areas).</p>",
        _table(d, latest),
        _units_worse(d, latest),
    ]
    if len(earlier):
        parts.append(
            f"<details><summary>Earlier periods: {len(earlier)} comparison(s)</summary>{_table(d, earlier)}"
            "</details>"
        )
    return Section("england", "Against England", "".join(parts))
