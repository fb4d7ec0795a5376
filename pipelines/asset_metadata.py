"""Metadata that makes an asset readable in the Dagster UI: row counts, previews, column schemas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg
import duckdb

from pipelines.store import table_exists


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; cells are stringified and pipes escaped."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value).replace("|", "/").replace("\n", " ")[:80]

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def query_markdown(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> str:
    """Run a query and render its result as a Markdown table."""
    result = con.execute(sql, params or [])
    columns = [d[0] for d in result.description]
    return markdown_table(columns, result.fetchall())


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, preview_rows: int = 10, order_by: str | None = None
) -> dict[str, Any]:
    """Row count, column schema and a preview of ``schema.table`` for an asset's metadata."""
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
    return {
        "table": dg.MetadataValue.text(table),
        "dagster/row_count": count,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=c, type=t, description=d) for c, t, d in columns]
        ),
        "preview": dg.MetadataValue.md(preview),
    }
