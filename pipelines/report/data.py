"""What the inequalities report reads: one ICB's rows from the published marts, as pandas frames.

Everything comes from the published (disclosure-controlled) store, opened read-only; nothing here
recomputes a statistic the marts already hold. A table missing from the file (an older store, a tiny
test store) gives an empty frame and the section says so instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.core.periods import describe
from pipelines.core.sql import sql_file
from pipelines.report.inputs import loaded_inputs

HERE = Path(__file__).parent
# Survey measures shown as dot-and-whisker charts, in order of preference (the first four present).
HEADLINE_MEASURES: tuple[str, ...] = (
    "overall_experience",
    "phone_access",
    "making_appointment",
    "contact_experience",
    "needs_met",
    "appointment_accepted",
    "reception_helpful",
    "confidence_trust",
    "involved_in_decisions",
    "website_ease",
)
HEADLINE_COUNT = 4

# Short names for charts; anything else falls back to the mart's metric_name or the id.
SHORT_NAMES: dict[str, str] = {
    "overall_experience": "Good overall experience",
    "phone_access": "Easy to get through by phone",
    "making_appointment": "Good experience of making an appointment",
    "needs_met": "Needs were met",
    "contact_experience": "Good experience of contacting the practice",
    "appointment_accepted": "Accepted an appointment offered",
    "reception_helpful": "Reception team helpful",
    "confidence_trust": "Confidence and trust in professional",
    "involved_in_decisions": "Involved in decisions",
    "website_ease": "Practice website easy to use",
    "comments_negative_survey_comment": "Survey comments negative",
    "comments_negative_complaint": "Complaints negative",
    "comments_negative_review": "Reviews negative",
    "comments_negative_story": "Stories negative",
    "comments_negative_report_finding": "Report findings negative",
}

# Dimensions in the order an analyst reads them; labels for headings.
DIMENSIONS: dict[str, str] = {
    "age_band": "Age band",
    "sex": "Sex",
    "sex_by_age_band": "Sex and age band",
    "learning_disability": "Learning disability",
    "deprivation_quintile": "Deprivation quintile of practice (1 = most deprived)",
    "deprivation_quintile_in_icb": "Deprivation quintile of practice within the ICB (1 = most deprived)",
    "ethnicity_band": "Ethnic group (broad)",
    "ethnicity": "Ethnic group (detailed)",
    "disability": "Disability",
}

# Deprivation quintile dimensions by the gradient's quintile basis (marts.deprivation_gradient.quintile_basis).
QUINTILE_DIMENSIONS: dict[str, str] = {
    "deprivation_quintile": "national",
    "deprivation_quintile_in_icb": "within_icb",
}

# Groups that are not comparable populations (the marts never flag them either).
NON_GROUPS: tuple[str, ...] = ("Not stated", "Prefer not to say", "Unknown", "Unmapped")

CHANNEL_NAMES: dict[str, str] = {
    "gpps_respondents": "GP Patient Survey respondents",
    "gpps_published": "GP Patient Survey respondents (published practice composition, weighted)",
    "survey_comment": "Survey free-text comments",
    "complaint": "Complaints",
    "review": "Reviews",
    "story": "Patient stories",
    "report_finding": "Healthwatch report findings",
}


# The one significance level the report uses to call a group better or worse than its ICB overall: the
# marts' ``diff_from_overall_significant`` (z-test on n_eff at 95%, the level of the intervals drawn).
GROUP_SIGNIFICANCE = "95%"


def compare_to_overall(row: pd.Series) -> str:
    """How a group compares with its geography overall, as the report tags and colours it.

    'worse' / 'better': significantly different at ``GROUP_SIGNIFICANCE``, in the direction the metric's
    polarity gives (``higher_is_better``); 'different': significant, but the metric has no better direction
    (NULL polarity); 'not_significant'; '' when there is nothing to compare (suppressed, overall itself,
    or a group that is not a comparable population).
    """
    value, gap = row.get("value"), row.get("diff_from_overall")
    if row.get("group_value") in NON_GROUPS or row.get("dimension") == "overall" or is_missing(value):
        return ""
    significant = row.get("diff_from_overall_significant")
    if is_missing(significant) or not bool(significant) or is_missing(gap):
        return "not_significant"
    polarity = row.get("higher_is_better")
    if is_missing(polarity):
        return "different"
    return "better" if (float(gap) > 0) == bool(polarity) else "worse"


def is_missing(value: object) -> bool:
    """NULL, NaN or NA: a value the marts withheld or never had."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


