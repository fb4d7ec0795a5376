"""FFT assets: NHS England's monthly workbooks and comment-level exports (docs/DESIGN.md section 4)."""

import dagster as dg

from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.sources.fft.common import ensure_fft_tables

GROUP = "fft"


@dg.asset(
    key=["staged", "fft_aggregate_scores"],
    group_name=GROUP,
    deps=[dg.AssetKey(["staged", "fft_scores"])],
    kinds={"duckdb", "sql"},
    pool="duckdb_writer",
    description="England / England (including and excluding independent providers) / ICB / 'Selection' rows of "
    "the FFT workbooks, kept apart from organisations so nobody sums them twice. Written by staged.fft_scores.",
)
def fft_aggregate_scores(chorus: ChorusResource) -> dg.MaterializeResult:
    """Report the aggregate rows the workbook load wrote (the table is filled file by file upstream)."""
    with chorus.connect() as con:
        ensure_fft_tables(con)
        metadata = table_metadata(
            con, "staged.fft_aggregate_scores", order_by="setting, period, aggregate_level"
        )
        levels = con.execute(
            "SELECT aggregate_level, count(*) FROM staged.fft_aggregate_scores GROUP BY 1 ORDER BY 1"
        ).fetchall()
    metadata["rows_per_level"] = dg.MetadataValue.json({level: n for level, n in levels})
    return dg.MaterializeResult(metadata=metadata)
