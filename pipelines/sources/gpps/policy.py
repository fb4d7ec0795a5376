"""Quarantine policy of the GP Patient Survey tables (see :mod:`pipelines.sources.policy`)."""

from pipelines.ingest.quarantine import PolicyRule, TablePolicy

RESULTS = TablePolicy(
    "gpps",
    "staged.gpps_results",
    (
        PolicyRule("org_code_present", "row", "figures without an organisation belong to nobody"),
        PolicyRule(
            "practice_in_geography",
            "row",
            "a practice not in that year's geography would be placed in no area (or a wrong one)",
        ),
        PolicyRule(
            "values_numeric",
            "row",
            "a cell that is neither a number nor a suppression marker means the row's columns are shifted",
        ),
        PolicyRule(
            "proportion_in_range",
            "value",
            "a proportion outside 0-1 is one wrong figure; the "
            "organisation's other questions are sound and load",
        ),
        PolicyRule(
            "interval_ordered",
            "value",
            "a confidence interval whose lower limit is above its upper one "
            "(or that does not hold its proportion) is one wrong figure; the rest of the row loads",
        ),
    ),
    key=("org_code",),
    key_table="staged.gpps_organisations",
)
VARIABLES = TablePolicy(
    "gpps",
    "ref.gpps_variables",
    (PolicyRule("variable_present", "row", "a description with no variable names nothing"),),
)
SURVEY_RESPONSES = TablePolicy(
    "gpps",
    "staged.survey_responses",
    (
        PolicyRule("respondent_id_present", "row", "answers are kept per respondent"),
        PolicyRule("survey_year_integer", "row", "the year picks the questionnaire the codes mean"),
        PolicyRule("weight_positive", "row", "a respondent without a positive weight cannot be weighted"),
        PolicyRule(
            "practice_in_geography",
            "row",
            "a practice not in that year's geography would be placed in no area",
        ),
        PolicyRule(
            "answer_codes_integer", "row", "an answer that is not a code means the row's columns are shifted"
        ),
    ),
)

POLICIES = (RESULTS, VARIABLES, SURVEY_RESPONSES)