SOURCE_NAMES: dict[str, str] = {
    "gpps_published": "GP Patient Survey published results",
    "gpps_respondents": "GP Patient Survey respondent-level extract",
    "gpps_practices": "GP Patient Survey practice results, pooled by practice deprivation",
    "fft": "Friends and Family Test",
    "complaints": "complaints returns and register",
    "comments": "coded comments",
}
# Which variation the key finding describes: the first of these sources an ICB has, else the largest.
VARIATION_SOURCE_PREFERENCE: tuple[str, ...] = ("gpps_published", "gpps_respondents")


@dataclass
class VariationFinding:
    """Units beyond the 99.8% funnel limits in one source, period and unit level of one ICB."""

    source: str
    period: str
    period_text: str
    unit_level: str
    units: int  # units compared
    outside_998: int  # distinct units outside the 99.8% limits on at least one measure
    measures: int
    top_metric: str | None  # the measure with the most units outside (None when there are none)
    top_metric_outside: int


def variation_finding(variation: pd.DataFrame) -> VariationFinding | None:
    """The variation the key findings report: the preferred source's latest period (by ``period_end``),
    practices where there are practices. Counts are exactly what ``marts.variation`` holds for that
    ICB, source, period and level."""
    if variation.empty:
        return None
    sources = list(variation.source.unique())
    preferred = [x for x in VARIATION_SOURCE_PREFERENCE if x in sources]
    source = preferred[0] if preferred else variation.source.value_counts().index[0]
    block = variation[variation.source == source]
    latest = block.loc[block.period_end.idxmax()]
    block = block[block.period == latest.period]
    level = "practice" if (block.unit_level == "practice").any() else str(block.unit_level.iloc[0])
    block = block[block.unit_level == level]
    outside = block[block.vs_icb.fillna("").str.contains("0.001", regex=False)]
    per_metric = (
        outside.groupby("metric_id").unit_code.nunique().sort_values(ascending=False, kind="mergesort")
    )
    return VariationFinding(
        source=str(source),
        period=str(latest.period),
        period_text=describe(str(latest.period), str(latest.period_kind)),
        unit_level=level,
        units=int(block.unit_code.nunique()),
        outside_998=int(outside.unit_code.nunique()),
        measures=int(block.metric_id.nunique()),
        top_metric=str(per_metric.index[0]) if len(per_metric) else None,
        top_metric_outside=int(per_metric.iloc[0]) if len(per_metric) else 0,
    )


def group_label(dimension: str, group: str) -> str:
    """A group as a sentence names it: deprivation quintiles say which end they are."""
    if dimension in QUINTILE_DIMENSIONS:
        ends = {"1": " (most deprived)", "5": " (least deprived)"}
        return f"Deprivation quintile {group}{ends.get(str(group), '')}"
    return str(group)


def metric_label(metric_id: str, metric_name: str | None = None) -> str:
    """A short human name for a metric."""
    if metric_id in SHORT_NAMES:
        return SHORT_NAMES[metric_id]
    if metric_name and metric_name != metric_id:
        return metric_name
    return metric_id.replace("_", " ").capitalize()


@dataclass
class IcbData:
    """One ICB's slice of every mart the report draws."""

    icb_code: str
    icb_name: str
    groups: pd.DataFrame  # metric_by_group: headline measures by group at ICB level, latest period
    group_period: str | None
    group_source: str | None
    group_period_text: (
        str | None
    )  # the period in words, e.g. 'GP Patient Survey 2023 (fieldwork January–April 2023)'

    headline: list[str]
    quintiles: pd.DataFrame  # metric_by_group: deprivation quintile values matching the gradients
    gradient: pd.DataFrame  # deprivation_gradient rows for the ICB
    variation: pd.DataFrame  # variation rows for the ICB with n_eff joined
    representation: pd.DataFrame  # representation rows at ICB level, latest period per channel
    triangulation: pd.DataFrame  # triangulation rows at ICB level, ranked
    unit_names: dict[str, str] = field(default_factory=dict)  # practice / sub-ICB code -> name
    published_at: str = ""
    changes: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # ICB rows changed since their previous period
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)  # ICB overall headline values over the years
    spc: pd.DataFrame = field(default_factory=pd.DataFrame)  # control-chart points of the ICB's organisations
    # marts.national_variation (every ICB's units against England, per measure and period), the same for
    # every ICB, and the inputs the store shows were loaded (pipelines/report/inputs.py).
    national_variation: pd.DataFrame = field(default_factory=pd.DataFrame)
    loaded: frozenset[str] = frozenset()
    metric_names: dict[str, str] = field(default_factory=dict)  # metric_id -> the marts' metric_name


