"""GPPS published results, every header generation (2017-2021, 2022-2023, 2024+) and level.

Results files are wide (one row per organisation, ~600-1,100 columns). They are read in one pass with
typed (DOUBLE) measure columns; a file with any cell that is not a number or blank is read again as
all-text, so the bad rows are found and quarantined with their cell. The wide rows are reshaped inside
DuckDB with one ``unnest`` of parallel lists (an UNPIVOT that keeps the count, percentage, bases and
interval of one response option together) straight into ``staged.gpps_results``, so a national file never
passes through pandas. As before this change, results files have no ``raw`` table: their raw layer is
the landing file itself (kept, its SHA-256 in the ledger), and a quarantined row keeps the text of its
offending cell in ``quarantine.rows``. Names, parents and the file hash sit once per organisation in
``staged.gpps_organisations`` instead of on each of its ~400 long rows.

The three generations load the same way: ``grammar.py`` reads each one's header into the same plan, and
the layouts at the end of this module tell them apart by their header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal, sql_file
from pipelines.core.store import duckdb_setting
from pipelines.ingest.csv_staging import _csv_error_message, stage_csv
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.ingest.read_rules import FORMULA_CELL_RE
from pipelines.sources.gpps import grammar as G
from pipelines.sources.gpps import policy as P
from pipelines.sources.gpps.catalogue import measures_for_year, positive_summary_codes
from pipelines.sources.gpps.readers.common import (
    READERS_DIR,
    SENTINELS,
    SUPPRESSION_MARKERS,
    SUPPRESSION_TEXT_SQL,
    _header_of,
    _known_practices,
    _require_year,
    prepare,
    survey_year_of,
)
from pipelines.sources.gpps.year_rule import reject_year_contradiction


def plan_for(landing_file: LandingFile, header: list[str] | None = None) -> tuple[int, G.HeaderPlan]:
    """Survey year and header plan of a results file; rejects a header with columns nobody understands."""
    header = header if header is not None else landing_file.csv_header()
    year = _require_year(landing_file)
    generation = G.detect_generation(header, year)
    if generation is None:
        raise FileRejected(f"{landing_file.rel_path}: not a GPPS results header (no qN_/.pcteval measures)")
    reject_year_contradiction(landing_file, year, generation)
    plan = G.plan_header(header, generation, positive_summary_codes(year))
    if plan.unrecognised:
        shown = ", ".join(plan.unrecognised[:12]) + (" …" if len(plan.unrecognised) > 12 else "")
        raise FileRejected(
            f"{landing_file.rel_path}: read as {generation} but {len(plan.unrecognised)} column(s) follow no known "
            f"GPPS grammar: {shown}. Nothing was loaded; teach pipelines/sources/gpps/grammar.py the new columns."
        )
    if not plan.specs:
        raise FileRejected(f"{landing_file.rel_path}: read as {generation} but it has no measure columns")
    return year, plan


def numeric_columns(plan: G.HeaderPlan) -> list[str]:
    """The columns read as numbers: every cell a result spec uses, plus the survey context columns."""
    used = {c for spec in plan.specs for c in spec.columns() if c}
    return [c for c in plan.header if c in used or c in plan.context]


def read_typed(con: duckdb.DuckDBPyConnection, landing_file: LandingFile, plan: G.HeaderPlan) -> int | None:
    """Fast path: read straight into temp table ``_gpps_wide`` with DOUBLE measure columns.

    Identifier columns stay text (blank stays ''), blank measure cells are NULL (a suppression). Returns
    the rows read, or None when any cell is not a number or a blank (a suppression marker, 'n/a', a ragged row …):
    then the file is read again as all-text (``read_text_wide``), which says which row and cell is wrong.
    """
    numeric = set(numeric_columns(plan))
    text = [c for c in plan.header if c not in numeric]
    spec = (
        "{"
        + ", ".join(
            f"{quote_literal(c)}: {quote_literal('DOUBLE' if c in numeric else 'VARCHAR')}"
            for c in plan.header
        )
        + "}"
    )
    force = ", force_not_null = [" + ", ".join(quote_literal(c) for c in text) + "]" if text else ""
    # A failed statement would abort the file's transaction, so a bad cell is not an error here: DuckDB skips
    # the row and records it in a rejects table, and any rejection sends the file down the all-text path.
    con.execute("DROP TABLE IF EXISTS _gpps_rejects; DROP TABLE IF EXISTS _gpps_reject_scans")
    with landing_file.utf8_path() as path, duckdb_setting(con, "threads", 1):
        # One thread: row_number() OVER () serialises the read anyway, and DuckDB's parallel CSV reader
        # only adds work on top (national file: 0.38 s on one thread, 0.56 s on two).
        try:
            con.execute(
                sql_file(READERS_DIR / "wide_typed.sql", columns=spec, force_not_null=force),
                {"path": str(path)},
            )
        except duckdb.Error as exc:  # what the rejects table cannot hold (e.g. bytes that are not UTF-8)
            raise FileRejected(_csv_error_message(landing_file, exc, 1)) from exc
    rejected = con.execute("SELECT count(*) FROM _gpps_rejects").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS _gpps_rejects; DROP TABLE IF EXISTS _gpps_reject_scans")
    if not rejected and text:
        # Formula text in a number column is a rejected cell; in a text column (a name) it is found here.
        # Either way the all-text path quarantines the row (formula_text).
        formula = " OR ".join(
            f"regexp_matches({quote_identifier(c)}, {quote_literal(FORMULA_CELL_RE)})" for c in text
        )
        rejected = con.execute(f"SELECT count(*) FROM _gpps_wide WHERE {formula}").fetchone()[0]
    if rejected:
        con.execute("DROP TABLE _gpps_wide")
        return None
    return int(con.execute("SELECT count(*) FROM _gpps_wide").fetchone()[0])


def read_text_wide(con: duckdb.DuckDBPyConnection, landing_file: LandingFile, plan: G.HeaderPlan) -> int:
    """Fallback: read all-text (strict, clear CSV errors), then type it into ``_gpps_wide``.

    A cell that is neither a number nor a suppression marker becomes NULL and names the row's first such
    cell (in result order) in ``_bad_cell`` / ``_bad_value``, so the row is quarantined, not loaded.
    """
    rows = stage_csv(con, landing_file, "_gpps_text", keep_empty=True)
    numeric = numeric_columns(plan)
    label: dict[str, str] = {}
    for spec in plan.specs:
        for col in spec.columns():
            if col and col not in label:
                label[col] = f"{spec.question} option {spec.response_option}"
    typed = ", ".join(
        f"CASE WHEN trim({quote_identifier(c)}) IN {SUPPRESSION_TEXT_SQL} THEN NULL ELSE try_cast(trim({quote_identifier(c)}) AS DOUBLE) END AS {quote_identifier(c)}"
        if c in numeric else quote_identifier(c)
        for c in plan.header
    )  # fmt: skip
    bad = [
        f"CASE WHEN gpps_bad({quote_identifier(c)}) THEN [{quote_literal(text)}, {quote_identifier(c)}] END"
        for c, text in label.items()
    ]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _gpps_wide AS
        SELECT source_row, {typed}, _bad[1] AS _bad_cell, _bad[2] AS _bad_value
        FROM (SELECT *, coalesce({", ".join(bad)}) AS _bad FROM _gpps_text)
        """
    )
    con.execute("DROP TABLE _gpps_text")
    return rows


