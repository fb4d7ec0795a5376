"""Publishing: copy the analyst-facing schemas into a separate read-only DuckDB file, atomically.

Analysts and BI tools open the published file, never the working store, so a refresh never waits for
them and they never see a half-written state. The copy is written to a temporary file in a format older
DuckDB clients (DBeaver, ODBC, R) can open, then swapped in with ``os.replace``: a reader holding the old
file keeps its snapshot until it reconnects. ``raw``, ``staged`` and ``quarantine`` are never copied.
Each table and column is documented in the copy from its contract (``schemas/tables``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.sql import quote_literal
from schemas.contracts import comment_statements, contract

PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "ref")
STORAGE_COMPATIBILITY = "v1.4.0"
# The ICB reports' file names (pipelines.report.render.report_filename): one page per published ICB.
ICB_REPORT_FILES = "inequalities_*.html"
# Reference tables that are internal bookkeeping, not useful to analysts.
NOT_PUBLISHED = {"ref.area_deprivation"}


@dataclass(frozen=True)
class PublishedTable:
    name: str
    rows: int
    parquet: Path | None


def published_tables(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> list[tuple[str, str, str | None]]:
    """(schema, table, comment) of every table that leaves the warehouse."""
    rows = con.execute(
        f"""SELECT schema_name, table_name, comment FROM duckdb_tables()
            WHERE database_name = current_database() AND schema_name IN ({", ".join(quote_literal(s) for s in schemas)})
            ORDER BY 1, 2"""
    ).fetchall()
    return [r for r in rows if f"{r[0]}.{r[1]}" not in NOT_PUBLISHED]


def publish_store(
    working: Path,
    published: Path,
    parquet_dir: Path | None = None,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    memory_limit: str | None = None,
) -> list[PublishedTable]:
    """Copy ``schemas`` of ``working`` into ``published`` (atomic swap) and optionally Parquet per table."""
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".tmp")
    for stale in (tmp, Path(str(tmp) + ".wal")):
        stale.unlink(missing_ok=True)
    out: list[PublishedTable] = []
    with duckdb.connect(str(working), config={"memory_limit": memory_limit} if memory_limit else {}) as con:
        tables = published_tables(con, schemas)
        con.execute(f"ATTACH {quote_literal(str(tmp))} AS snap (STORAGE_VERSION '{STORAGE_COMPATIBILITY}')")
        try:
            for schema in schemas:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS snap.{schema}")
            for schema, table, _ in tables:
                con.execute(f"CREATE TABLE snap.{schema}.{table} AS SELECT * FROM {schema}.{table}")
                present = {
                    row[0]
                    for row in con.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                        "AND schema_name = ? AND table_name = ?",
                        [schema, table],
                    ).fetchall()
                }
                for statement in comment_statements(
                    contract(f"{schema}.{table}"), f"snap.{schema}.{table}", present
                ):
                    con.execute(statement)
                rows = int(con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0])
                parquet = None
                if parquet_dir is not None:
                    parquet_dir.mkdir(parents=True, exist_ok=True)
                    parquet = parquet_dir / f"{schema}.{table}.parquet"
                    tmp_parquet = parquet.with_name(parquet.name + ".tmp")
                    con.execute(
                        f"COPY {schema}.{table} TO {quote_literal(str(tmp_parquet))} (FORMAT parquet)"
                    )
                    os.replace(tmp_parquet, parquet)
                out.append(PublishedTable(f"{schema}.{table}", rows, parquet))
            con.execute("CHECKPOINT snap")
        finally:
            con.execute("DETACH snap")
    if parquet_dir is not None:
        # A table no longer published (its rows all withdrawn, or dropped) must not live on as Parquet.
        patterns = [f"{schema}.*.parquet" for schema in schemas]
        remove_stale_files(parquet_dir, patterns, keep=[t.parquet for t in out if t.parquet is not None])
    # A WAL left by a crashed writer of the published file would be replayed onto the new file: remove it.
    Path(str(published) + ".wal").unlink(missing_ok=True)
    os.replace(tmp, published)
    return out


def remove_stale_files(folder: Path, patterns: Sequence[str], keep: Iterable[Path]) -> list[Path]:
    """Delete files in ``folder`` matching ``patterns`` that a publish did not write; return them.

    Published outputs written one file per table or per area (Parquet, ICB reports) would otherwise keep
    a table or area that is no longer published readable after a withdrawal.
    """
    kept = {Path(p).resolve() for p in keep}
    stale = sorted(
        {p for pattern in patterns for p in folder.glob(pattern) if p.is_file() and p.resolve() not in kept}
    )
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
