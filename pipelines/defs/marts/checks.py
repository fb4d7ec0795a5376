"""Disclosure control, checked on what the marts actually hold (docs/DESIGN.md section 8)."""

from pathlib import Path

from pipelines.core.sql import sql_file
from pipelines.lib.asset_checks import sql_row_check
from pipelines.marts.standardised_rates import MIN_EVENTS as STANDARDISED_MIN_EVENTS
from pipelines.methods.disclosure import (
    COUNT_SUPPRESS_MAX,
    MIN_COMMENTS_FOR_BREAKDOWN,
    MIN_GROUP_N_EFF,
    MIN_SURVEY_BASE,
    ROUND_TO,
)

HERE = Path(__file__).parent
# The disclosure rules' numbers, as the literals the check queries compare with.
RULE_NUMBERS = {
    "count_suppress_max": str(COUNT_SUPPRESS_MAX),
    "round_to": str(ROUND_TO),
    "min_comments": str(MIN_COMMENTS_FOR_BREAKDOWN),
    "min_survey_base": str(MIN_SURVEY_BASE),
    "min_group_n_eff": str(MIN_GROUP_N_EFF),
}
SURVEY_RULES = ("min_survey_base", "min_group_n_eff")
COMMENT_RULE_NUMBERS = {k: v for k, v in RULE_NUMBERS.items() if k not in SURVEY_RULES}

metric_by_group_disclosure = sql_row_check(
    asset="marts.metric_by_group",
    name="disclosure_control",
    description=(
        f"No published count of people/comments below England is 1-{COUNT_SUPPRESS_MAX} or off the nearest "
        f"{ROUND_TO}; no survey value rests on fewer than {MIN_SURVEY_BASE} respondents; no weighted survey group "
        f"on an n_eff under {MIN_GROUP_N_EFF}; no comment breakdown on fewer than {MIN_COMMENTS_FOR_BREAKDOWN} comments; a suppressed row shows no value, base, n_eff or interval"
    ),
    failing_rows_sql=sql_file(HERE / "metric_by_group_disclosure_failures.sql", **RULE_NUMBERS),
    blocking=True,
)
triangulation_disclosure = sql_row_check(
    asset="marts.triangulation",
    name="disclosure_control",
    description=(
        f"Comment, complaint, review, finding and story counts are 0 or rounded to {ROUND_TO} and never "
        f"1-{COUNT_SUPPRESS_MAX}; example comments and negative shares only in cells of "
        f"{MIN_COMMENTS_FOR_BREAKDOWN}+ comments"
    ),
    failing_rows_sql=sql_file(HERE / "triangulation_disclosure_failures.sql", **COMMENT_RULE_NUMBERS),
    blocking=True,
)
representation_disclosure = sql_row_check(
    asset="marts.representation",
    name="disclosure_control",
    description=(
        f"Voice counts are 0 or rounded to {ROUND_TO} and never 1-{COUNT_SUPPRESS_MAX}; a withheld group shows "
        "no share, ratio or interval"
    ),
    failing_rows_sql=f"""SELECT channel, geography_code, dimension, group_value, voices, share_of_voices
                         FROM marts.representation
                         WHERE voices BETWEEN 1 AND {COUNT_SUPPRESS_MAX} OR voices % {ROUND_TO} <> 0
                            OR (voices IS NULL AND (share_of_voices IS NOT NULL OR ratio_lower_95 IS NOT NULL))""",
    blocking=True,
)
standardised_rates_disclosure = sql_row_check(
    asset="marts.standardised_rates",
    name="disclosure_control",
    description=(
        f"No observed count is 1-{STANDARDISED_MIN_EVENTS - 1} or off the nearest {ROUND_TO}; a withheld row shows "
        "no rate, ratio, interval, expected count or funnel position"
    ),
    failing_rows_sql=sql_file(
        HERE / "standardised_rates_disclosure_failures.sql",
        min_events=str(STANDARDISED_MIN_EVENTS),
        round_to=RULE_NUMBERS["round_to"],
    ),
    blocking=True,
)
gpps_question_options_disclosure = sql_row_check(
    asset="marts.gpps_question_options",
    name="disclosure_control",
    description=(
        f"No option share rests on fewer than {MIN_SURVEY_BASE} respondents; unweighted bases below England are "
        f"rounded to {ROUND_TO}; a suppressed option shows no share or base"
    ),
    failing_rows_sql=sql_file(
        HERE / "gpps_question_options_disclosure_failures.sql",
        round_to=RULE_NUMBERS["round_to"],
        min_survey_base=RULE_NUMBERS["min_survey_base"],
    ),
    blocking=True,
)
