"""Reference assets: each reads the real published layout into ``ref``."""

from pathlib import Path

import dagster as dg

from pipelines.asset_metadata import table_metadata
from pipelines.chorus_resource import ChorusResource
from pipelines.ingest_asset import source_ingest_asset
from pipelines.sources.reference import layouts as L

GROUP = "reference"
DERIVED_SQL = Path(L.__file__).parent / "derived.sql"


def _ingest(table: str, layouts: list, description: str, **kwargs) -> dg.AssetsDefinition:  # noqa: ANN001
    return source_ingest_asset(
        table=table,
        source="reference",
        layouts=layouts,
        source_layouts=L.REFERENCE_LAYOUTS,
        description=description,
        group=GROUP,
        prepare=L.ensure_reference_tables,
        **kwargs,
    )


gp_practices = _ingest(
    "ref.gp_practices",
    [L.EPRACCUR],
    "Every organisation in ODS epraccur with open/close dates and status; active GP practices are status "
    "active and prescribing setting 4.",
    preview_order="practice_code",
)
practice_geography = _ingest(
    "ref.practice_geography",
    [L.PRACTICE_MAP_CCG, L.PRACTICE_MAP_ICB],
    "Practice → PCN → CCG / sub-ICB location → STP / ICB → region, one version per NHS Digital extract date "
    "(CCG-era and ICB-era headers).",
    preview_order="extract_date, practice_code",
)
registered_population = _ingest(
    "ref.registered_population",
    [L.REGISTERED_PATIENTS],
    "Patients registered at each GP practice, totals and by sex and single year of age, with GPPS age bands.",
    preview_order="practice_code, sex, age",
)
area_deprivation = _ingest(
    "ref.area_deprivation",
    [L.FINGERTIPS_DEPRIVATION],
    "Fingertips indicator 93553: IMD 2019 deprivation score for each GP practice (and England).",
)
lsoa_deprivation = _ingest(
    "ref.lsoa_deprivation",
    [L.LSOA_DEPRIVATION_CSV, L.LSOA_DEPRIVATION_XLSX],
    "IoD2019 File 1: IMD rank, decile and quintile per LSOA (CSV of the data sheet or the official workbook).",
    kinds={"duckdb", "csv", "excel"},
)
nhs_trusts = _ingest(
    "ref.nhs_trusts",
    [L.ETR],
    "NHS trusts from ODS etr.csv with the ICB each sits in; FFT, complaints and stories join through them.",
    preview_order="trust_code",
)
ccg_icb_crosswalk = _ingest(
    "ref.ccg_icb_crosswalk",
    [L.CCG_ICB_CROSSWALK],
    "CCG → ICB code list; junk rows such lists carry are quarantined with the rule they broke.",
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["ref", "practice_deprivation"],
            deps=[area_deprivation.key],
            description="IMD 2019 score per practice with national deprivation quintile and decile by the PHE "
            "quantile method (1 = most deprived).",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
        ),
        dg.AssetSpec(
            ["ref", "practice_geography_versions"],
            deps=[practice_geography.key],
            description="Practice geography with validity spans, so a survey year joins the geography of its time.",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
        ),
        dg.AssetSpec(
            ["ref", "sub_icb_continuity"],
            deps=[practice_geography.key, ccg_icb_crosswalk.key],
            description="Each CCG code and the sub-ICB location it became on 1 July 2022, with its ICB.",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
        ),
    ],
    pool="duckdb_writer",
)
def derived_reference(chorus: ChorusResource):  # noqa: ANN201 - yields results
    """Rebuild the reference tables derived from every loaded file."""
    with chorus.connect() as con:
        L.ensure_reference_tables(con)
        con.execute(DERIVED_SQL.read_text())
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
