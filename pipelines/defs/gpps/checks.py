"""GPPS checks: proportions in 0-1, bounds bracket values, bases whole and non-negative, practices known
to the geography of their year, one row per key, and the catalogue found in the files of its years."""

from pathlib import Path

from pipelines.core.sql import sql_file
from pipelines.lib.asset_checks import sql_row_check, unique_key_check

RESULTS = "staged.gpps_results"
# Catalogue stems missing from the loaded list of reporting variables of their year (also used by tests).
CATALOGUE_IN_VARIABLES_SQL = """SELECT m.survey_year, m.measure_id, m.question FROM ref.gpps_measures m
                        WHERE m.survey_year IN (SELECT survey_year FROM ref.gpps_variables)
                          AND NOT EXISTS (SELECT 1 FROM ref.gpps_variables v WHERE v.survey_year = m.survey_year
                                          AND (v.variable IN (m.question || 'base', m.question || '.basefulluw')
                                               OR starts_with(v.variable, m.question || '_')))"""

proportions_in_range = sql_row_check(
    asset=RESULTS,
    name="proportions_within_0_1",
    description="Weighted proportions and published bounds lie within 0-1",
    failing_rows_sql=f"""SELECT survey_year, level, org_code, question, response_option, weighted_proportion,
                                ci_lower, ci_upper, source_file FROM {RESULTS}
                         WHERE weighted_proportion NOT BETWEEN 0 AND 1 OR ci_lower NOT BETWEEN 0 AND 1
                            OR ci_upper NOT BETWEEN 0 AND 1""",
    blocking=True,
)
bounds_bracket_value = sql_row_check(
    asset=RESULTS,
    name="bounds_bracket_value",
    description="Published lower bound <= proportion <= upper bound (to rounding, 1e-9)",
    failing_rows_sql=f"""SELECT survey_year, level, org_code, question, response_option, ci_lower,
                                weighted_proportion, ci_upper, source_file FROM {RESULTS}
                         WHERE ci_lower > weighted_proportion + 1e-9 OR weighted_proportion > ci_upper + 1e-9
                            OR ci_lower > ci_upper + 1e-9""",
)
bases_whole = sql_row_check(
    asset=RESULTS,
    name="unweighted_bases_whole_non_negative",
    description="Unweighted bases are non-negative whole numbers; weighted bases non-negative",
    failing_rows_sql=f"""SELECT survey_year, level, org_code, question, response_option, unweighted_base,
                                weighted_base, source_file FROM {RESULTS}
                         WHERE unweighted_base < 0 OR unweighted_base <> round(unweighted_base)
                            OR weighted_base < 0""",
)
suppressed_are_null = sql_row_check(
    asset=RESULTS,
    name="suppressed_never_zero",
    description="A suppressed result never carries a 0 standing in for the hidden value",
    failing_rows_sql=f"""SELECT survey_year, org_code, question, response_option, weighted_proportion, source_file
                         FROM {RESULTS} WHERE suppressed AND weighted_proportion = 0 AND weighted_count IS NULL""",
)
one_row_per_key = unique_key_check(
    asset=RESULTS,
    name="one_row_per_file_org_question_option",
    description="One row per file, organisation, question and response option",
    key=["source_file", "org_code", "question", "response_option"],
)
practices_known = sql_row_check(
    asset=RESULTS,
    name="practices_in_geography_of_year",
    description="Every practice row is a practice in the geography of its survey year (others are quarantined)",
    failing_rows_sql=f"""SELECT DISTINCT r.survey_year, r.org_code, r.source_file FROM {RESULTS} r
                         WHERE r.level = 'practice' AND NOT EXISTS (
                             SELECT 1 FROM ref.practice_geography_versions g
                             WHERE g.practice_code = r.org_code
                               AND practice_listed_in_year(r.survey_year, g.valid_from, g.valid_to))""",
)
catalogue_found = sql_row_check(
    asset=RESULTS,
    name="catalogue_measures_found_in_files",
    description="Every catalogue measure is found in each loaded results file of its survey year",
    failing_rows_sql=sql_file(Path(__file__).with_name("catalogue_measures_missing.sql")),
)
catalogue_in_variables = sql_row_check(
    asset="ref.gpps_variables",
    name="catalogue_matches_reporting_variables",
    description="Every catalogue stem of a year with a loaded list of reporting variables is in that list",
    failing_rows_sql=CATALOGUE_IN_VARIABLES_SQL,
)
responses_positive_weight = sql_row_check(
    asset="staged.survey_responses",
    name="weights_positive_and_one_answer_per_question",
    description="Respondent weights are positive and each respondent answers a question once",
    failing_rows_sql="""SELECT source_file, respondent_id, question, count(*) AS n, min(weight) AS weight
                        FROM staged.survey_responses GROUP BY ALL HAVING n > 1 OR min(weight) <= 0""",
    blocking=True,
)
profile_mapped = sql_row_check(
    asset="staged.gpps_respondent_profile",
    name="composition_in_people_vocabulary",
    description="Every composition row maps to the shared people vocabulary (no 'Unmapped' values)",
    failing_rows_sql="""SELECT DISTINCT survey_year, dimension, option_code, raw_label, value
                        FROM staged.gpps_respondent_profile WHERE value LIKE 'Unmapped%'""",
)
