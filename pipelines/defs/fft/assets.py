"""FFT assets: NHS England's monthly workbooks and comment-level exports (DESIGN.md section 4)."""

import dagster as dg

from pipelines.asset_metadata import table_metadata
from pipelines.chorus_resource import ChorusResource
from pipelines.ingest_asset import source_ingest_asset
from pipelines.sources.fft import layouts as L

GROUP = "fft"
# Geography (trust → ICB, practice → sub-ICB / ICB) is joined at load time, so the reference loads first.
REFERENCE_DEPS = [dg.AssetKey(["ref", "nhs_trusts"]), dg.AssetKey(["ref", "practice_geography_versions"])]

fft_scores = source_ingest_asset(
    table="staged.fft_scores",
    source="fft",
    layouts=[L.FFT_WORKBOOK],
    source_layouts=L.FFT_LAYOUTS,
    description="FFT responses per organisation (trust, site, ward, practice), setting and month: total "
    "responses and eligible, % positive / negative as 0-1, the very good … don't know breakdown, collection "
    "modes, '*' read as suppressed. England, ICB and Selection rows go to staged.fft_aggregate_scores.",
    group=GROUP,
    kinds={"duckdb", "excel"},
    prepare=L.ensure_fft_tables,
    deps=REFERENCE_DEPS,
    preview_order="setting, period, level, organisation_code",
)

fft_comments = source_ingest_asset(
    table="staged.fft_comments",
    source="fft",
    layouts=list(L.FFT_COMMENT_LAYOUTS),
    source_layouts=L.FFT_LAYOUTS,
    description="FFT free-text comments, one per response, in the shared staged.comments table (this asset is "
    "its FFT view, with location levels): score as rating 1 very good … 5 very poor, question, date with "
    "day/month ambiguity recorded, demographics in the shared vocabulary; text in raw.comment_text.",
    group=GROUP,
    kinds={"duckdb", "csv"},
    prepare=L.ensure_fft_tables,
    deps=REFERENCE_DEPS,
    preview_order="comment_id",
)


@dg.asset(
    key=["staged", "fft_aggregate_scores"],
    group_name=GROUP,
    deps=[fft_scores.key],
    kinds={"duckdb", "sql"},
    pool="duckdb_writer",
    description="England / England (including and excluding independent providers) / ICB / 'Selection' rows of "
    "the FFT workbooks, kept apart from organisations so nobody sums them twice. Written by staged.fft_scores.",
)
def fft_aggregate_scores(chorus: ChorusResource) -> dg.MaterializeResult:
    """Report the aggregate rows the workbook load wrote (the table is filled file by file upstream)."""
    with chorus.connect() as con:
        L.ensure_fft_tables(con)
        metadata = table_metadata(
            con, "staged.fft_aggregate_scores", order_by="setting, period, aggregate_level"
        )
        levels = con.execute(
            "SELECT aggregate_level, count(*) FROM staged.fft_aggregate_scores GROUP BY 1 ORDER BY 1"
        ).fetchall()
    metadata["rows_per_level"] = dg.MetadataValue.json({level: n for level, n in levels})
    return dg.MaterializeResult(metadata=metadata)
