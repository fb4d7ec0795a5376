"""The GP Patient Survey: published results of every header generation, reporting variables, extracts."""

from pipelines.sources.gpps import readers as L
from pipelines.sources.gpps.sample import write_gpps
from pipelines.sources.gpps.suite import SUITES
from pipelines.sources.source_spec import IngestTable, SourceSpec

GEOGRAPHY = "ref/practice_geography_versions"
MEASURES = "ref/gpps_measures"

SOURCE = SourceSpec(
    name="gpps",
    description="GP Patient Survey results, reporting-variable lists and respondent-level extracts.",
    layouts=L.GPPS_LAYOUTS,
    suites=SUITES,
    write_sample=write_gpps,
    tables=(
        IngestTable(
            "staged.gpps_results",
            L.RESULTS_LAYOUTS,
            "GPPS published results (practice, PCN, CCG, ICS, region, national files of 2017-2021, 2022-2023 and "
            "2024+ header generations) reshaped inside DuckDB to one row per survey year, organisation, question "
            "and response option or positive summary: weighted proportion, weighted count, unweighted and weighted "
            "base, published Wilson bounds, suppressed flag. Practices not in the geography of the survey year are "
            "quarantined. Also writes staged.gpps_organisations (one row per organisation: name, parents, "
            "generation, file hash; join on source_file, source_row) and staged.gpps_response_rates.",
            prepare=L.prepare,
            deps=(GEOGRAPHY, MEASURES),
            preview_order="survey_year, level, org_code, question, response_option",
        ),
        IngestTable(
            "ref.gpps_variables",
            (L.REPORTING_VARIABLES,),
            'Each year\'s published "list of reporting variables", used to check the measure catalogue.',
            prepare=L.prepare,
            preview_order="survey_year, source_row",
        ),
        IngestTable(
            "staged.survey_responses",
            (L.RESPONDENT_EXTRACT,),
            "Respondent-level GPPS extracts: one row per respondent and answered question with practice, weight, "
            "harmonised demographics (people vocabulary), answer code and whether it is positive for a catalogue "
            "measure. Outcomes by group come from here (marts/gpps_respondent_estimates.sql).",
            prepare=L.prepare,
            deps=(GEOGRAPHY, MEASURES),
            preview_order="survey_year, respondent_id, question",
        ),
    ),
)
