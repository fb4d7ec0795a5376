"""Publishing: copy the analyst-facing schemas into a separate read-only DuckDB file, atomically.

Analysts and BI tools open the published file, never the working store, so a refresh never waits for
them and they never see a half-written state. The copy is written to a temporary file in a format older
DuckDB clients (DBeaver, ODBC, R) can open, then swapped in with ``os.replace``: a reader holding the old
file keeps its snapshot until it reconnects. ``raw``, ``staged`` and ``quarantine`` are never copied.
Each table and column is documented in the copy from its contract (``schemas/tables``).
"""

from __future__ import annotations

import os
import shutil
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
    return published_tables_in(con, None, schemas)


def published_tables_in(
    con: duckdb.DuckDBPyConnection, database: str | None, schemas: tuple[str, ...] = PUBLISHED_SCHEMAS
) -> list[tuple[str, str, str | None]]:
    """(schema, table, comment) of the published tables in ``database`` (the connection's own by default)."""
    where = (
        "database_name = current_database()"
        if database is None
        else f"database_name = {quote_literal(database)}"
    )
    rows = con.execute(
        f"""SELECT schema_name, table_name, comment FROM duckdb_tables()
            WHERE {where} AND schema_name IN ({", ".join(quote_literal(s) for s in schemas)})
            ORDER BY 1, 2"""
    ).fetchall()
    return [r for r in rows if f"{r[0]}.{r[1]}" not in NOT_PUBLISHED]


def table_fingerprint(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> str:
    """What a copy of ``database.schema.table`` must match to be kept: its columns and types, its row count and
    the sum of its rows' hashes (a scan, far cheaper than writing the table again)."""
    columns = con.execute(
        "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ?",
        [database, schema, table],
    ).fetchone()[0]
    rows, content = con.execute(
        f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {database}.{schema}.{table} t"
    ).fetchone()
    return f"{columns}|{rows}|{content}"


def _previous_copy(published: Path, tmp: Path) -> bool:
    """Start ``tmp`` from the file published last (when it is a DuckDB file older clients can open), so only
    the tables that changed are written again; False when there is nothing usable to start from."""
    if not published.exists():
        return False
    try:
        with duckdb.connect() as con:
            con.execute(f"ATTACH {quote_literal(str(published))} AS old (READ_ONLY)")
            version = con.execute(
                "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'old'"
            ).fetchone()
    except duckdb.Error:
        return False
    if not version or not str(version[0]).startswith(STORAGE_COMPATIBILITY.split(".")[0] + "."):
        return False
    shutil.copyfile(published, tmp)
    return True


def publish_store(
    working: Path,
    published: Path,
    parquet_dir: Path | None = None,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    memory_limit: str | None = None,
) -> list[PublishedTable]:
    """Copy ``schemas`` of ``working`` into ``published`` (atomic swap) and optionally Parquet per table.

    The new file starts as a copy of the previous one; a table whose columns and rows are the same in both
    (``table_fingerprint``) is kept as it is, and its Parquet file too, so a refresh that changed one mart
    writes that mart again, not every table. Readers of the old file are not disturbed: it is replaced, never
    written in place.
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".tmp")
    for stale in (tmp, Path(str(tmp) + ".wal")):
        stale.unlink(missing_ok=True)
    started_from_previous = _previous_copy(published, tmp)
    out: list[PublishedTable] = []
    with duckdb.connect(str(working), config={"memory_limit": memory_limit} if memory_limit else {}) as con:
        tables = published_tables(con, schemas)
        storage = "" if started_from_previous else f" (STORAGE_VERSION '{STORAGE_COMPATIBILITY}')"
        con.execute(f"ATTACH {quote_literal(str(tmp))} AS snap{storage}")
        working_db = con.execute("SELECT current_database()").fetchone()[0]
        try:
            for schema in schemas:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS snap.{schema}")
            previous = {(s, t) for s, t, _ in published_tables_in(con, "snap", schemas)}
            wanted = {(schema, table) for schema, table, _ in tables}
            for schema, table in sorted(previous - wanted):  # withdrawn or no longer published
                con.execute(f"DROP TABLE snap.{schema}.{table}")
            for schema, table, _ in tables:
                kept = (schema, table) in previous and table_fingerprint(
                    con, "snap", schema, table
                ) == table_fingerprint(con, working_db, schema, table)
                if not kept:
                    con.execute(f"DROP TABLE IF EXISTS snap.{schema}.{table}")
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
                    if not (kept and parquet.exists()):
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