@dataclass(frozen=True)
class StoreFacts:
    """What every ICB's page reads the same from the published store, read once per report run: national
    variation, the inputs loaded and the metrics' names."""

    national_variation: pd.DataFrame
    loaded: frozenset[str]
    metric_names: dict[str, str]


def load_store_facts(published_db: Path) -> StoreFacts:
    """Read the store-wide facts (one query each, however many ICBs the report has)."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        tables = _tables(con)
        national = _df(
            con,
            tables,
            "marts.national_variation",
            """SELECT * FROM marts.national_variation WHERE boundaries = 'as_of_period'
               ORDER BY metric_id, source, unit_level, period_end""",
            [],
        )
        names: dict[str, str] = {}
        if "marts.metric_by_group" in tables:
            rows = con.execute(
                "SELECT metric_id, any_value(metric_name) FROM marts.metric_by_group "
                "WHERE metric_name IS NOT NULL GROUP BY 1"
            ).fetchall()
            names = {m: n for m, n in rows if n}
        return StoreFacts(national, loaded_inputs(con, tables), names)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    }


def _df(
    con: duckdb.DuckDBPyConnection, tables: set[str], needs: str, sql: str, params: list | dict
) -> pd.DataFrame:
    if needs not in tables:
        return pd.DataFrame()
    return con.execute(sql, params).df()


def list_icbs(published_db: Path) -> list[str]:
    """Every ICB code present in the published marts."""
    with duckdb.connect(str(published_db), read_only=True) as con:
        tables = _tables(con)
        parts = []
        if "marts.metric_by_group" in tables:
            parts.append("SELECT geography_code FROM marts.metric_by_group WHERE geography_level = 'icb'")
        if "marts.variation" in tables:
            parts.append("SELECT icb_code FROM marts.variation")
        for name in ("representation", "triangulation"):
            if f"marts.{name}" in tables:
                parts.append(f"SELECT geography_code FROM marts.{name} WHERE geography_level = 'icb'")
        if not parts:
            return []
        rows = con.execute(f"SELECT DISTINCT * FROM ({' UNION '.join(parts)}) ORDER BY 1").fetchall()
    return [r[0] for r in rows if r[0]]


def _icb_name(con: duckdb.DuckDBPyConnection, tables: set[str], icb: str) -> str:
    for table, sql in (
        ("ref.ccg_icb_crosswalk", "SELECT max(icb_name) FROM ref.ccg_icb_crosswalk WHERE icb_code = ?"),
        ("ref.practice_geography", "SELECT max(icb_name) FROM ref.practice_geography WHERE icb_code = ?"),
    ):
        if table in tables:
            name = con.execute(sql, [icb]).fetchone()[0]
            if name:
                return str(name)
    return icb


def _unit_names(con: duckdb.DuckDBPyConnection, tables: set[str], icb: str) -> dict[str, str]:
    names: dict[str, str] = {}
    if "ref.practice_geography" in tables:
        for sql in (
            "SELECT practice_code, arg_max(practice_name, extract_date) FROM ref.practice_geography "
            "WHERE icb_code = ? GROUP BY 1",
            "SELECT sub_icb_code, arg_max(sub_icb_name, extract_date) FROM ref.practice_geography "
            "WHERE icb_code = ? GROUP BY 1",
        ):
            names.update({c: n for c, n in con.execute(sql, [icb]).fetchall() if c and n})
    if "ref.nhs_trusts" in tables:  # the trusts the control charts name
        rows = con.execute(
            "SELECT trust_code, any_value(trust_name) FROM ref.nhs_trusts WHERE icb_code = ? GROUP BY 1",
            [icb],
        )
        names.update({c: n for c, n in rows.fetchall() if c and n})
    return names


def load_icb(published_db: Path, icb: str, facts: StoreFacts | None = None) -> IcbData:
    """Read everything the report shows for ``icb`` from the published file (read-only). ``facts``: the
    store-wide facts when the caller read them once for every ICB (read here otherwise)."""
    facts = facts or load_store_facts(published_db)
    with duckdb.connect(str(published_db), read_only=True) as con:
        tables = _tables(con)
        mbg = "marts.metric_by_group"
        # The survey source with demographic breakdowns, latest period (by date, never by label).
        latest = _df(
            con,
            tables,
            mbg,
            """SELECT source, arg_max(period, period_end) AS period, arg_max(period_kind, period_end) AS kind
               FROM marts.metric_by_group
               WHERE geography_level = 'icb' AND geography_code = ? AND dimension <> 'overall'
                 AND source LIKE 'gpps%' GROUP BY 1 ORDER BY (source = 'gpps_respondents') DESC LIMIT 1""",
            [icb],
        )
        group_source = group_period = group_period_text = None
        groups = pd.DataFrame()
        headline: list[str] = []
        if not latest.empty:
            group_source, group_period = str(latest.source[0]), str(latest.period[0])
            group_period_text = describe(group_period, str(latest.kind[0]))
            groups = con.execute(
                """SELECT * FROM marts.metric_by_group
                   WHERE geography_level = 'icb' AND geography_code = ? AND source = ? AND period = ?
                     AND boundaries = 'as_of_period'
                   ORDER BY metric_id, dimension, group_value""",
                [icb, group_source, group_period],
            ).df()
            present = set(groups.metric_id)
            headline = [m for m in HEADLINE_MEASURES if m in present][:HEADLINE_COUNT]
            if not headline:
                headline = sorted(present)[:HEADLINE_COUNT]
        gradient = _df(
            con,
            tables,
            "marts.deprivation_gradient",
            """SELECT * FROM marts.deprivation_gradient WHERE geography_level = 'icb' AND geography_code = ?
                 AND boundaries = 'as_of_period'
               ORDER BY direction = 'no_clear_gradient', abs(sii) DESC""",
            [icb],
        )
        quintiles = _df(
            con,
            tables,
            mbg,
            sql_file(HERE / "icb_quintiles.sql"),
            {"icb": icb},
        )
        neff_join = (
            """LEFT JOIN (SELECT geography_level, geography_code, period, metric_id, source, n_eff, higher_is_better
                          FROM marts.metric_by_group WHERE dimension = 'overall' AND boundaries = 'as_of_period') m
                 ON m.geography_level = v.unit_level AND m.geography_code = v.unit_code AND m.period = v.period
                AND m.metric_id = v.metric_id AND m.source = v.source"""
            if mbg in tables
            else "LEFT JOIN (SELECT NULL::DOUBLE AS n_eff, NULL::BOOLEAN AS higher_is_better) m ON TRUE"
        )
        variation = _df(
            con,
            tables,
            "marts.variation",
            f"""SELECT v.*, m.n_eff, m.higher_is_better
                FROM marts.variation v {neff_join}
                WHERE v.icb_code = ? AND v.boundaries = 'as_of_period' ORDER BY v.period_end, v.metric_id, v.unit_level, v.unit_code""",
            [icb],
        )
        representation = _df(
            con,
            tables,
            "marts.representation",
            sql_file(HERE / "icb_representation.sql"),
            {"icb": icb},
        )
        triangulation = _df(
            con,
            tables,
            "marts.triangulation",
            """SELECT * FROM marts.triangulation
               WHERE geography_level = 'icb' AND geography_code = ? ORDER BY convergent_rank""",
            [icb],
        )
        changes, trends, spc = _over_time(con, tables, icb)
        return IcbData(
            icb_code=icb,
            icb_name=_icb_name(con, tables, icb),
            groups=groups,
            group_period=group_period,
            group_source=group_source,
            group_period_text=group_period_text,
            headline=headline,
            quintiles=quintiles,
            gradient=gradient,
            variation=variation,
            representation=representation,
            triangulation=triangulation,
            unit_names=_unit_names(con, tables, icb),
            changes=changes,
            trends=trends,
            spc=spc,
            national_variation=facts.national_variation,
            loaded=facts.loaded,
            metric_names=facts.metric_names,
        )


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, name]
    ).fetchall()
    return {r[0] for r in rows}


def _over_time(
    con: duckdb.DuckDBPyConnection, tables: set[str], icb: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What changed for ``icb``: its rows significantly different from their previous comparable period (in
    each source's latest period), its overall headline GPPS values over the survey years (with their series),
    and the control-chart points of its organisations. Empty frames from a store without them."""
    mbg = "marts.metric_by_group"
    changes = trends = spc = pd.DataFrame()
    if mbg in tables and "change_from_previous_significant_95" in _columns(con, mbg):
        changes = con.execute(sql_file(HERE / "icb_changes.sql"), {"icb": icb}).df()
        trends = con.execute(
            """SELECT * FROM marts.metric_by_group
               WHERE geography_level = 'icb' AND geography_code = ? AND dimension = 'overall' AND NOT suppressed
                 AND source = 'gpps_published' AND metric_id IN (SELECT unnest(?::VARCHAR[]))
               ORDER BY metric_id, period_start""",
            [icb, list(HEADLINE_MEASURES[:HEADLINE_COUNT])],
        ).df()
        if "series" not in trends:  # a store from before series were typed: one series
            trends["series"] = None
    if "marts.spc" in tables:
        spc = con.execute(
            "SELECT * FROM marts.spc WHERE icb_code = ? ORDER BY metric_id, geography_code, period_start",
            [icb],
        ).df()
    return changes, trends, spc
