"""SQL asset checks: a query that returns the offending rows; none means the check passed."""

import dagster as dg

from pipelines.asset_metadata import markdown_table
from pipelines.chorus_resource import ChorusResource


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

    @dg.asset_check(asset=key, name=name, description=description, blocking=blocking)
    def _check(chorus: ChorusResource) -> dg.AssetCheckResult:
        with chorus.connect() as con:
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
