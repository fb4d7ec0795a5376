"""Metadata that makes an asset readable in the Dagster UI: row counts, previews, column schemas.

Previews and query results are data: they are rendered through :func:`pipelines.core.markdown.markdown_table`,
which escapes every cell, so nothing a landing file holds becomes live Markdown in the UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.markdown import markdown_table
from pipelines.core.store import table_exists
from schemas.contracts import all_contracts

__all__ = ["markdown_table", "query_markdown", "table_metadata"]


def query_markdown(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> str:
    """Run a query and render its result as a Markdown table."""
    result = con.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    return markdown_table(columns, result.fetchall())


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, preview_rows: int = 10, order_by: str | None = None
) -> dict[str, Any]:
    """Row count, column schema (descriptions from the table's contract) and a preview of ``schema.table``."""
    if not table_exists(con, table):
        return {"table": dg.MetadataValue.text(table), "dagster/row_count": 0}
    schema, name = table.split(".", 1)
    columns = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    count = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    order = f" ORDER BY {order_by}" if order_by else ""
    preview = query_markdown(con, f"SELECT * FROM {table}{order} LIMIT {int(preview_rows)}")
    described = all_contracts()[table].descriptions() if table in all_contracts() else {}
    return {
        "table": dg.MetadataValue.text(table),
        "dagster/row_count": count,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=c, type=t, description=described.get(c, d)) for c, t, d in columns]
        ),
        "preview": dg.MetadataValue.md(preview),
    }
