"""The published store: marts and reference copied to a read-only DuckDB file and Parquet, atomically."""

import dagster as dg
import duckdb

from pipelines.core.fingerprint import inputs_fingerprint, is_current, record_build
from pipelines.lib.metadata import markdown_table
from pipelines.lib.resources import ChorusResource
from pipelines.marts import MART_TABLES
from pipelines.publish.published_store import (
    STORAGE_COMPATIBILITY,
    PublishedTable,
    publish_store,
    published_tables,
)


@dg.asset(
    key=["published_store"],
    group_name="publish",
    description=(
        "Copies `marts` and `ref` (never `raw`, `staged` or `quarantine`) into CHORUS_PUBLISHED through a "
        f"temporary file written for DuckDB clients from {STORAGE_COMPATIBILITY} on, then an atomic replace; "
        "also one Parquet file per table. Analysts open this file read-only; a refresh never waits for them."
    ),
    kinds={"duckdb", "parquet"},
    deps=[dg.AssetKey(["marts", name]) for name in MART_TABLES],
    pool="duckdb_writer",
)
def published_store(context: dg.AssetExecutionContext, chorus: ChorusResource) -> dg.MaterializeResult:
    settings = chorus.settings()
    with chorus.connect() as con:  # also creates the working store and its schemas on a first run
        fingerprint = inputs_fingerprint(con)
        unchanged = settings.published.exists() and is_current(con, "published_store", fingerprint)
    if unchanged:
        context.log.info(f"{settings.published}: inputs unchanged since the last publish; left as it is")
        with duckdb.connect(str(settings.published), read_only=True) as published:
            tables = [
                PublishedTable(
                    f"{s}.{t}", int(published.execute(f"SELECT count(*) FROM {s}.{t}").fetchall()[0][0]), None
                )
                for s, t, _ in published_tables(published)
            ]
    else:
        tables = publish_store(
            settings.warehouse, settings.published, settings.parquet_path, memory_limit=settings.memory_limit
        )
        with chorus.connect() as con:
            record_build(con, "published_store", fingerprint)
        context.log.info(f"published {len(tables)} tables to {settings.published}")
    with duckdb.connect(str(settings.published), read_only=True) as con:
        size = con.execute("SELECT sum(estimated_size) FROM duckdb_tables()").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.published)),
            "parquet_folder": dg.MetadataValue.path(str(settings.parquet_path)),
            "tables": len(tables),
            "republished": not unchanged,
            "dagster/row_count": sum(t.rows for t in tables),
            "estimated_rows_in_file": int(size or 0),
            "contents": dg.MetadataValue.md(
                markdown_table(["table", "rows"], [(t.name, t.rows) for t in tables])
            ),
        }
    )
