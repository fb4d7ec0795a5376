"""``meta.validation_results``: every expectation outcome of every file's latest validation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.core.sql import run_sql_file, sql_file
from pipelines.lib.metadata import markdown_table
from pipelines.validation.expectations import Outcome

RESULTS_TABLE_SQL = Path(__file__).with_name("validation_results_table.sql")

COLUMNS = (
    "source", "source_file", "file_sha256", "layout", "table_name", "expectation", "column_name",
    "observed_value", "unexpected_count", "examples", "success", "engine", "published", "validated_at",
)  # fmt: skip


def ensure_results_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``meta.validation_results`` if it is missing."""
    run_sql_file(con, RESULTS_TABLE_SQL)


def outcome_record(
    outcome: Outcome, *, source: str, source_file: str, sha256: str, layout: str, table: str, at: datetime
) -> dict:
    """One ``meta.validation_results`` row (``published`` is filled in when the file's fate is known)."""
    return {
        "source": source,
        "source_file": source_file,
        "file_sha256": sha256,
        "layout": layout,
        "table_name": table,
        "expectation": outcome.expectation,
        "column_name": outcome.column,
        "observed_value": outcome.observed,
        "unexpected_count": outcome.unexpected_count,
        "examples": json.dumps(outcome.examples),
        "success": outcome.success,
        "engine": outcome.engine,
        "published": None,
        "validated_at": at,
    }


def replace_results(
    con: duckdb.DuckDBPyConnection, source_file: str, records: Sequence[dict], published: bool
) -> None:
    """Replace a file's previous results with ``records`` (a file has one current validation)."""
    replace_results_many(con, {source_file: (records, published)})


def replace_results_many(
    con: duckdb.DuckDBPyConnection, by_file: dict[str, tuple[Sequence[dict], bool]]
) -> None:
    """Replace the previous results of each file with its (records, published): one ``DELETE`` and one
    ``INSERT ... SELECT`` from a frame registered for the purpose (``executemany`` cost ~4 ms a row),
    whatever the number of files."""
    ensure_results_table(con)
    if not by_file:
        return
    con.execute(
        "DELETE FROM meta.validation_results WHERE source_file IN (SELECT unnest(?::VARCHAR[]))",
        [list(by_file)],
    )
    records = [r | {"published": published} for rs, published in by_file.values() for r in rs]
    if not records:
        return
    frame = pd.DataFrame({c: pd.Series([r[c] for r in records], dtype=object) for c in COLUMNS})
    view = "_chorus_validation_records"
    con.register(view, frame)
    try:
        con.execute(
            f"INSERT INTO meta.validation_results ({', '.join(COLUMNS)}) "
            f"SELECT {', '.join(_cast(c) for c in COLUMNS)} FROM {view}"
        )
    finally:
        con.unregister(view)


_TYPES = {
    "unexpected_count": "BIGINT",
    "success": "BOOLEAN",
    "published": "BOOLEAN",
    "validated_at": "TIMESTAMP",
}


def _cast(column: str) -> str:
    return f"CAST({column} AS {_TYPES.get(column, 'VARCHAR')})"


def engine_summary(con: duckdb.DuckDBPyConnection, files: Sequence[str], tables: Sequence[str]) -> str:
    """Which engine produced the outcomes of ``files`` and ``tables``: 'gx: 3 files, 120 outcomes; ...'."""
    ensure_results_table(con)
    if not files or not tables:
        return ""
    rows = con.execute(
        f"""
        SELECT engine, count(DISTINCT source_file || '|' || table_name), count(*)
        FROM meta.validation_results
        WHERE source_file IN ({", ".join("?" for _ in files)}) AND table_name IN ({", ".join("?" for _ in tables)})
        GROUP BY 1 ORDER BY 1
        """,
        [*files, *tables],
    ).fetchall()
    return "; ".join(
        f"{engine}: {batches} file-table batch(es), {n} outcome(s)" for engine, batches, n in rows
    )


def results_markdown(
    con: duckdb.DuckDBPyConnection, files: Sequence[str], tables: Sequence[str], limit: int = 60
) -> str:
    """Markdown table of the latest outcomes for ``files`` and ``tables``: failures first, then passes."""
    ensure_results_table(con)
    if not files or not tables:
        return "_no validation results_"
    rows = con.execute(
        sql_file(Path(__file__).with_name("results_listing.sql")),
        {"source_files": list(files), "table_names": list(tables), "row_limit": int(limit) + 1},
    ).fetchall()
    if not rows:
        return "_no validation results_"
    text = markdown_table(
        ["file", "table", "expectation", "column", "observed", "unexpected", "examples", "result", "engine"],
        rows[:limit],
    )
    if len(rows) > limit:
        text += f"\n\n_first {limit} outcomes shown; all are in meta.validation_results_"
    return text
