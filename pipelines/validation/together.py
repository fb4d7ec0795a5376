"""Validate many files' new rows together: one suite run per table for a whole batch of files.

``ingest_files_together`` loads a batch of files (Healthwatch reports, FFT comment exports ...) in one
transaction; this audit runs each table's suite ONCE over all of the batch's rows instead of once per file
(per-file runs cost tens of milliseconds each, more than a small file's own load; a year of national FFT
comment exports is validated in SQL, over the engine rule's frame limit, instead of pulled through pandas
file by file). It is exact by construction:

- per-row expectations (not null, in set, between, regex, pairs) pass for the batch only if they pass
  for every file's rows;
- uniqueness is counted within each file, as each file alone would count it (the batch's rows carry their
  file; GX sees one frame, so for a batch of several files its uniqueness rules are counted in SQL);
- the row count is counted and judged per file against the suite's range for that file;
- derived rules (one report per file ...) are evaluated per file (a LATERAL join over the batch's files),
  in SQL: GX validates the suite's own expectations on the batch when the engine rule says so.

When everything passes, each file gets the outcomes it would have had alone (the same expectations, all
passed, its own row count). When anything fails - or the columns are not what the suite needs - the
answer is ``None`` and the caller validates the files one by one, so a failing file's message is exactly
the per-file one. The engine rule is ``runner.choose_engine`` applied to the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import duckdb

from pipelines.core.sql import quote_identifier
from pipelines.core.store import table_exists
from pipelines.ingest.detect import Layout
from pipelines.ingest.files import LandingFile
from pipelines.ingest.loop import AuditResult, ManyAudit, ManyAuditRecorder
from pipelines.sources.registry import suite_for
from pipelines.validation.audit import SuiteRunner
from pipelines.validation.expectations import Expect, Outcome, TableSuite
from pipelines.validation.results import outcome_record, replace_results_many
from pipelines.validation.runner import (
    UNIQUENESS,
    catalogue_outcomes,
    choose_engine,
    sql_outcomes,
    table_columns,
)

ROW_COUNT = "expect_table_row_count_to_be_between"
FILES = "_audit_files"  # temp table: the batch's source files
BY_FILE = "_audit_file"  # the column naming each of the batch's rows' file, for uniqueness within a file


def _suite_outcomes(
    con: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    paths: Sequence[str],
    runner: SuiteRunner,
    proven: set[str],
) -> dict[str, list[Outcome]] | None:
    """Each file's outcomes for ``suite`` if every file passes, else ``None``."""
    frame_validator = runner.validate_frame if getattr(runner, "enabled", False) else None
    if getattr(runner, "frame_limit", None) is not None:
        suite = replace(suite, frame_limit=runner.frame_limit)
    actual = table_columns(con, suite.table)
    catalogue = catalogue_outcomes(suite, actual)
    if not all(o.success for o in catalogue) or any(c not in actual for c in suite.needed_columns()):
        return None
    counts = dict(
        con.execute(
            f"SELECT source_file, count(*) FROM {suite.table} WHERE source_file IN (SELECT source_file FROM {FILES}) GROUP BY 1"
        ).fetchall()
    )
    sizes: dict[str, int] = {}
    for path in paths:
        low, high = suite.row_range(con, path)
        n = int(counts.get(path, 0))
        if (low is not None and n < low) or (high is not None and n > high):
            return None
        sizes[path] = n
    engine = choose_engine(
        suite, sum(sizes.values()), frame_validator is not None, getattr(runner, "gx_min_rows", 0), proven
    )
    columns = ", ".join(quote_identifier(c) for c in suite.needed_columns()) or "1 AS _row"
    batch = f"FROM {suite.table} WHERE source_file IN (SELECT source_file FROM {FILES})"
    rows_sql = f"SELECT {columns} {batch}"
    by_file_sql = f"SELECT {columns}, source_file AS {BY_FILE} {batch}"
    # The row-count rule rides along (unbounded) so GX reuses the suite's cached definition; each file's
    # own count is judged above and reported below.
    expectations = [*suite.expectations, Expect(ROW_COUNT, {"min_value": 0, "max_value": None})]
    examples = getattr(runner, "examples", 5)
    if engine == "sql":
        shared = sql_outcomes(con, by_file_sql, [], expectations, examples, unique_within=BY_FILE)
    else:
        # GX would count a key repeated in two files as a repeat: with several files, their uniqueness
        # rules are counted per file in SQL (a suite of its own name, so GX's cached one still fits).
        per_file = (
            {i for i, e in enumerate(expectations) if e.type in UNIQUENESS} if len(sizes) > 1 else set()
        )
        name = f"{suite.table}__files_together" if per_file else suite.table
        frame = con.execute(rows_sql).df()
        by_gx = iter(
            frame_validator(name, frame, [e for i, e in enumerate(expectations) if i not in per_file])
        )
        by_sql = iter(
            sql_outcomes(con, by_file_sql, [], [expectations[i] for i in sorted(per_file)], examples, BY_FILE)
        )
        shared = [next(by_sql) if i in per_file else next(by_gx) for i in range(len(expectations))]
    shared = shared[:-1]
    for derived in suite.derived:
        relation = (
            f"SELECT d.* FROM {FILES} f, LATERAL (WITH rows AS (SELECT * FROM {suite.table} "
            f"WHERE source_file = f.source_file) SELECT * FROM ({derived.sql})) d"
        )
        # Always SQL: a derived rule's relation is a handful of rows per file (one per report ...), and GX's
        # fixed cost per validation would be most of a batch's audit; the suite's own expectations above
        # still go through GX when the engine rule says so (tests/validation proves the engines agree).
        derived_outcomes = sql_outcomes(con, relation, [], derived.expectations, examples)
        shared += derived_outcomes
    if not all(o.success for o in shared):
        return None
    if engine == "gx":
        proven.add(suite.table)
    row_at = len(suite.expectations)  # per-file order: expectations, row count, derived rules
    return {
        path: [*catalogue, *shared[:row_at], Outcome(ROW_COUNT, "", True, observed=str(n), engine=engine),
               *shared[row_at:]]
        for path, n in sizes.items()
    }  # fmt: skip


