"""The source families of ``marts.metric_by_group``: what each contributes, what it is built from.

A *family* writes the rows of one or more ``source`` values (its ``row_sources``) and reads only the files of
its ``ledger_sources`` (reference data always), with ``reads_comments`` every file that writes comments or that
such a file's table depends on (from the source registry: a new complaints register is one, a KO41 return is
not), and its own ``code``. Disclosure blocks, gaps and change-over-time series are all keyed by ``source``
(``metric_by_group.CELL``, ``change_over_time.SERIES_KEY``), so one family's published rows never depend on
another's: a new complaints return rebuilds the complaints rows and leaves every GPPS row as it is
(``build.refresh_metric_by_group``). ``FAMILIES`` is the one declaration of this; ``SHARED_CODE`` is what
every family runs (finalisation, disclosure, statistics), so a change there rebuilds them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.fingerprint import DERIVED_CODE, TEXT_MODEL_CODE, inputs_fingerprint
from pipelines.core.sql import sql_file
from pipelines.core.store import table_exists
from pipelines.marts.labels import name_metrics
from pipelines.marts.metric_by_group import empty_estimates
from pipelines.methods.disclosure import MIN_SURVEY_BASE
from pipelines.sources.gpps.effective_n import with_effective_n
from pipelines.sources.registry import ingest_tables
from pipelines.sources.shared.geography import AS_OF_PERIOD, BOUNDARIES, CURRENT, ensure_geography_views

HERE = Path(__file__).parent
PIPELINES = HERE.parent
REFERENCE = "reference"
# The numerators' age bands of marts.standardised_rates (package data, so a change to it rebuilds the mart).
AGE_BANDS_CSV = HERE / "standardisation_age_bands.csv"
# The GPPS catalogue's data: which questions are measures, their options, polarity and wording (it is package
# data, not a loaded file, so a change to it must rebuild what is built from it).
GPPS_CATALOGUE: tuple[Path, ...] = tuple(
    PIPELINES / "sources" / "gpps" / name for name in ("measures.csv", "stems_2024plus.csv")
)  # the ledger source every family reads (geography, populations, vocabularies)


def _sql(name: str) -> str:
    return sql_file(HERE / name)


def comment_negative_view(con: duckdb.DuckDBPyConnection) -> None:
    """``_comment_negative``: sentiment from the text stage when coded, else the source's own rating."""
    if table_exists(con, "staged.comment_sentiment"):
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _comment_negative AS
               SELECT c.comment_id, coalesce(s.sentiment_class = 'negative', c.rating >= 4) AS is_negative
               FROM staged.comments c LEFT JOIN staged.comment_sentiment s USING (comment_id)"""
        )
    else:
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _comment_negative AS
               SELECT comment_id, rating >= 4 AS is_negative FROM staged.comments WHERE rating IS NOT NULL"""
        )


def practice_quintile_estimates(con: duckdb.DuckDBPyConnection, published: pd.DataFrame) -> pd.DataFrame:
    """GPPS results by deprivation quintile of the practice for England (national quintiles) and each ICB
    (quintiles of its own practices), pooled from the published practice results (``published``: the
    ``gpps_published`` estimates with their n_eff) as population-weighted strata, the interval allowing for how
    much the practices differ as well as for sampling: source ``gpps_practices``.
    The method is in ``gpps_practice_quintile_estimates.sql``; the quintiles in ``practice_quintiles.sql``.
    Needs ``_practice_geo`` (sources/shared/geography.py)."""
    needed = ("ref.practice_deprivation", "ref.registered_population", "staged.gpps_response_rates")
    practices = published[published["geography_level"] == "practice"]
    if practices.empty or not all(table_exists(con, t) for t in needed):
        return empty_estimates()
    con.execute(_sql("practice_quintiles.sql"))
    con.register("_practice_estimates", practices)
    try:
        pooled = con.execute(_sql("gpps_practice_quintile_estimates.sql"), {"min_base": MIN_SURVEY_BASE}).df()
    finally:
        con.unregister("_practice_estimates")
    value = pooled["numerator"] / pooled["denominator"]
    m = pooled["practices"]
    spread = (pooled["s2"] - 2 * value * pooled["s1"] + value * value * pooled["s0"]) / pooled[
        "denominator"
    ] ** 2
    between = np.where(m > 1, m / (m - 1).clip(lower=1) * spread.clip(lower=0), np.nan)
    variance = np.fmax(pooled["sampling_variance"].to_numpy(), between)
    # A quintile whose every practice published 0% or 100% has no variance to invert.
    n_eff = np.where(variance > 0, value * (1 - value) / variance, pooled["n_eff_sum"])
    helpers = ["sampling_variance", "practices", "s0", "s1", "s2", "n_eff_sum"]
    return pooled.drop(columns=helpers).assign(value=value, n_eff=n_eff)