def _clean(column: str | None) -> str:
    """A typed cell with the negative sentinels made NULL; NULL for a column the file does not have."""
    if column is None:
        return "NULL::DOUBLE"
    return (
        f"CASE WHEN {quote_identifier(column)} IN {SENTINELS} THEN NULL ELSE {quote_identifier(column)} END"
    )


def results_sql(plan: G.HeaderPlan, measures: dict) -> str:
    """The SELECT that turns ``_gpps_wide`` into one typed row per organisation × spec.

    One ``unnest`` of parallel lists (an UNPIVOT that keeps the count, percentage, bases and interval of
    one response option together); each cell is cast once, when the file is read.
    """
    specs = plan.specs

    def strings(values: list[str | None]) -> str:
        return (
            "["
            + ", ".join(quote_literal(v) + "::VARCHAR" if v is None else quote_literal(v) for v in values)
            + "]"
        )

    lists = [
        f"unnest({strings([s.question for s in specs])}) AS question",
        f"unnest({strings([measures[s.question].measure_id if s.question in measures else None for s in specs])}) AS measure_id",
        f"unnest({strings([s.response_option for s in specs])}) AS response_option",
        f"unnest({strings([s.option_code for s in specs])}) AS option_code",
    ]
    names = (
        "weighted_count",
        "weighted_proportion",
        "unweighted_base",
        "weighted_base",
        "ci_lower",
        "ci_upper",
    )
    for k, name in enumerate(names):
        lists.append(f"unnest([{', '.join(_clean(s.columns()[k]) for s in specs)}]) AS {name}")
    suppressed = []
    for s in specs:
        cells = [
            f"{quote_identifier(c)} IS NULL OR {quote_identifier(c)} IN {SENTINELS}" for c in s.columns() if c
        ]
        suppressed.append("(" + (" OR ".join(cells) or "FALSE") + ")")
    lists.append(f"unnest([{', '.join(suppressed)}]) AS suppressed")
    return ", ".join(lists)


