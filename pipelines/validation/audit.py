"""The write-audit-publish audit: run each written table's suite on the file's new rows.

``ingest_file`` calls ``audit`` inside the file's transaction, after the load: the new rows are visible,
filtered by ``source_file``. A failed expectation fails the file (the transaction rolls back and the
previous good version stays); ``record_audit`` then stores the outcomes, pass or fail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import duckdb

from pipelines.core.store import table_exists
from pipelines.ingest.detect import Layout
from pipelines.ingest.files import LandingFile
from pipelines.ingest.loop import Audit, AuditRecorder, AuditResult
from pipelines.sources.registry import suite_for
from pipelines.validation.expectations import Outcome, TableSuite
from pipelines.validation.results import outcome_record, replace_results


class SuiteRunner(Protocol):
    """Anything that runs a suite on one file's rows (the GX resource, or SQL only in tests)."""

    def run_suite(
        self,
        con: duckdb.DuckDBPyConnection,
        suite: TableSuite,
        source_file: str,
        proven: set[str] | None = None,
    ) -> list[Outcome]: ...


class SqlRunner:
    """Runs suites in SQL only: the same outcomes without Great Expectations (fast plain-library use)."""

    def run_suite(
        self,
        con: duckdb.DuckDBPyConnection,
        suite: TableSuite,
        source_file: str,
        proven: set[str] | None = None,
    ) -> list[Outcome]:
        from pipelines.validation.runner import run_suite

        return run_suite(con, suite, source_file, None)


def build_audit(runner: SuiteRunner, proven: set[str] | None = None) -> tuple[Audit, AuditRecorder]:
    """An ``audit`` / ``record_audit`` pair for ``ingest_source`` that runs the registered suites.

    The pair keeps the suites GX has validated in this pass (``proven``, a new set unless one is shared
    with ``together.build_audit_many``): each suite's first batch goes through GX, later small batches
    through the SQL engine (``runner.choose_engine``).
    """
    proven = set() if proven is None else proven

    def audit(con: duckdb.DuckDBPyConnection, landing_file: LandingFile, layout: Layout) -> AuditResult:
        records: list[dict] = []
        failures: list[str] = []
        at = datetime.now()
        for table in layout.tables:
            # Suites are looked up by table name at run time: a table with no suite, or not created yet,
            # is simply not validated.
            suite = suite_for(table)
            if suite is None or not table_exists(con, table):
                continue
            for outcome in runner.run_suite(con, suite, landing_file.rel_path, proven=proven):
                records.append(
                    outcome_record(
                        outcome,
                        source=landing_file.source,
                        source_file=landing_file.rel_path,
                        sha256=landing_file.sha256,
                        layout=layout.name,
                        table=table,
                        at=at,
                    )
                )
                if not outcome.success:
                    failures.append(f"{table} {outcome.sentence()}")
        if not records:
            return AuditResult(passed=True, summary="no suite registered", records=[])
        summary = (
            f"{len(failures)} expectation(s) failed: "
            + "; ".join(failures[:5])
            + ("; ..." if len(failures) > 5 else "")
            if failures
            else f"{len(records)} expectation(s) passed"
        )
        return AuditResult(passed=not failures, summary=summary, records=records)

    def record_audit(
        con: duckdb.DuckDBPyConnection, landing_file: LandingFile, layout: Layout, result: AuditResult
    ) -> None:
        replace_results(con, landing_file.rel_path, result.records, published=result.passed)

    return audit, record_audit
