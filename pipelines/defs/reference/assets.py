"""Reference tables derived from the loaded files (the ingest assets come from the source registry)."""

from collections.abc import Iterator

import dagster as dg

from pipelines.core.sql import run_sql_file
from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.sources.reference import readers as L
from pipelines.sources.shared.geography import persist_geography_macros

GROUP = "reference"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ref", "practice_deprivation"],
            deps=[dg.AssetKey(["ref", "area_deprivation"])],
            description="IMD 2019 score per practice with national deprivation quintile and decile by the PHE "
            "quantile method (1 = most deprived).",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
        ),
        dg.AssetSpec(
            ["ref", "practice_geography_versions"],
            deps=[dg.AssetKey(["ref", "practice_geography"])],
            description="Practice geography with validity spans, so a survey year joins the geography of its time.",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
        ),
        dg.AssetSpec(
            ["ref", "sub_icb_continuity"],
            deps=[
                dg.AssetKey(["ref", "practice_geography"]),
                dg.AssetKey(["ref", "ccg_icb_crosswalk"]),
                dg.AssetKey(["ref", "organisation_successors"]),
            ],
            description="What each CCG or sub-ICB code means on a date, following the ODS successor records, "
            "and its current sub-ICB location and ICB.",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
        ),
    ],
    pool="duckdb_writer",
)
def derived_reference(chorus: ChorusResource) -> Iterator[dg.MaterializeResult]:
    """Rebuild the reference tables derived from every loaded file."""
    with chorus.connect() as con:
        L.ensure_reference_tables(con)
        run_sql_file(con, L.DERIVED_SQL)
        persist_geography_macros(con)  # the as-of-a-date rule, beside the table it reads
        for table in (
            "ref.practice_deprivation",
            "ref.practice_geography_versions",
            "ref.sub_icb_continuity",
        ):
            metadata = table_metadata(con, table)
            if table == "ref.practice_deprivation":
                counts = con.execute(
                    "SELECT deprivation_quintile, count(*) FROM ref.practice_deprivation GROUP BY 1 ORDER BY 1"
                ).fetchall()
                metadata["practices_per_quintile"] = dg.MetadataValue.json({str(q): n for q, n in counts})
            yield dg.MaterializeResult(asset_key=dg.AssetKey(table.split(".")), metadata=metadata)
