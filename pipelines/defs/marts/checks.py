"""Disclosure control, checked on what the marts actually hold (docs/DESIGN.md section 8)."""

from pipelines.lib.asset_checks import sql_row_check
from pipelines.methods.disclosure import (
    COUNT_SUPPRESS_MAX,
    MIN_COMMENTS_FOR_BREAKDOWN,
    MIN_SURVEY_BASE,
    ROUND_TO,
)

metric_by_group_disclosure = sql_row_check(
    asset="marts.metric_by_group",
    name="disclosure_control",
    description=(
        f"No published count of people/comments below England is 1-{COUNT_SUPPRESS_MAX} or off the nearest "
        f"{ROUND_TO}; no survey value rests on fewer than {MIN_SURVEY_BASE} respondents; no comment breakdown on "
        f"fewer than {MIN_COMMENTS_FOR_BREAKDOWN} comments; a suppressed row shows no value, base, n_eff or interval"
    ),
    failing_rows_sql=f"""
        SELECT geography_level, geography_code, period, metric_id, dimension, group_value, numerator, denominator, unweighted_n, value
        FROM marts.metric_by_group
        WHERE ((metric_id LIKE 'fft_%' OR metric_id LIKE 'comments_%' OR metric_id LIKE 'complaints_%') AND geography_level <> 'england'
               AND (numerator BETWEEN 1 AND {COUNT_SUPPRESS_MAX} OR numerator % {ROUND_TO} <> 0 OR denominator % {ROUND_TO} <> 0
                    OR (dimension <> 'overall' AND value IS NOT NULL AND denominator < {MIN_COMMENTS_FOR_BREAKDOWN})))
           OR (source LIKE 'gpps%' AND value IS NOT NULL AND unweighted_n < {MIN_SURVEY_BASE})
           OR (suppressed AND (value IS NOT NULL OR unweighted_n IS NOT NULL OR n_eff IS NOT NULL
                               OR denominator IS NOT NULL OR lower_95 IS NOT NULL))""",
    blocking=True,
)
triangulation_disclosure = sql_row_check(
    asset="marts.triangulation",
    name="disclosure_control",
    description=(
        f"Comment and complaint counts are 0 or rounded to {ROUND_TO} and never 1-{COUNT_SUPPRESS_MAX}; example "
        f"comments and negative shares only in cells of {MIN_COMMENTS_FOR_BREAKDOWN}+ comments"
    ),
    failing_rows_sql=f"""
        SELECT geography_code, dimension, group_value, theme, comments, complaints, negative_share
        FROM marts.triangulation
        WHERE comments BETWEEN 1 AND {COUNT_SUPPRESS_MAX} OR comments % {ROUND_TO} <> 0
           OR complaints BETWEEN 1 AND {COUNT_SUPPRESS_MAX} OR complaints % {ROUND_TO} <> 0
           OR ((comments IS NULL OR comments < {MIN_COMMENTS_FOR_BREAKDOWN}) AND (example_comments IS NOT NULL OR negative_share IS NOT NULL))""",
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
