"""Build the marts from the staged and reference tables. Plain functions: each takes a connection, writes
one ``marts`` table (its columns and their descriptions are its contract, ``schemas/tables/marts``) and
returns its row count."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.fingerprint import is_current, record_build
from pipelines.core.periods import (
    GPPS_FIELDWORK_END_MONTH,
    GPPS_FIELDWORK_START_MONTH,
    TYPED_PERIOD_COLUMNS,
    add_period_columns,
)
from pipelines.core.sql import quote_identifier, sql_file
from pipelines.core.store import row_count, table_exists
from pipelines.marts.change_over_time import (
    GRADIENT_CHANGE_COLUMNS,
    with_change_over_time,
    with_gradient_change,
)
from pipelines.marts.estimates import (
    FAMILIES,
    MART_ROWS,
    Family,
    family_fingerprint,
    metric_estimates,
    reference_and_marts_code,
)
from pipelines.marts.labels import england_icbs
from pipelines.marts.metric_by_group import finalise_estimates
from pipelines.methods.disclosure import (
    MIN_SURVEY_BASE,
    REASON_PUBLISHED,
    REASON_SECONDARY,
    ROUND_TO,
    percentage_from_rounded,
    protect_additive_block,
    suppress_and_round_counts,
)
from pipelines.methods.funnels import funnel_judgement
from pipelines.methods.inequality import slope_index_of_inequality_many
from pipelines.methods.intervals import wilson_interval
from pipelines.methods.proportion_funnels import funnel_significance_against
from pipelines.publish.published_store import NOT_PUBLISHED
from pipelines.sources.reference.readers import ensure_reference_tables
from pipelines.sources.shared.geography import BOUNDARIES, ensure_geography_views
from pipelines.validation.runner import table_columns
from schemas.contracts import contract

HERE = Path(__file__).parent


def _sql(name: str) -> str:
    return sql_file(HERE / name)


def write_mart(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> int:
    """Replace ``marts.<name>`` with ``frame`` (its descriptions come from the contract when published).

    A frame with a ``period`` label gets its typed period (``period_start``, ``period_end``,
    ``period_kind``; pipelines/core/periods.py) here, so every mart types its periods the same way.
    A column with no value to type it by (an empty mart: a store without the sources it reads) takes
    its contract's type, so an empty mart has the same columns and types as a full one and every query
    on it still binds.
    """
    frame = _with_typed_periods(frame)
    con.register("_mart_frame", frame)
    try:
        select = _typed_select(con, name)
        con.execute(f"CREATE OR REPLACE TABLE marts.{name} AS SELECT {select} FROM _mart_frame")
    finally:
        con.unregister("_mart_frame")
    return len(frame)


def replace_mart_rows(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, column: str, values: list[str]
) -> int:
    """Replace the rows of ``marts.<name>`` whose ``column`` is one of ``values`` with ``frame`` (typed as
    ``write_mart`` types it, then as the table's own columns), leaving every other row as it is. The caller
    holds the transaction that makes the delete and the insert one change."""
    frame = _with_typed_periods(frame)
    con.register("_mart_frame", frame)
    try:
        select = _typed_select(con, name)
        con.execute(
            f"DELETE FROM marts.{name} WHERE {quote_identifier(column)} IN (SELECT unnest(?::VARCHAR[]))",
            [values],
        )
        con.execute(f"INSERT INTO marts.{name} BY NAME SELECT {select} FROM _mart_frame")
    finally:
        con.unregister("_mart_frame")
    return len(frame)


def _with_typed_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its typed period columns, when it has a ``period`` label and not yet its types."""
    if "period" in frame.columns and "period_start" not in frame.columns:
        return add_period_columns(frame, "source" if "source" in frame.columns else "channel")
    return frame


def _typed_select(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The select list over the registered ``_mart_frame`` that types its dates as dates and its untyped
    (all-NULL) columns as the contract of ``marts.<name>`` declares them."""
    declared = contract(f"marts.{name}").suite_columns()
    described = con.execute("DESCRIBE SELECT * FROM _mart_frame").fetchall()
    casts = {c: "DATE" for c in ("period_start", "period_end") if c in {d[0] for d in described}}
    untyped = [column for column, kind, *_ in described if kind == '"NULL"' and column not in casts]
    casts |= {column: declared.get(column, "VARCHAR") for column in untyped}
    replaced = ", ".join(
        f"CAST({quote_identifier(c)} AS {kind}) AS {quote_identifier(c)}" for c, kind in casts.items()
    )
    return f"* REPLACE ({replaced})" if casts else "*"


def mart_columns(name: str) -> list[str]:
    """The mart's columns in its contract's order, less the typed period columns ``write_mart`` adds."""
    return [c for c in contract(f"marts.{name}").column_names if c not in TYPED_PERIOD_COLUMNS]


def group_nesting(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, dict[str, str]]]:
    """Dimensions whose groups nest in another's (ethnicity within ethnicity_band), from the published
    vocabulary: secondary suppression protects a group against its parent as well as against the total."""
    if not table_exists(con, "ref.people_vocabulary"):
        return {}
    pairs = con.execute(
        """SELECT DISTINCT value, band FROM ref.people_vocabulary
           WHERE dimension = 'ethnicity' AND value IS NOT NULL AND band IS NOT NULL"""
    ).fetchall()
    parent = dict(pairs)
    return {"ethnicity": ("ethnicity_band", parent)} if len(parent) == len(pairs) else {}


def metric_by_group_rows(
    con: duckdb.DuckDBPyConnection, families: tuple[Family, ...] = FAMILIES
) -> pd.DataFrame:
    """The published rows of ``families`` (``finalise_estimates``) with each row's change from its previous
    and earliest comparable period and its recent trend (``change_over_time``), from the published figures
    too. No row depends on another family's rows (``pipelines.marts.estimates``)."""
    return with_change_over_time(finalise_estimates(metric_estimates(con, families), group_nesting(con)))


def build_metric_by_group(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.metric_by_group`` from scratch: every family's rows (``metric_by_group_rows``)."""
    return write_mart(con, "metric_by_group", metric_by_group_rows(con))


@dataclass(frozen=True)
class FamilyRefresh:
    """What ``refresh_metric_by_group`` did: the table's rows, and which families it rebuilt and kept."""

    rows: int
    rebuilt: tuple[str, ...]
    kept: tuple[str, ...]
    whole: bool  # the table was written whole rather than its rebuilt families' rows replaced
    reason: str


def kept_whole(con: duckdb.DuckDBPyConnection) -> FamilyRefresh:
    """What a build that found nothing changed did: kept every family."""
    return FamilyRefresh(
        rows=row_count(con, "marts.metric_by_group"),
        rebuilt=(),
        kept=tuple(family.name for family in FAMILIES),
        whole=False,
        reason="no loaded file and no code changed since the last build",
    )


def family_build(family: Family) -> str:
    """The name a family's last build is recorded under in ``meta.build_fingerprints``."""
    return f"marts.metric_by_group:{family.name}"


def refresh_metric_by_group(con: duckdb.DuckDBPyConnection, whole: bool = False) -> FamilyRefresh:
    """Bring ``marts.metric_by_group`` up to date by rebuilding only the families (``FAMILIES``) whose inputs
    (``family_fingerprint``: their sources' files, their own code and the shared code) changed since their
    rows were last built, replacing just those families' rows in one transaction.

    The table is written whole when ``whole`` is asked (`chorus run --all`), when it is missing or its
    columns are not the contract's, or when every family changed (as after a change to the shared code).
    Each family's fingerprint is recorded in the same transaction as its rows, so a crash leaves the old rows
    and the old fingerprint, and the next run rebuilds the family.
    """
    fingerprints = {family.name: family_fingerprint(con, family) for family in FAMILIES}
    changed = tuple(f for f in FAMILIES if not is_current(con, family_build(f), fingerprints[f.name]))
    if whole:
        reason = "asked for a full rebuild"
    elif not table_exists(con, "marts.metric_by_group"):
        reason, whole = "the table did not exist", True
    elif list(table_columns(con, "marts.metric_by_group")) != contract("marts.metric_by_group").column_names:
        reason, whole = "its columns were not the contract's", True
    elif len(changed) == len(FAMILIES):
        reason, whole = "every family's inputs or the shared code changed", True
    else:
        reason = "the inputs of these families changed" if changed else "no family's inputs changed"
    rebuilt = FAMILIES if whole else changed
    if rebuilt:
        frame = metric_by_group_rows(con, rebuilt)
        con.execute("BEGIN TRANSACTION")
        try:
            if whole:
                write_mart(con, "metric_by_group", frame)
            else:
                sources = [source for family in rebuilt for source in family.row_sources]
                replace_mart_rows(con, "metric_by_group", frame, "source", sources)
            for family in rebuilt:
                record_build(con, family_build(family), fingerprints[family.name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    names = {family.name for family in rebuilt}
    return FamilyRefresh(
        rows=row_count(con, "marts.metric_by_group"),
        rebuilt=tuple(f.name for f in FAMILIES if f.name in names),
        kept=tuple(f.name for f in FAMILIES if f.name not in names),
        whole=whole,
        reason=reason,
    )


# The quintile dimensions a gradient is drawn across, and what their quintiles are quintiles of.
QUINTILE_BASIS = {"deprivation_quintile": "national", "deprivation_quintile_in_icb": "within_icb"}
QUINTILES = ("1", "2", "3", "4", "5")
GRADIENT_BLOCK = [
    "geography_level",
    "geography_code",
    "boundaries",
    "period",
    "metric_id",
    "source",
    "dimension",
]


def gradient_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Published quintile rows of ``marts.metric_by_group`` whose five quintiles are all there (PHE needs every
    quantile), most deprived first within each block of ``GRADIENT_BLOCK``."""
    rows = con.execute(
        sql_file(
            HERE / "gradient_rows.sql", block=", ".join(GRADIENT_BLOCK), quintile_count=str(len(QUINTILES))
        ),
        {"dimensions": list(QUINTILE_BASIS), "quintiles": list(QUINTILES)},
    ).df()
    return rows


def build_deprivation_gradient(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.deprivation_gradient``: SII / RII across deprivation quintiles (PHE phe_sii, proportions on the
    logit scale and rates on the log scale, so every modelled value and the RII interval are positive), for
    every published block of five quintiles at once (``slope_index_of_inequality_many``), and whether each gap
    is widening since the previous comparable period (``change_over_time``). Each quintile is weighted by its
    share of the population: its ``denominator`` (registered patients for practice-pooled quintiles, weighted
    respondents for a respondent extract)."""
    rows = gradient_rows(con)
    k = len(QUINTILES)
    blocks = rows.iloc[::k].reset_index(drop=True)
    rate = blocks["metric_id"].str.endswith("_per_10k").to_numpy()
    columns = {
        c: rows[c].to_numpy(dtype=float, copy=True).reshape(-1, k)
        for c in ("value", "lower_95", "upper_95", "denominator")
    }
    sii, lower, upper, lower_998, upper_998, rii, rii_lower, rii_upper = (
        np.full(len(blocks), np.nan) for _ in range(8)
    )
    # Wilson limits computed in floating point can stray a hair outside 0–1 (a value of 0% or 100%).
    for c in ("lower_95", "upper_95"):
        columns[c][~rate] = columns[c][~rate].clip(0.0, 1.0)
    for is_rate, value_type, transform in ((False, "proportion", "logit"), (True, "rate", "log")):
        pick = rate == is_rate
        if not pick.any():
            continue
        result = slope_index_of_inequality_many(
            columns["value"][pick], None, columns["denominator"][pick], lower_cl=columns["lower_95"][pick],
            upper_cl=columns["upper_95"][pick], value_type=value_type, transform=transform,
            confidence=(0.95, 0.998), repetitions=10_000,
        )  # fmt: skip
        sii[pick], rii[pick] = result.sii, result.rii
        lower[pick], upper[pick] = result.sii_lower[:, 0], result.sii_upper[:, 0]
        lower_998[pick], upper_998[pick] = result.sii_lower[:, 1], result.sii_upper[:, 1]
        rii_lower[pick], rii_upper[pick] = result.rii_lower[:, 0], result.rii_upper[:, 0]
    # SII > 0: values rise towards the least deprived end; worse there only when lower is better.
    higher_better = blocks["higher_is_better"].astype(bool).to_numpy()
    worse_deprived = (sii > 0) == higher_better
    # Decided at 99.8%, as worse_than_overall: thousands of gradients at 95% would call one flat one in 20.
    direction = np.where(
        (lower_998 > 0) | (upper_998 < 0),
        np.where(worse_deprived, "worse_in_more_deprived", "better_in_more_deprived"),
        "no_clear_gradient",
    )
    frame = blocks[["geography_level", "geography_code", "boundaries", "period", "metric_id", "source", "series"]].assign(
        quintile_basis=blocks["dimension"].map(QUINTILE_BASIS), groups=k, sii=sii, sii_lower_95=lower,
        sii_upper_95=upper, sii_lower_998=lower_998, sii_upper_998=upper_998, rii=rii, rii_lower_95=rii_lower,
        rii_upper_95=rii_upper, direction=direction,
    )[~np.isnan(sii)]  # fmt: skip
    frame = frame[[c for c in mart_columns("deprivation_gradient") if c not in GRADIENT_CHANGE_COLUMNS]]
    # Typed periods first: the change since the previous comparable period is found by date.
    frame = with_gradient_change(add_period_columns(frame.reset_index(drop=True)))
    return write_mart(con, "deprivation_gradient", frame[contract("marts.deprivation_gradient").column_names])


def _pooled(frame: pd.DataFrame, x: pd.Series, keys: list[str]) -> pd.Series:
    """Per row, the funnel's overall average Σx/Σn over the rows sharing ``keys`` (PHE's pooled baseline)."""
    grouped = frame.assign(_x=x).groupby(keys, sort=False)
    return grouped["_x"].transform("sum") / grouped["n_eff"].transform("sum")


def build_variation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.variation``: every practice and sub-ICB location against its ICB and against England, on PHE
    proportion funnels (effective sample sizes), judged with the measure's polarity at 99.8%, with each ICB's
    range and best-to-worst ratio. Set-based: one funnel per row from its own baseline, no loop per unit.

    The ICB value is the published one (the GPPS ICS file) or else the funnel average of the ICB's units; the
    England value is the published one (the national file) or else the funnel average of every unit of that
    level loaded, saying whether those cover England (``england_value_basis``). Once on each boundaries
    (``boundaries``): the areas of the time, and today's (sources/shared/geography.py).

    Every funnel, ICB value and range is of one ``source``, so only the sources whose ``metric_by_group`` rows
    changed (``source_fingerprints``) are built again: a complaints return leaves every GPPS funnel as it is.
    """
    fingerprints = source_fingerprints(con, "variation")
    whole = not table_exists(con, "marts.variation") or (
        list(table_columns(con, "marts.variation")) != contract("marts.variation").column_names
    )
    changed = sorted(
        s for s, f in fingerprints.items() if whole or not is_current(con, f"marts.variation:{s}", f)
    )
    gone = [] if whole else [
        s for (s,) in con.execute("SELECT DISTINCT source FROM marts.variation").fetchall() if s not in fingerprints
    ]  # fmt: skip
    frames = []
    for boundaries in BOUNDARIES:
        ensure_geography_views(con, boundaries)
        frames.append(_variation_on(con, boundaries, changed))
    ensure_geography_views(con)  # the connection's _practice_geo back on the boundaries of the time
    frame = pd.concat(frames, ignore_index=True)
    con.execute("BEGIN TRANSACTION")
    try:
        if whole:
            write_mart(con, "variation", frame)
        elif changed or gone:
            replace_mart_rows(con, "variation", frame, "source", [*changed, *gone])
        for source in changed:
            record_build(con, f"marts.variation:{source}", fingerprints[source])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return row_count(con, "marts.variation")


def source_fingerprints(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """Per ``source``, the fingerprint of the ``marts.metric_by_group`` rows ``marts.<name>`` reads
    (``MART_ROWS``) with the reference files and the marts' code."""
    rows = con.execute(
        f"""SELECT source, count(*), sum(hash(m)::HUGEINT) FROM marts.metric_by_group m
            WHERE {MART_ROWS[name]} GROUP BY source"""
    ).fetchall()
    files = reference_and_marts_code(con)
    return {source: f"{files}|{n}|{content}" for source, n, content in rows}


def _variation_on(con: duckdb.DuckDBPyConnection, boundaries: str, sources: list[str]) -> pd.DataFrame:
    """The rows of ``marts.variation`` of ``sources`` on ``boundaries`` (``_practice_geo`` made on them)."""
    u = con.execute(_sql("variation_units.sql"), {"boundaries": boundaries, "sources": sources}).df()
    in_icb = ["icb_code", "period", "metric_id", "source", "unit_level"]
    in_england = ["period", "metric_id", "source", "unit_level"]
    x = u["value"].clip(0, 1) * u["n_eff"]
    units = u.groupby(in_icb, sort=False)["unit_code"].transform("size")
    icb_value = u["published_icb_value"].fillna(_pooled(u, x, in_icb))
    england_value = u["published_england_value"].fillna(_pooled(u, x, in_england))
    england = england_icbs()
    covered = u.groupby(in_england, sort=False)["icb_code"].transform(lambda icbs: england <= set(icbs))
    basis = np.where(
        u["published_england_value"].notna(),
        "published",
        np.where(covered.astype(bool), "pooled_england", "pooled_loaded_areas"),
    )
    vs_icb = funnel_significance_against(x, u["n_eff"], icb_value)
    # A lone unit against an ICB value pooled from itself says nothing.
    vs_icb[(units == 1).to_numpy() & u["published_icb_value"].isna().to_numpy()] = None
    vs_england = funnel_significance_against(x, u["n_eff"], england_value)
    spread = u.groupby(in_icb, sort=False)["value"]
    highest, lowest = spread.transform("max"), spread.transform("min")
    frame = u.assign(
        icb_value=icb_value, england_value=england_value, england_value_basis=basis, vs_icb=vs_icb,
        vs_icb_judgement=funnel_judgement(vs_icb, u["higher_is_better"]), vs_england=vs_england,
        vs_england_judgement=funnel_judgement(vs_england, u["higher_is_better"]), units=units,
        range=np.where(units > 1, highest - lowest, np.nan),
        best_to_worst_ratio=np.where((units > 1) & (lowest > 0), highest / lowest.where(lowest > 0), np.nan),
    )  # fmt: skip
    return frame[mart_columns("variation")]


def build_national_variation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.national_variation``: per measure, year, source and unit level, how every practice or sub-ICB
    location in England (or every one loaded) varies: range, best-to-worst ratio and how many are better or
    worse than England beyond the 99.8% funnel limits (``national_variation.sql``, from ``marts.variation``)."""
    return write_mart(con, "national_variation", con.execute(_sql("national_variation.sql")).df())


def _disclose_voices(merged: pd.DataFrame, block: list[str]) -> None:
    """Voices are counts of people: the 1–7 rule on the true counts, rounded counts published, and a
    second group hidden wherever the total and the other groups would give a hidden group back."""
    voices_pub, reason = suppress_and_round_counts(merged["voices"].to_numpy(dtype=float))
    total_pub, total_reason = suppress_and_round_counts(merged["voices_total"].to_numpy(dtype=float))
    for _, rows in merged.groupby(block, sort=False).groups.items():
        index = np.asarray(rows)
        extra, hide_total = protect_additive_block(
            (float(total_pub[index[0]]), str(total_reason[index[0]])),
            [(float(voices_pub[i]), str(reason[i])) for i in index],
            [str(g) for g in merged.loc[index, "group_value"]],
        )
        reason[index[extra]] = REASON_SECONDARY
        if hide_total:
            total_reason[index] = REASON_SECONDARY
    hidden = reason != REASON_PUBLISHED
    merged["voices"] = np.where(hidden, np.nan, voices_pub)
    merged["voices_total"] = np.where(total_reason != REASON_PUBLISHED, np.nan, total_pub)
    merged["suppressed"] = hidden
    merged["suppression_reason"] = reason


# The groups representation compares, per dimension (any other answer, e.g. Prefer not to say, is left out).
ADULT_AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
REPRESENTATION_GROUPS: dict[str, tuple[str, ...]] = {
    "age_band": ADULT_AGE_BANDS,
    "sex": ("Male", "Female"),
    # The intersection the sample plants (young men) and every other cell of it.
    "sex_by_age_band": tuple(f"{sex} {band}" for sex in ("Male", "Female") for band in ADULT_AGE_BANDS),
    "ethnicity_band": ("White", "Mixed", "Asian", "Black", "Other"),
}
# Which published file(s) give each dimension's population: named in the row when they are not loaded.
POPULATION_FILES = {
    "age_band": (
        "NHS Digital registered patients by single year of age (gp-reg-pat-prac-sing-age-male/-female.csv) "
        "or by quinary age group (gp-reg-pat-prac-quin-age.csv)"
    ),
    "ethnicity_band": (
        "Census 2021 TS021 ethnic group by LSOA (census2021-ts021-lsoa.csv) with NHS Digital patients "
        "registered at a GP practice by LSOA (gp-reg-pat-prac-lsoa-all.csv)"
    ),
}
POPULATION_FILES["sex"] = POPULATION_FILES["sex_by_age_band"] = POPULATION_FILES["age_band"]
# A dimension no channel's voices can be compared on yet, kept in the mart with the file that would fill it.
LEARNING_DISABILITY = (
    "learning_disability",
    "Learning disability",
    "no population file by learning disability is loaded in Chorus: NHS Digital's Quality and Outcomes "
    "Framework learning disability register (indicator LD004, patients on the register per practice) would "
    "fill it; no channel records learning disability yet either (GPPS 2024+ stem healthconditionre would)",
)


def _has_rows(con: duckdb.DuckDBPyConnection, table: str, where: str = "TRUE") -> bool:
    """Whether ``table`` exists and has a row where ``where`` holds."""
    return table_exists(con, table) and bool(
        con.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {where})").fetchall()[0][0]
    )


def _population_gaps(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per dimension, why a row may have no population share: the files not loaded, or else (the files
    are loaded) that no patient is placed in the area (voices of a former CCG, placed as they were then)."""
    loaded = {
        "age_band": _has_rows(con, "ref.registered_population", "age <> 'ALL'")
        or _has_rows(con, "ref.registered_population_quinary", "org_type = 'GP' AND age_group <> 'ALL'"),
        "ethnicity_band": _has_rows(con, "ref.lsoa_ethnic_group", "category_level = 'broad'")
        and _has_rows(con, "ref.practice_lsoa_registrations"),
    }
    loaded["sex"] = loaded["sex_by_age_band"] = loaded["age_band"]
    return {
        dimension: (
            f"the loaded population files ({files}) place no patient in this area: populations are placed by "
            "the current practice geography, where a former CCG / sub-ICB location has no practice"
            if loaded[dimension]
            else f"no population file loaded: {files}"
        )
        for dimension, files in POPULATION_FILES.items()
    }


def _representation_voices(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """Each channel's voices by group: GPPS respondents (respondent extracts), GPPS respondents as the
    practice files publish their composition, and every comments channel."""
    channels = (
        ("staged.survey_responses", "voices_gpps.sql"),
        ("staged.gpps_respondent_profile", "voices_gpps_composition.sql"),
        ("staged.comments", "voices_comments.sql"),
    )
    return [con.execute(_sql(sql)).df() for table, sql in channels if table_exists(con, table)]


def build_representation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.representation``: each channel's share of voices by group against the group's share of the
    population (registered patients for age and sex, the Census apportioned to practices for ethnic group),
    with the ratio, its interval and the flag. A dimension without a population keeps its rows, saying why
    (``population_missing_reason``); learning disability is listed with the file that would fill it."""
    ensure_geography_views(con)
    groups = pd.DataFrame(
        [(d, g) for d, values in REPRESENTATION_GROUPS.items() for g in values],
        columns=["dimension", "group_value"],
    )
    con.register("_representation_groups", groups)
    try:
        voices = _representation_voices(con)
        if table_exists(con, "ref.registered_population"):
            # A store loaded before the quinary, LSOA and Census tables existed gets them (empty) here.
            ensure_reference_tables(con)
            population = con.execute(_sql("population_shares.sql")).df()
        else:
            population = pd.DataFrame(columns=["geography_level", "geography_code", "dimension", "group_value",
                                               "population_share", "population_source"])  # fmt: skip
    finally:
        con.unregister("_representation_groups")
    if not voices:
        return write_mart(con, "representation", pd.DataFrame(columns=mart_columns("representation")))
    v = pd.concat(voices, ignore_index=True)
    merged = v.merge(
        population, on=["geography_level", "geography_code", "dimension", "group_value"], how="left"
    )
    merged["population_share"] = merged["population_share"].astype(float)
    gaps = _population_gaps(con)
    merged["population_missing_reason"] = np.where(
        merged["population_share"].isna(), merged["dimension"].map(gaps), None
    )
    block = ["channel", "geography_level", "geography_code", "period", "dimension"]
    merged = merged.sort_values([*block, "group_value"], kind="mergesort").reset_index(drop=True)
    # The total is the sum of the groups shown, so the parts add up to it exactly (and protect each other).
    merged["voices_total"] = merged.groupby(block)["voices"].transform("sum")
    _disclose_voices(merged, block)
    # Every figure from the published counts: share, its Wilson interval, the ratio and the flag.
    hidden = merged["suppressed"].to_numpy()
    voices_pub = merged["voices"].to_numpy(dtype=float)
    total_pub = merged["voices_total"].to_numpy(dtype=float)
    share = np.where(hidden, np.nan, percentage_from_rounded(voices_pub, total_pub, 1.0))
    lower, upper = wilson_interval(np.nan_to_num(voices_pub), total_pub, 0.95)
    population_share = merged["population_share"].to_numpy(dtype=float)
    merged["share_of_voices"] = share
    merged["representation_ratio"] = share / population_share
    merged["ratio_lower_95"] = np.where(hidden, np.nan, lower / population_share)
    merged["ratio_upper_95"] = np.where(hidden, np.nan, upper / population_share)
    flagged = (merged["representation_ratio"] < 0.8) & (merged["ratio_upper_95"] < 1)
    # Without a population share nothing is judged: the flag is empty, not false.
    merged["under_represented"] = flagged.astype(object).where(~np.isnan(population_share), None)
    frame = pd.concat([merged, _learning_disability_rows(merged[block[:4]])], ignore_index=True)
    return write_mart(con, "representation", frame[mart_columns("representation")])


def _learning_disability_rows(blocks: pd.DataFrame) -> pd.DataFrame:
    """One learning-disability row per channel, area and period: no voices, no population, and the reason."""
    dimension, group, reason = LEARNING_DISABILITY
    rows = blocks.drop_duplicates().assign(
        dimension=dimension, group_value=group, suppressed=False, suppression_reason="",
        population_missing_reason=reason, under_represented=None,
    )  # fmt: skip
    return rows


def build_gpps_question_options(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.gpps_question_options``: every published answer-option share of every catalogued GPPS question
    per organisation and survey year, with its base and disclosure control (``gpps_question_options.sql``).

    One set-based statement from the staged results to the mart (a national year is ~1.6 M option rows, which
    never pass through pandas); an empty mart of the contract's columns when no GPPS results are loaded."""
    if not (table_exists(con, "staged.gpps_results") and table_exists(con, "ref.gpps_measures")):
        return write_mart(
            con, "gpps_question_options", pd.DataFrame(columns=mart_columns("gpps_question_options"))
        )
    con.execute(
        "CREATE OR REPLACE TABLE marts.gpps_question_options AS " + _sql("gpps_question_options.sql"),
        {"min_base": MIN_SURVEY_BASE, "round_to": ROUND_TO, "start_month": GPPS_FIELDWORK_START_MONTH,
         "end_month": GPPS_FIELDWORK_END_MONTH},
    )  # fmt: skip
    return row_count(con, "marts.gpps_question_options")


def build_data_dictionary(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.data_dictionary``: every published table and column with its type (from the catalogue: exactly
    the tables ``published_store`` copies) and its description (from the table's contract; a published table
    without a contract is an error, a column without a description a test forbids)."""
    columns = con.execute(
        """SELECT schema_name || '.' || table_name AS table_name, column_name, data_type
           FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name IN ('marts', 'ref')
             AND table_name <> 'data_dictionary'
           ORDER BY 1, column_index"""
    ).fetchall()
    rows = []
    for table, column, data_type in columns:
        if table in NOT_PUBLISHED:
            continue
        spec = contract(table)
        source = "Chorus marts" if table.startswith("marts.") else "reference data (see README: Sources)"
        rows.append((table, column, data_type, spec.descriptions().get(column, ""), spec.description, source))
    frame = pd.DataFrame(rows, columns=mart_columns("data_dictionary"))
    return write_mart(con, "data_dictionary", frame)
