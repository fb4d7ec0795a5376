"""Run a ``TableSuite`` on one landing file's rows: catalogue checks, then GX on a frame or SQL.

1. Required columns and types are read from DuckDB's catalogue (authoritative; a frame's dtypes are not,
   and an all-NULL VARCHAR column has no string dtype at all). A missing column stops the suite there.
2. The same expectations then run on one of two engines that give the same outcomes (``tests/validation``
   runs every suite through both and compares them, outcome by outcome):

   - ``gx``: only the columns the suite needs are pulled as a pandas frame and Great Expectations
     validates it (its payloads carry counts and example values). Its GX objects are built once per
     process and suite (``gx_engine``), so a run costs ~tens of milliseconds plus the frame.
   - ``sql``: the expectations are computed in DuckDB, all failing-row counts in ONE aggregate query over
     the file's rows (the needed columns, materialised once), example values only for expectations that
     failed. A tiny file's suite takes a few milliseconds.

   **Which engine runs** (``choose_engine``; the engine is stored with every outcome in
   ``meta.validation_results.engine`` and shown in the ``suite_passed`` check metadata):

   - no frame validator (``GreatExpectationsResource(enabled=False)``, ``SqlRunner``): ``sql``;
   - more rows than ``suite.frame_limit`` (200,000): ``sql``, so a national GPPS file is never dragged
     through pandas;
   - ``gx_min_rows`` rows or more (the resource's default is 2,000): ``gx`` - meaningful batches keep
     GX's payloads;
   - a smaller batch: ``gx`` if GX has not yet validated this suite in this ingest pass (``proven``: one
     set per ``audit.build_audit``, i.e. per asset execution; the process-wide set otherwise), so each
     suite's first batch in every run goes through GX - the integration is exercised on every suite,
     every run, and its SQL translation proven against it - and ``sql`` afterwards: GX's fixed cost per
     validation (metric graph, pandas) would dwarf a tiny file's own work (500 one-page reports took
     minutes).

   ``gx_min_rows=0`` (the ``run_suite`` default) means GX whenever a validator is given and the batch is
   within ``frame_limit``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import duckdb
import pandas as pd

from pipelines.core.sql import quote_identifier, quote_literal
from pipelines.validation.expectations import Expect, Outcome, TableSuite

FrameValidator = Callable[[str, pd.DataFrame, Sequence[Expect]], list[Outcome]]


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of ``schema.table`` ({} when it does not exist)."""
    schema, name = table.split(".", 1)
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {c: t for c, t in rows}


def catalogue_outcomes(suite: TableSuite, actual: dict[str, str]) -> list[Outcome]:
    """Required columns exist and have their declared DuckDB type (``DECIMAL`` matches any precision)."""
    outcomes = []
    for column, wanted in suite.columns.items():
        if column not in actual:
            outcomes.append(
                Outcome("expect_column_to_exist", column, False, observed="missing", engine="catalogue")
            )
            continue
        got = actual[column]
        ok = got == wanted or (wanted == "DECIMAL" and got.startswith("DECIMAL"))
        outcomes.append(Outcome("expect_column_type", column, ok, observed=got, engine="catalogue"))
    return outcomes


def _failing_predicate(e: Expect) -> str | None:
    """SQL that is true for a row breaking a per-row expectation (GX semantics: NULLs pass most rules)."""
    k = e.kwargs
    if e.type == "expect_column_values_to_not_be_null":
        return f"{quote_identifier(k['column'])} IS NULL"
    if e.type == "expect_column_values_to_be_in_set":
        values = ", ".join(quote_literal(v) for v in k["value_set"]) or "NULL"
        return f"{quote_identifier(k['column'])} IS NOT NULL AND {quote_identifier(k['column'])} NOT IN ({values})"
    if e.type == "expect_column_values_to_be_between":
        parts = []
        if k.get("min_value") is not None:
            parts.append(f"{quote_identifier(k['column'])} < {quote_literal(k['min_value'])}")
        if k.get("max_value") is not None:
            parts.append(f"{quote_identifier(k['column'])} > {quote_literal(k['max_value'])}")
        return " OR ".join(parts) or "FALSE"
    if e.type == "expect_column_values_to_match_regex":
        # GX uses re.search: a partial match passes, as regexp_matches does.
        return f"{quote_identifier(k['column'])} IS NOT NULL AND NOT regexp_matches(CAST({quote_identifier(k['column'])} AS VARCHAR), {quote_literal(k['regex'])})"
    if e.type == "expect_column_pair_values_a_to_be_greater_than_b":
        op = ">=" if k.get("or_equal") else ">"
        a, b = quote_identifier(k["column_A"]), quote_identifier(k["column_B"])
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({a} {op} {b})"
    if e.type == "expect_column_pair_values_to_be_equal":
        a, b = quote_identifier(k["column_A"]), quote_identifier(k["column_B"])
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND {a} <> {b}"
    return None


