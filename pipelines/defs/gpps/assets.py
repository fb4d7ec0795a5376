"""GP Patient Survey assets: published results of every generation, the measure catalogue, the
reporting-variables lists, respondent composition and respondent-level extracts (group ``gpps``)."""

import dagster as dg

from pipelines.asset_metadata import query_markdown, table_metadata
from pipelines.chorus_resource import ChorusResource
from pipelines.ingest_asset import source_ingest_asset
from pipelines.sources.gpps import layouts as L
from pipelines.sources.gpps.catalogue import load_catalogue

GROUP = "gpps"
GEOGRAPHY = dg.AssetKey(["ref", "practice_geography_versions"])


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


gpps_results = source_ingest_asset(
    table="staged.gpps_results",
    source="gpps",
    layouts=list(L.RESULTS_LAYOUTS),
    source_layouts=L.GPPS_LAYOUTS,
    description="GPPS published results (practice, PCN, CCG, ICS, region, national files of 2017-2021, "
    "2022-2023 and 2024+ header generations) reshaped inside DuckDB to one row per survey year, organisation, "
    "question and response option or positive summary: weighted proportion, weighted count, unweighted and "
    "weighted base, published Wilson bounds, suppressed flag. Practices not in the geography of the survey "
    "year are quarantined. Also writes staged.gpps_organisations (one row per organisation: name, parents, "
    "generation, file hash; join on source_file, source_row) and staged.gpps_response_rates.",
    group=GROUP,
    prepare=L.prepare,
    deps=[GEOGRAPHY, gpps_measures.key],
    preview_order="survey_year, level, org_code, question, response_option",
)
gpps_variables = source_ingest_asset(
    table="ref.gpps_variables",
    source="gpps",
    layouts=[L.REPORTING_VARIABLES],
    source_layouts=L.GPPS_LAYOUTS,
    description='Each year\'s published "list of reporting variables", used to check the measure catalogue.',
    group=GROUP,
    prepare=L.prepare,
    preview_order="survey_year, source_row",
)
survey_responses = source_ingest_asset(
    table="staged.survey_responses",
    source="gpps",
    layouts=[L.RESPONDENT_EXTRACT],
    source_layouts=L.GPPS_LAYOUTS,
    description="Respondent-level GPPS extracts: one row per respondent and answered question with practice, "
    "weight, harmonised demographics (people vocabulary), answer code and whether it is positive for a "
    "catalogue measure. Outcomes by group come from here (pipelines/sources/gpps/outcomes.py).",
    group=GROUP,
    prepare=L.prepare,
    deps=[GEOGRAPHY, gpps_measures.key],
    preview_order="survey_year, respondent_id, question",
)


@dg.asset(
    key=["staged", "gpps_respondent_profile"],
    group_name=GROUP,
    kinds={"duckdb", "sql"},
    pool="duckdb_writer",
    deps=[gpps_results.key, gpps_measures.key],
    description="Who answered GPPS: weighted respondents and shares by age band, sex and ethnicity (19 groups "
    "and 5 bands) per organisation and year, from the composition columns of both header grammars, in the "
    "shared people vocabulary.",
)
def gpps_respondent_profile(chorus: ChorusResource) -> dg.MaterializeResult:
    """Rebuild the composition table from staged.gpps_results."""
    with chorus.connect() as con:
        L.prepare(con)
        con.execute((L.HERE / "profile.sql").read_text())
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
