"""SQL asset checks: a query that returns the offending rows; none means the check passed.

One writer: a check is a step of its own, so it takes the ``duckdb_writer`` pool slot like the assets
(DuckDB lets no other process in while anyone, reader or writer, holds the file) and reads through a
read-only connection, so it can never write.
"""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from pipelines.core.sql import sql_file
from pipelines.lib.metadata import markdown_table
from pipelines.lib.resources import ChorusResource

# The pool every step that opens the working store takes a slot of (dagster.yaml: one slot).
WRITER_POOL = "duckdb_writer"


def sql_row_check(
    *,
    asset: str,
    name: str,
    description: str,
    failing_rows_sql: str,
    blocking: bool = False,
    sample: int = 10,
) -> dg.AssetChecksDefinition:
    """A check on ``schema.table`` that fails when ``failing_rows_sql`` returns any row.

    The result says how many rows broke the rule and shows the first ``sample`` of them.
    """
    key = dg.AssetKey(asset.split("."))

    @dg.asset_check(asset=key, name=name, description=description, blocking=blocking, pool=WRITER_POOL)
    def _check(chorus: ChorusResource) -> dg.AssetCheckResult:
        with chorus.connect(read_only=True) as con:
            result = con.execute(f"SELECT * FROM ({failing_rows_sql}) LIMIT {sample}")
            columns = [d[0] for d in result.description]
            rows = result.fetchall()
            total = (
                int(con.execute(f"SELECT count(*) FROM ({failing_rows_sql})").fetchone()[0]) if rows else 0
            )
        metadata: dict[str, object] = {"failing_rows": total}
        if rows:
            metadata["examples"] = dg.MetadataValue.md(markdown_table(columns, rows))
        return dg.AssetCheckResult(
            passed=total == 0,
            metadata=metadata,
            description=f"{description}: {'passed' if total == 0 else f'{total} row(s) break it'}",
        )

    return _check


def unique_key_check(
    *,
    asset: str,
    name: str,
    description: str,
    key: Sequence[str],
    table: str | None = None,
    where: str | None = None,
    show_files: bool = False,
    blocking: bool = True,
) -> dg.AssetChecksDefinition:
    """A check that ``key`` identifies one row of ``table`` (default: the asset's table).

    Failing rows are the duplicated keys with how often they occur (and, with ``show_files``, the files
    they came from), so the check's metadata says exactly which keys collide and where.
    """
    return sql_row_check(
        asset=asset,
        name=name,
        description=description,
        failing_rows_sql=duplicated_keys_sql(table or asset, key, where, show_files),
        blocking=blocking,
    )


def duplicated_keys_sql(
    table: str, key: Sequence[str], where: str | None = None, show_files: bool = False
) -> str:
    """SQL returning each ``key`` value held by more than one row of ``table``, with how many (``n``)."""
    columns = ", ".join(key)
    condition = f" WHERE {where}" if where else ""
    duplicated = f"SELECT {columns}, count(*) AS n FROM {table}{condition} GROUP BY {columns} HAVING n > 1"
    if not show_files:
        return duplicated
    # Files are gathered for the duplicated keys only: aggregating them for every key cost 20 s on 2.7 M rows.
    same_key = " AND ".join(f"t.{column} IS NOT DISTINCT FROM d.{column}" for column in key)
    return (
        f"WITH d AS ({duplicated}) SELECT {', '.join(f'd.{column}' for column in key)}, any_value(d.n) AS n, "
        f"string_agg(DISTINCT t.source_file, ', ' ORDER BY t.source_file) AS files "
        f"FROM (SELECT * FROM {table}{condition}) t JOIN d ON {same_key} GROUP BY ALL"
    )


def comment_with_text_check(
    *,
    asset: str,
    name: str,
    description: str,
    record_id: str,
    comment_id: str = "comment_id",
    table: str | None = None,
    where: str | None = None,
) -> dg.AssetChecksDefinition:
    """A blocking check that every record of ``table`` (default: the asset's table) has exactly one
    ``staged.comments`` row (matched on ``comment_id``) and, through its ``text_ref``, exactly one
    ``raw.comment_text`` row: free text is never lost between a source and the shared comments table.

    Failing rows are the record ids with how many comment and text rows each has.
    """
    condition = f" WHERE {where}" if where else ""
    return sql_row_check(
        asset=asset,
        name=name,
        description=description,
        failing_rows_sql=sql_file(
            Path(__file__).with_name("comments_without_text.sql"),
            table=table or asset,
            record_id=record_id,
            comment_id=comment_id,
            condition=condition,
        ),
        blocking=True,
    )