UNIQUENESS = frozenset({"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"})


def _failing_rows(e: Expect, rows: str, unique_within: str | None = None) -> tuple[str, str | None]:
    """(SELECT of the failing rows of ``rows`` as ``v`` (shown value) and ``n`` (> 1 counts), per-row predicate).

    The predicate is set for per-row rules (counted in the one aggregate scan); uniqueness rules are
    counted from their window query, within each value of the column ``unique_within`` when given.
    """
    k = e.kwargs
    if e.type in UNIQUENESS:
        cols = [k["column"]] if "column" in k else list(k["column_list"])
        key = ", ".join(quote_identifier(c) for c in ([unique_within] if unique_within else []) + cols)
        shown = (
            quote_identifier(cols[0])
            if len(cols) == 1
            else "'(' || concat_ws(', ', "
            + ", ".join(f"CAST({quote_identifier(c)} AS VARCHAR)" for c in cols)
            + ") || ')'"
        )
        not_null = " AND ".join(f"{quote_identifier(c)} IS NOT NULL" for c in cols)
        return (
            f"SELECT {shown} AS v, count(*) OVER (PARTITION BY {key}) AS n FROM {rows} WHERE {not_null}",
            None,
        )
    predicate = _failing_predicate(e)
    if e.type in {
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
    }:
        shown = f"'(' || CAST({quote_identifier(k['column_A'])} AS VARCHAR) || ', ' || CAST({quote_identifier(k['column_B'])} AS VARCHAR) || ')'"
    else:
        shown = f"CAST({quote_identifier(k['column'])} AS VARCHAR)"
    return f"SELECT {shown} AS v, 2 AS n FROM {rows} WHERE {predicate}", predicate


def sql_outcomes(
    con: duckdb.DuckDBPyConnection,
    rows_sql: str,
    params: list,
    expectations: Sequence[Expect],
    examples: int = 5,
    unique_within: str | None = None,
) -> list[Outcome]:
    """The same expectations as GX would run, computed by aggregate SQL over ``rows_sql``.

    ``rows_sql`` is materialised once; one query counts every expectation's failing rows (per-row rules
    as filtered counts in a single scan, uniqueness as window subqueries); example values are fetched only
    for the expectations that failed. ``unique_within``: a column of ``rows_sql`` (the file, when several
    files are validated at once) within each value of which uniqueness is counted.
    """
    if not expectations:
        return []
    cte = f"WITH _rows AS MATERIALIZED ({rows_sql})"
    failing: list[str | None] = []
    scan: list[str] = ["count(*) AS _n"]
    subqueries: list[str] = []
    for i, e in enumerate(expectations):
        if e.type == "expect_table_row_count_to_be_between":
            failing.append(None)
            continue
        select, predicate = _failing_rows(e, "_rows", unique_within)
        failing.append(select)
        if predicate is not None:
            scan.append(f"count(*) FILTER (WHERE {predicate}) AS _c{i}")
        else:
            subqueries.append(f"(SELECT count(*) FROM ({select}) WHERE n > 1) AS _c{i}")
    query = f"{cte}, _scan AS ({'SELECT ' + ', '.join(scan) + ' FROM _rows'}) SELECT * FROM _scan"
    if subqueries:
        query += " CROSS JOIN (SELECT " + ", ".join(subqueries) + ")"
    cursor = con.execute(query, params)
    names = [d[0] for d in cursor.description]
    counts = dict(zip(names, cursor.fetchone(), strict=True))
    n = int(counts["_n"])
    outcomes = []
    for i, e in enumerate(expectations):
        k = e.kwargs
        if e.type == "expect_table_row_count_to_be_between":
            ok = (k.get("min_value") is None or n >= k["min_value"]) and (
                k.get("max_value") is None or n <= k["max_value"]
            )
            outcomes.append(Outcome(e.type, "", ok, observed=str(n), engine="sql"))
            continue
        count = int(counts[f"_c{i}"])
        sample: list = []
        if count:
            sample = con.execute(
                f"{cte} SELECT coalesce(v, 'NULL'), count(*) AS c FROM ({failing[i]}) WHERE n > 1 "
                f"GROUP BY 1 ORDER BY c DESC, 1 LIMIT {int(examples)}",
                params,
            ).fetchall()
        outcomes.append(
            Outcome(
                e.type,
                e.label,
                count == 0,
                unexpected_count=count,
                examples=[str(v) for v, _ in sample],
                engine="sql",
            )
        )
    return outcomes