def _gpps_published(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """GPPS published results, and the practices' results pooled by deprivation quintile."""
    if not (table_exists(con, "staged.gpps_results") and table_exists(con, "ref.gpps_measures")):
        return []
    published = with_effective_n(con.execute(_sql("gpps_published_estimates.sql")).df())
    return [published, practice_quintile_estimates(con, published)]


def _gpps_practice_quintiles(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """Only the practices' results pooled by deprivation quintile: of the GPPS published family, the rows placed
    through the practices (the published sub-ICB and ICB results are Ipsos's, for the areas of their year)."""
    if not (table_exists(con, "staged.gpps_results") and table_exists(con, "ref.gpps_measures")):
        return []
    published = with_effective_n(con.execute(_sql("gpps_published_estimates.sql")).df())
    return [practice_quintile_estimates(con, published)]


def _gpps_respondents(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """GPPS respondent-level extracts, weighted."""
    if not (table_exists(con, "staged.survey_responses") and table_exists(con, "ref.practice_deprivation")):
        return []
    return [con.execute(_sql("gpps_respondent_estimates.sql")).df()]


def _fft(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """FFT shares positive and negative per organisation and month."""
    if not (table_exists(con, "staged.fft_scores") and table_exists(con, "ref.nhs_trusts")):
        return []
    return [con.execute(_sql("fft_estimates.sql")).df()]


def _complaints(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """Complaints rates and shares upheld, from the returns and the local registers."""
    if not (table_exists(con, "staged.complaint_returns") and table_exists(con, "staged.complaints")):
        return []
    return [con.execute(_sql("complaints_estimates.sql")).df()]


def _comments(con: duckdb.DuckDBPyConnection) -> list[pd.DataFrame]:
    """Share of comments negative per channel, and share about each theme, from every comment source."""
    if not (table_exists(con, "staged.comments") and table_exists(con, "ref.practice_deprivation")):
        return []
    comment_negative_view(con)
    frames = [con.execute(_sql("comment_estimates.sql")).df()]
    if table_exists(con, "staged.comment_themes"):
        frames.append(con.execute(_sql("theme_estimates.sql")).df())
    return frames


@dataclass(frozen=True)
class Family:
    """One family of ``marts.metric_by_group`` rows (see the module docstring)."""

    name: str
    row_sources: tuple[str, ...]  # the values of metric_by_group.source it writes, and no other family does
    ledger_sources: tuple[str, ...]  # meta.ingest_ledger sources its rows are built from, besides reference
    reads_comments: bool  # also built from every file that writes staged.comments (``comment_layouts``)
    code: tuple[Path, ...]  # what it runs besides SHARED_CODE
    estimates: Callable[[duckdb.DuckDBPyConnection], list[pd.DataFrame]]
    # The estimates whose sub-ICB and ICB rows place practices through ``_practice_geo`` when the mart is
    # built: run again on today's boundaries (``metric_estimates``). None for rows placed when their file was
    # loaded (comments), by their trust (FFT), as published (GPPS areas) or on the latest extract (complaints).
    remapped: Callable[[duckdb.DuckDBPyConnection], list[pd.DataFrame]] | None = None


# In the order a full build concatenates them.
FAMILIES: tuple[Family, ...] = (
    Family("gpps_published", ("gpps_published", "gpps_practices"), ("gpps",), False,
           (HERE / "gpps_published_estimates.sql", HERE / "practice_quintiles.sql",
            HERE / "gpps_practice_quintile_estimates.sql", PIPELINES / "sources" / "gpps" / "effective_n.py",
            *GPPS_CATALOGUE),
           _gpps_published, remapped=_gpps_practice_quintiles),
    Family("gpps_respondents", ("gpps_respondents",), ("gpps",), False,
           (HERE / "gpps_respondent_estimates.sql",), _gpps_respondents, remapped=_gpps_respondents),
    Family("fft", ("fft",), ("fft",), False, (HERE / "fft_estimates.sql",), _fft),
    Family("complaints", ("complaints",), ("complaints",), False, (HERE / "complaints_estimates.sql",),
           _complaints),
    Family("comments", ("comments",), (), True,
           (HERE / "comment_estimates.sql", HERE / "theme_estimates.sql", *TEXT_MODEL_CODE), _comments),
)  # fmt: skip

# What every family runs: this module, finalisation (intervals, gaps, disclosure, names, periods), change over
# time, the statistics, the geography rules and the table's contract.
SHARED_CODE: tuple[Path, ...] = (
    HERE / "estimates.py",
    HERE / "build.py",
    HERE / "metric_by_group.py",
    HERE / "change_over_time.py",
    HERE / "labels.py",
    HERE / "england_icbs.csv",
    *sorted((PIPELINES / "methods").glob("*.py")),
    PIPELINES / "core" / "periods.py",
    PIPELINES / "sources" / "shared" / "geography.py",
    PIPELINES / "sources" / "shared" / "geography.sql",
    *(PIPELINES / "sources" / "shared" / f"practice_geo_{boundaries}.sql" for boundaries in BOUNDARIES),
    PIPELINES.parent / "schemas" / "tables" / "marts" / "metric_by_group.yaml",
    PIPELINES.parent / "schemas" / "people.py",  # the vocabulary whose ethnicity bands nest groups
)


def comment_layouts() -> tuple[str, ...]:
    """The layouts (kinds of file) whose ingest table writes ``staged.comments``, and the layouts of the ingest
    tables those depend on (a Healthwatch report's register and LA lookup), from the source registry."""
    tables = {table.table.replace(".", "/"): table for _, table in ingest_tables()}
    wanted = [key for key, table in tables.items() if table.writes_comments]
    seen: set[str] = set()
    while wanted:
        key = wanted.pop()
        if key not in seen and key in tables:  # deps outside the registry (derived ref tables) are not files
            seen.add(key)
            wanted.extend(tables[key].deps)
    return tuple(sorted({layout.name for key in seen for layout in tables[key].layouts}))


def family_inputs(family: Family) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(ledger sources, layouts): the files ``family`` is built from are those of either."""
    layouts = comment_layouts() if family.reads_comments else ()
    return tuple(sorted({REFERENCE, *family.ledger_sources})), layouts


def family_fingerprint(con: duckdb.DuckDBPyConnection, family: Family) -> str:
    """The fingerprint of what ``family``'s rows are built from: its files and its own and the shared code."""
    sources, layouts = family_inputs(family)
    return inputs_fingerprint(con, (*SHARED_CODE, *family.code), sources=sources, layouts=layouts)


# Marts built from fewer files than all: (ledger sources besides reference, also every file that writes comments).
# marts.triangulation joins the GPPS respondent rows of metric_by_group to the comments; marts.representation
# counts GPPS respondents and comments against the registered population. Neither reads FFT scores or
# complaints returns, so a new month of FFT or a KO41 return leaves them as they are.
MART_INPUTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "triangulation": (("gpps",), True),
    "representation": (("gpps",), True),
    "gpps_question_options": (("gpps",), False),
    # Complaints returns and comments per registered population (marts.standardised_rates).
    "standardised_rates": (("complaints",), True),
}


# Marts built from rows of marts.metric_by_group (placed with the reference geography): fingerprinted on the
# content of the rows they read, so a new file that changes none of them (a complaints return, for the
# variation funnels) keeps them. Each filter holds at least the rows its builder's SQL reads.
MART_ROWS: dict[str, str] = {
    "variation": "dimension = 'overall' AND metric_id NOT LIKE '%per_10k' AND higher_is_better IS NOT NULL",
    "national_variation": "dimension = 'overall' AND metric_id NOT LIKE '%per_10k' AND higher_is_better IS NOT NULL",
    "deprivation_gradient": "dimension LIKE 'deprivation_quintile%'",
}


def marts_code() -> tuple[Path, ...]:
    """Every file of code a mart is built with."""
    return (
        *DERIVED_CODE,
        *SHARED_CODE,
        *(path for family in FAMILIES for path in family.code),
        AGE_BANDS_CSV,
    )


def reference_and_marts_code(con: duckdb.DuckDBPyConnection) -> str:
    """The fingerprint of the reference files and the marts' code: what a mart built from ``MART_ROWS`` reads
    besides those rows."""
    return inputs_fingerprint(con, marts_code(), sources=(REFERENCE,))


def mart_fingerprint(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The fingerprint of what ``marts.<name>`` is built from: the files it reads (``MART_INPUTS``), or the
    rows of ``marts.metric_by_group`` it reads with the reference files (``MART_ROWS``), else every loaded
    file; and all the marts' code."""
    code = marts_code()
    if name in MART_ROWS and table_exists(con, "marts.metric_by_group"):
        rows, content = con.execute(
            f"SELECT count(*), sum(hash(m)::HUGEINT) FROM marts.metric_by_group m WHERE {MART_ROWS[name]}"
        ).fetchone()
        files = reference_and_marts_code(con)
        return hashlib.sha256(f"{files}\0{rows}\0{content}".encode()).hexdigest()
    if name not in MART_INPUTS:
        return inputs_fingerprint(con)
    sources, reads_comments = MART_INPUTS[name]
    layouts = comment_layouts() if reads_comments else ()
    return inputs_fingerprint(con, code, sources=(REFERENCE, *sources), layouts=layouts)


# The levels whose rows a family that places practices re-maps to today's boundaries.
REMAPPED_LEVELS = ("sub_icb", "icb")


def metric_estimates(con: duckdb.DuckDBPyConnection, families: tuple[Family, ...] = FAMILIES) -> pd.DataFrame:
    """The cells of ``families`` (every source's by default), before intervals and disclosure control: every
    row on the boundaries of its period (``as_of_period``) and, for the families that place practices, their
    sub-ICB and ICB rows again on today's boundaries (``current``), the same SQL run over the current
    ``_practice_geo`` (sources/shared/geography.py)."""
    ensure_geography_views(con, AS_OF_PERIOD)
    frames = [
        frame.assign(boundaries=AS_OF_PERIOD)
        for family in families
        for frame in family.estimates(con)
        if not frame.empty
    ]
    remapped = [family.remapped for family in families if family.remapped is not None]
    if remapped:
        ensure_geography_views(con, CURRENT)
        for estimates in remapped:
            for frame in estimates(con):
                frame = frame[frame["geography_level"].isin(REMAPPED_LEVELS)]
                if not frame.empty:
                    frames.append(frame.assign(boundaries=CURRENT))
        ensure_geography_views(con)  # the connection's _practice_geo back on the boundaries of the time
    return name_metrics(con, pd.concat(frames or [empty_estimates()], ignore_index=True))