def build_audit_many(runner: SuiteRunner, proven: set[str]) -> tuple[ManyAudit, ManyAuditRecorder]:
    """An ``audit_many`` / ``record_audit_many`` pair for ``ingest_source``; share ``proven`` with the
    per-file pair from ``audit.build_audit`` so GX proves each suite once per pass either way."""

    def audit_many(
        con: duckdb.DuckDBPyConnection, files: Sequence[tuple[LandingFile, Layout]]
    ) -> dict[str, AuditResult] | None:
        at = datetime.now()
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {FILES} AS SELECT unnest(?::VARCHAR[]) AS source_file",
            [[f.rel_path for f, _ in files]],
        )
        records: dict[str, list[dict]] = {f.rel_path: [] for f, _ in files}
        by_path = {f.rel_path: (f, layout) for f, layout in files}
        for table in dict.fromkeys(t for _, layout in files for t in layout.tables):
            suite = suite_for(table)
            if suite is None or not table_exists(con, table):
                continue
            if any(table not in layout.tables for _, layout in files):
                return None  # files of layouts writing different tables: validated one by one
            outcomes = _suite_outcomes(con, suite, list(records), runner, proven)
            if outcomes is None:
                return None
            for path, file_outcomes in outcomes.items():
                f, layout = by_path[path]
                records[path] += [
                    outcome_record(o, source=f.source, source_file=path, sha256=f.sha256, layout=layout.name,
                                   table=table, at=at)
                    for o in file_outcomes
                ]  # fmt: skip
        return {
            path: AuditResult(passed=True, summary=f"{len(rs)} expectation(s) passed", records=rs)
            if rs
            else AuditResult(passed=True, summary="no suite registered", records=[])
            for path, rs in records.items()
        }

    def record_audit_many(
        con: duckdb.DuckDBPyConnection, results: Sequence[tuple[LandingFile, Layout, AuditResult]]
    ) -> None:
        replace_results_many(con, {f.rel_path: (r.records, r.passed) for f, _, r in results})

    return audit_many, record_audit_many
