"""Complaints checks: the returns' arithmetic, unique keys, every subject mapped to a framework theme."""

from pathlib import Path

from pipelines.core.sql import literal_list, sql_file
from pipelines.lib.asset_checks import comment_with_text_check, sql_row_check, unique_key_check
from pipelines.sources.complaints.readers import FRAMEWORK_CATEGORIES

HERE = Path(__file__).parent


returns_arithmetic = sql_row_check(
    asset="staged.complaint_returns",
    name="returns_arithmetic_holds",
    description="Resolved = upheld + partially upheld + not upheld and carried forward = brought forward + new - resolved",
    failing_rows_sql=sql_file(HERE / "returns_arithmetic_failures.sql"),
    blocking=True,
)
returns_unique = unique_key_check(
    asset="staged.complaint_returns",
    name="one_value_per_organisation_period_measure",
    description="One value per organisation, period, measure group and measure",
    key=["organisation_code", "period_start", "measure_group", "measure"],
    show_files=True,
)
returns_subjects_mapped = sql_row_check(
    asset="staged.complaint_returns",
    name="subject_areas_mapped_to_themes",
    description="Every subject area in the returns has a row in ref.complaint_subject_themes",
    failing_rows_sql="""SELECT DISTINCT measure AS subject FROM staged.complaint_returns
                        WHERE measure_group = 'subject_area' AND framework_category IS NULL""",
)
complaints_unique = unique_key_check(
    asset="staged.complaints",
    name="complaint_id_unique",
    description="Each complaint (organisation / reference) appears once",
    key=["complaint_id"],
    show_files=True,
)
complaints_subjects_mapped = sql_row_check(
    asset="staged.complaints",
    name="subjects_mapped_to_themes",
    description="Every register subject maps to a feedback framework theme (else add it to subject_themes.csv)",
    failing_rows_sql="""SELECT DISTINCT s AS subject FROM (SELECT unnest(framework_categories) AS s FROM staged.complaints)
                        WHERE s LIKE 'Unmapped:%'""",
)
complaints_have_description = comment_with_text_check(
    asset="staged.complaints",
    name="description_in_comments",
    description="Every complaint's description is one row of staged.comments and raw.comment_text",
    record_id="complaint_id",
)
themes_in_framework = sql_row_check(
    asset="ref.complaint_subject_themes",
    name="categories_in_framework_v7",
    description="Every theme is a category of the feedback framework v7 (or the EDI keyword topic)",
    failing_rows_sql="SELECT subject, category FROM ref.complaint_subject_themes WHERE category NOT IN ("
    + literal_list(FRAMEWORK_CATEGORIES)
    + ")",
    blocking=True,
)