ENGINE_RULE = (
    "GX (Great Expectations) validates batches of at least gx_min_rows rows (default 2,000) and each "
    "suite's first batch in each asset run; smaller batches after that, and batches over the suite's "
    "frame_limit, run the same expectations in DuckDB SQL (identical outcomes)."
)

# Suites GX has validated in this process, for callers that keep no ``proven`` set of their own.
_PROVEN_BY_GX: set[str] = set()


def choose_engine(
    suite: TableSuite, rows: int, gx_available: bool, gx_min_rows: int = 0, proven: Collection[str] = ()
) -> str:
    """``gx`` or ``sql`` for a batch of ``rows`` rows of ``suite`` (the rule is in the module docstring)."""
    if not gx_available or rows > suite.frame_limit:
        return "sql"
    if rows >= gx_min_rows or suite.table not in proven:
        return "gx"
    return "sql"


def run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    source_file: str,
    frame_validator: FrameValidator | None,
    examples: int = 5,
    gx_min_rows: int = 0,
    proven: set[str] | None = None,
) -> list[Outcome]:
    """Validate the rows of ``suite.table`` that came from ``source_file``.

    ``frame_validator`` is Great Expectations (``gx_engine.validate_frame``); ``None`` means SQL only.
    ``gx_min_rows``: smaller batches run in SQL once GX has validated this suite (its table is in
    ``proven``; the process-wide set when ``None``).
    """
    actual = table_columns(con, suite.table)
    outcomes = catalogue_outcomes(suite, actual)
    missing = [c for c in suite.needed_columns() if c not in actual]
    if missing:
        # The expectations cannot run on columns the table lacks; the catalogue outcomes already say so.
        outcomes += [
            Outcome("expect_column_to_exist", c, False, observed="missing", engine="catalogue")
            for c in missing
            if c not in suite.columns
        ]
        return outcomes
    low, high = suite.row_range(con, source_file)
    expectations = [
        *suite.expectations,
        Expect("expect_table_row_count_to_be_between", {"min_value": low, "max_value": high}),
    ]
    columns = ", ".join(quote_identifier(c) for c in suite.needed_columns()) or "1 AS _row"
    rows_sql = f"SELECT {columns} FROM {suite.table} WHERE source_file = ?"
    n = int(
        con.execute(f"SELECT count(*) FROM {suite.table} WHERE source_file = ?", [source_file]).fetchone()[0]
    )
    proven = _PROVEN_BY_GX if proven is None else proven
    engine = choose_engine(suite, n, frame_validator is not None, gx_min_rows, proven)
    if engine == "sql":
        outcomes += sql_outcomes(con, rows_sql, [source_file], expectations, examples)
    else:
        frame = con.execute(rows_sql, [source_file]).df()
        outcomes += frame_validator(suite.table, frame, expectations)
    for derived in suite.derived:
        # Rules across rows or columns: the same engine on a relation computed from the file's rows.
        relation = derived.relation(suite.table)
        if engine == "sql":
            outcomes += sql_outcomes(con, relation, [source_file], derived.expectations, examples)
        else:
            frame = con.execute(relation, [source_file]).df()
            outcomes += frame_validator(f"{suite.table}__{derived.name}", frame, derived.expectations)
    if engine == "gx":
        proven.add(suite.table)
    return outcomes