def reshape_sql(
    con: duckdb.DuckDBPyConnection, plan: G.HeaderPlan, measures: dict, wide: str, code: str, where: str
) -> str:
    """The SELECT reshaping ``wide`` into long rows that satisfy ``where``, one UNION ALL branch per DuckDB thread.

    DuckDB parallelises a scan by row group, and a national file is 6,500 wide rows - one row group - so a
    single reshape would run on one core. Each branch reshapes a slice of the result specs; with insertion
    order not preserved the branches run side by side (row order in the table carries no meaning).
    Parameters: $year, $series, $level, $file.
    """
    threads = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    rows = int(con.execute(f"SELECT count(*) FROM {wide}").fetchone()[0])
    parts = max(1, min(threads, len(plan.specs) // 50, 1 + rows * len(plan.specs) // 200_000))
    bounds = [round(i * len(plan.specs) / parts) for i in range(parts + 1)]
    branches = [
        f"""SELECT * FROM (
            SELECT $year AS survey_year, $series AS series, $level AS level, {code} AS org_code,
                   {results_sql(replace(plan, specs=plan.specs[lo:hi]), measures)}, $file AS source_file, source_row
            FROM {wide})
        WHERE {where}"""
        for lo, hi in pairwise(bounds)
    ]
    return " UNION ALL ".join(branches)


def insert_results(
    con: duckdb.DuckDBPyConnection, plan: G.HeaderPlan, measures: dict, wide: str, code: str, params: dict
) -> int:
    """Reshape ``wide`` into ``staged.gpps_results``, leaving out the figures a value rule holds back.
    Returns the number of long rows inserted.

    The held-back figures are never inserted rather than deleted afterwards: a DELETE in the transaction
    that bulk-inserted the rows makes DuckDB write them all a second time at commit.
    """
    keep = f"NOT ({value_failure_sql()})"
    with duckdb_setting(con, "preserve_insertion_order", False):
        return int(
            con.execute(
                "INSERT INTO staged.gpps_results BY NAME "
                + reshape_sql(con, plan, measures, wide, code, keep),
                params,
            ).fetchone()[0]
        )


def load_results(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A published GPPS results file, any generation and level, into ``staged.gpps_results``.

    Read typed (DOUBLE measures) in one pass; only a file with a non-numeric cell is re-read as all-text
    to find and quarantine its bad rows. Organisation names, parent codes and the file hash go to
    ``staged.gpps_organisations`` (one row per organisation), keeping the long table slim.
    """
    prepare(con)
    year, plan = plan_for(f)
    measures = measures_for_year(year)
    if plan.level == "practice":
        _known_practices(con, f, year)
    rows_read = read_typed(con, f, plan)
    if rows_read is None:
        rows_read = read_text_wide(con, f, plan)
    elif rows_read == 0:
        raise FileRejected(f"{f.rel_path}: the file has a header but no data rows")
    code = (
        f"nullif(trim({quote_identifier(plan.code_column)}), '')"
        if plan.code_column
        else quote_literal(G.NATIONAL_CODE)
    )
    name = (
        quote_identifier(plan.name_column)
        if plan.name_column
        else (quote_literal("England") if not plan.code_column else "NULL")
    )
    parents = ", ".join(
        (f"nullif(trim({quote_identifier(plan.parents[p])}), '')" if p in plan.parents else "NULL")
        + f" AS {p}"
        for p in ("pcn_code", "ccg_code", "ics_code")
    )
    known = "org_code IN (SELECT practice_code FROM _gpps_known)" if plan.level == "practice" else "TRUE"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _gpps_rows AS
        SELECT *, ({known}) AS known, {P.RESULTS.key_count_sql()} FROM (
            SELECT source_row, {code} AS org_code, {name} AS org_name, {parents},
                   _bad_cell AS bad_cell, _bad_value AS bad_value
            FROM _gpps_wide)
        """
    )
    rules = [
        P.RESULTS.duplicate_key_rule("org_code"),
        RowRule("org_code_present", "org_code", "org_code IS NULL", f"{plan.code_column} is blank"),
        RowRule("practice_in_geography", "org_code", "NOT known",
                f"practice code is not in the practice geography of {year} (ref.practice_geography_versions)"),
        RowRule("values_numeric", "bad_value", "bad_value IS NOT NULL",
                f"a published value is neither a number nor a suppression marker ({SUPPRESSION_MARKERS})"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_gpps_rows", rules, f, policy=P.RESULTS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _gpps_pass AS SELECT * FROM _gpps_rows WHERE {passing_rows(rules)}"
    )
    params = {"year": year, "generation": plan.generation, "series": G.SERIES[plan.generation],
              "level": plan.level, "file": f.rel_path, "sha": f.sha256}  # fmt: skip
    con.execute(
        """
        INSERT INTO staged.gpps_organisations BY NAME
        SELECT $year AS survey_year, $generation AS generation, $series AS series, $level AS level,
               org_code, org_name, pcn_code, ccg_code, ics_code, $file AS source_file, $sha AS file_sha256, source_row
        FROM _gpps_pass
        """,
        params,
    )
    # The long rows go straight from the reshape into the permanent table. Rows that passed are picked
    # before the reshape (6,500 wide rows, not 2.7 M long ones), and only when something was quarantined.
    wide = "_gpps_wide"
    if quarantined:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _gpps_keep AS SELECT * FROM _gpps_wide SEMI JOIN _gpps_pass USING (source_row)"
        )
        wide = "_gpps_keep"
    reshape_params = {k: params[k] for k in ("year", "series", "level", "file")}
    expected = int(con.execute(f"SELECT count(*) FROM {wide}").fetchone()[0]) * len(plan.specs)
    inserted = insert_results(con, plan, measures, wide, code, reshape_params)
    if plan.context:
        context = {c: _clean(c) if c in plan.context else "NULL" for c in G.CONTEXT_COLUMNS}
        con.execute(
            sql_file(
                READERS_DIR / "staged_gpps_response_rates.sql",
                distributed=context["distributed"],
                received=context["received"],
                response_rate=context["resprate"],
                population_size=context["popsize"],
            ),
            {"year": year, "level": plan.level, **f.provenance_params()},
        )
    note = None
    if inserted < expected:  # only a file with a figure held back pays a second reshape, to say which
        note = quarantine_values(
            con, f, plan, reshape_sql(con, plan, measures, wide, code, value_failure_sql()), reshape_params
        )
    for temp in ("_gpps_wide", "_gpps_keep", "_gpps_rows", "_gpps_pass"):
        con.execute(f"DROP TABLE IF EXISTS {temp}")
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, note)


VALUE_RULES = [
    RowRule("proportion_in_range", "weighted_proportion", "weighted_proportion NOT BETWEEN 0 AND 1",
            "weighted proportion is outside 0-1: this figure is held back, the rest of the row loaded",
            scope="value", column_sql="pct_column"),
    RowRule("interval_ordered", "concat('lower ', ci_lower, ', upper ', ci_upper, ', proportion ', weighted_proportion)",
            "ci_lower > ci_upper OR weighted_proportion < ci_lower - 1e-9 OR weighted_proportion > ci_upper + 1e-9 "
            "OR ci_lower NOT BETWEEN 0 AND 1 OR ci_upper NOT BETWEEN 0 AND 1",
            "confidence interval is not lower <= proportion <= upper within 0-1: this figure is held back, the rest "
            "of the row loaded", scope="value", column_sql="lower_column"),
]  # fmt: skip


def value_failure_sql() -> str:
    """True for a long row of ``staged.gpps_results`` whose figure breaks any of ``VALUE_RULES``."""
    return " OR ".join(f"coalesce(({rule.fails}), FALSE)" for rule in VALUE_RULES)


def quarantine_values(
    con: duckdb.DuckDBPyConnection, f: LandingFile, plan: G.HeaderPlan, failing_rows: str, params: dict
) -> str | None:
    """Quarantine the single published figures of ``f`` that ``insert_results`` held back (policy scope
    ``value``), read from ``failing_rows`` (the reshape of their organisations' rows, filtered to the
    failures); the rest of each organisation's row is in ``staged.gpps_results``. Returns the ledger note."""
    columns = [
        (s.question, s.response_option, s.columns()[1], s.columns()[4] or s.columns()[1]) for s in plan.specs
    ]
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _gpps_value_columns AS
           SELECT unnest(?::VARCHAR[]) AS question, unnest(?::VARCHAR[]) AS response_option,
                  unnest(?::VARCHAR[]) AS pct_column, unnest(?::VARCHAR[]) AS lower_column""",
        [[c[0] for c in columns], [c[1] for c in columns], [c[2] for c in columns], [c[3] for c in columns]],
    )
    con.execute(sql_file(READERS_DIR / "results_value_failures.sql", failing_rows=failing_rows), params)
    held = int(con.execute("SELECT count(*) FROM _gpps_values").fetchone()[0])
    quarantine_rows(con, "_gpps_values", VALUE_RULES, f, policy=P.RESULTS)
    rules = con.execute(
        "SELECT rule, count(*) FROM quarantine.rows WHERE source_file = ? AND scope = 'value' GROUP BY 1 ORDER BY 1",
        [f.rel_path],
    ).fetchall()
    return (
        f"{held} published figure(s) quarantined ({', '.join(f'{r}: {n}' for r, n in rules)}); "
        "the rest of their rows loaded"
    )


def _sniff_generation(generation: str) -> Callable[[LandingFile], bool]:
    """A layout's sniff: whether a file's header reads as ``generation``."""

    def sniff(landing_file: LandingFile) -> bool:
        header = _header_of(landing_file)
        return bool(header) and G.detect_generation(header, survey_year_of(landing_file)) == generation

    return sniff


# The words every generation's description starts with (up to ": "): what a reader would look for. The
# report names the files that would fill an empty section in these words (pipelines/report/inputs.py).
GPPS_TITLE = (
    "GP Patient Survey results files (GPPS_<year>_Practice_data_(weighted)_(csv)_PUBLIC.csv, and the PCN, "
    "CCG / ICS and national files of the same year)"
)

RESULTS_TABLES = ("staged.gpps_results", "staged.gpps_organisations", "staged.gpps_response_rates")


def _results_layout(generation: str, description: str) -> Layout:
    """A published-results layout: every header generation loads the same way, told apart by its header."""
    return Layout(
        name=generation,
        source="gpps",
        description=description,
        tables=RESULTS_TABLES,
        load=load_results,
        sniff=_sniff_generation(generation),
    )


RESULTS_2024_ON = _results_layout(
    G.GEN_C,
    f"{GPPS_TITLE}: 2024+ new series, ad_practicecode / ad_icscode … identifiers, <stem>_<k>.count, .pct, "
    ".pcteval, .basefulluw/.baseevaluw, .basefullw/.baseevalw, .lowileval/.hiwileval.",
)
RESULTS_2022_2023 = _results_layout(
    G.GEN_B,
    f"{GPPS_TITLE}: 2022-2023, practice_code, pcn_code, ics_code … identifiers, qN_k counts, qN_kpct, qNbase, "
    "qN_<codes>base, qNci_lower_wil/upper_wil.",
)
RESULTS_2017_2021 = _results_layout(
    G.GEN_A,
    f"{GPPS_TITLE}: 2017-2021, Practice_Code, CCG_Code (+2021 STP / CR) identifiers, qN_k counts, qN_kpct, "
    "qN_12pct summaries, qNbase, qN_<codes>base.",
)
RESULTS_LAYOUTS: tuple[Layout, ...] = (RESULTS_2024_ON, RESULTS_2022_2023, RESULTS_2017_2021)
