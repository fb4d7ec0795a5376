"""FFT checks: one row per organisation and month, percentages 0-1, suppression honest, comments unique."""

from pipelines.lib.asset_checks import comment_with_text_check, sql_row_check, unique_key_check

one_row_per_organisation = unique_key_check(
    asset="staged.fft_scores",
    name="one_row_per_organisation_month_setting",
    description="One row per setting, month, level, organisation (and ward / speciality) and sheet",
    key=["setting", "period", "level", "organisation_code", "ward_name", "first_speciality", "sheet"],
    show_files=True,
)
percentages_are_proportions = sql_row_check(
    asset="staged.fft_scores",
    name="percentages_between_0_and_1",
    description="Percentage positive and negative are proportions 0-1 whatever scale the workbook used",
    failing_rows_sql="""SELECT source_file, sheet, excel_row, pct_positive, pct_negative FROM staged.fft_scores
                        WHERE pct_positive NOT BETWEEN 0 AND 1 OR pct_negative NOT BETWEEN 0 AND 1
                           OR pct_positive + pct_negative > 1.0001""",
    blocking=True,
)
suppressed_is_null_not_zero = sql_row_check(
    asset="staged.fft_scores",
    name="suppressed_values_are_null",
    description="A value published as '*' is NULL with the row flagged, never 0",
    failing_rows_sql="""SELECT source_file, sheet, excel_row, suppressed_fields FROM staged.fft_scores
                        WHERE (is_suppressed AND len(suppressed_fields) = 0)
                           OR (list_contains(suppressed_fields, 'pct_positive') AND pct_positive IS NOT NULL)
                           OR (list_contains(suppressed_fields, 'very_good') AND very_good IS NOT NULL)""",
)
percent_positive_matches_counts = sql_row_check(
    asset="staged.fft_scores",
    name="percent_positive_matches_counts",
    description="Percentage positive = (very good + good) / total responses, to 0.5 points",
    failing_rows_sql="""SELECT source_file, sheet, excel_row, pct_positive, very_good, good, total_responses
                        FROM staged.fft_scores
                        WHERE NOT is_suppressed AND total_responses > 0 AND pct_positive IS NOT NULL
                          AND abs(pct_positive - (very_good + good) / total_responses) > 0.005""",
)
selection_within_england = sql_row_check(
    asset="staged.fft_aggregate_scores",
    name="selection_not_above_england",
    description="The 'Selection' row never has more responses than the England row of its sheet",
    failing_rows_sql="""SELECT s.source_file, s.sheet, s.total_responses AS selection, e.total_responses AS england
                        FROM staged.fft_aggregate_scores s JOIN staged.fft_aggregate_scores e
                          ON e.source_file = s.source_file AND e.sheet = s.sheet
                         AND e.aggregate_level IN ('england', 'england_including_is')
                        WHERE s.aggregate_level = 'selection' AND s.total_responses > e.total_responses""",
)
fft_comment_ids_unique = unique_key_check(
    asset="staged.fft_comments",
    name="comment_id_unique",
    description="Every FFT comment id appears once in staged.comments",
    key=["comment_id"],
    table="staged.comments",
    where="source = 'fft'",
    show_files=True,
)
fft_comments_have_text = comment_with_text_check(
    asset="staged.fft_comments",
    name="every_comment_has_raw_text",
    description="Every FFT comment's text_ref points at exactly one raw.comment_text row",
    record_id="comment_id",
    table="staged.comments",
    where="r.source = 'fft'",
)
fft_ratings_in_scale = sql_row_check(
    asset="staged.fft_comments",
    name="rating_1_to_5",
    description="Ratings are 1 (very good) … 5 (very poor) or NULL (don't know / not given)",
    failing_rows_sql="SELECT comment_id, rating FROM staged.comments WHERE source = 'fft' AND rating NOT BETWEEN 1 AND 5",
)
