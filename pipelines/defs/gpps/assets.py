"""GP Patient Survey assets: published results of every generation, the measure catalogue, the
reporting-variables lists, respondent composition and respondent-level extracts (group ``gpps``)."""

import dagster as dg

from pipelines.core.sql import run_sql_file
from pipelines.lib.metadata import query_markdown, table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.sources.gpps import readers as L
from pipelines.sources.gpps.catalogue import load_catalogue

GROUP = "gpps"


@dg.asset(
    key=["ref", "gpps_measures"],
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    pool="duckdb_writer",
    description="The GPPS measure catalogue: a stable id per headline measure, its question stem in each "
    "survey year (trust: q22 in 2017, q89 from 2018, lastgpapptconf from 2024), positive and evaluative "
    "options, the series it belongs to (2024 starts a new series), its theme in the feedback framework, and "
    "whether its stem is confirmed and by what (unconfirmed measure-years are not published). Kept as data in "
    "pipelines/sources/gpps/measures.csv (2024+ stems from stems_2024plus.csv); also writes "
    "ref.gpps_composition_codes.",
)
def gpps_measures(chorus: ChorusResource) -> dg.MaterializeResult:
    """Load the catalogue from the package data."""
    with chorus.connect() as con:
        rows = load_catalogue(con)
        metadata = table_metadata(con, "ref.gpps_measures", order_by="measure_id, survey_year")
        metadata["measures_by_series"] = dg.MetadataValue.md(
            query_markdown(
                con,
                "SELECT measure_id, series, stem_confirmed, min(survey_year) AS first_year, "
                "max(survey_year) AS last_year, string_agg(DISTINCT question, ', ') AS stems, "
                "any_value(theme) AS theme FROM ref.gpps_measures GROUP BY 1, 2, 3 ORDER BY 1, 2, 4",
            )
        )
    metadata["catalogue_rows"] = rows
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=["staged", "gpps_respondent_profile"],
    group_name=GROUP,
    kinds={"duckdb", "sql"},
    pool="duckdb_writer",
    deps=[dg.AssetKey(["staged", "gpps_results"]), gpps_measures.key],
    description="Who answered GPPS: weighted respondents and shares by age band, sex and ethnicity (19 groups "
    "and 5 bands) per organisation and year, from the composition columns of both header grammars, in the "
    "shared people vocabulary.",
)
def gpps_respondent_profile(chorus: ChorusResource) -> dg.MaterializeResult:
    """Rebuild the composition table from staged.gpps_results."""
    with chorus.connect() as con:
        L.prepare(con)
        run_sql_file(con, L.HERE / "profile.sql")
        metadata = table_metadata(
            con, "staged.gpps_respondent_profile", order_by="survey_year, org_code, dimension"
        )
        metadata["rows_by_dimension"] = dg.MetadataValue.md(
            query_markdown(
                con,
                "SELECT survey_year, dimension, count(DISTINCT org_code) AS organisations, count(*) AS rows, "
                "count(*) FILTER (WHERE value LIKE 'Unmapped%') AS unmapped "
                "FROM staged.gpps_respondent_profile GROUP BY 1, 2 ORDER BY 1, 2",
            )
        )
    return dg.MaterializeResult(metadata=metadata)
