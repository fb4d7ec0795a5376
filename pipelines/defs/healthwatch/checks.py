"""Healthwatch checks: every report placed and dated by the register, findings whole and traceable."""

from pipelines.lib.asset_checks import comment_with_text_check, sql_row_check, unique_key_check

register_one_description = sql_row_check(
    asset="staged.healthwatch_register",
    name="each_file_described_once",
    description="No report file is described differently by two register rows (its report would be rejected)",
    failing_rows_sql="""SELECT file_key, count(*) AS rows, string_agg(DISTINCT source_file, ', ') AS registers
                        FROM staged.healthwatch_register GROUP BY 1
                        HAVING count(DISTINCT (local_healthwatch, local_authority, publication_date, service_type, title)) > 1""",
)
register_files_loaded = sql_row_check(
    # On the findings asset, so it runs after the reports have been read.
    asset="staged.healthwatch_findings",
    name="register_files_loaded",
    description="Every file the register describes has been loaded as a report (a missing or failing report shows here)",
    failing_rows_sql="""SELECT r.file_name, r.source_file AS register FROM staged.healthwatch_register r
                        WHERE r.file_key NOT IN (SELECT lower(report_id) FROM staged.healthwatch_reports)""",
)
register_places_known = sql_row_check(
    asset="staged.healthwatch_register",
    name="local_authority_in_lookup",
    description="Every register row's local authority (code or name) is in the local authority → ICB lookup",
    failing_rows_sql="""SELECT r.file_name, r.local_authority FROM staged.healthwatch_register r
                        WHERE NOT EXISTS (SELECT 1 FROM ref.local_authority_icb l
                                          WHERE l.local_authority_code = upper(trim(r.local_authority))
                                             OR lower(l.local_authority_name) = lower(trim(r.local_authority)))""",
)
lookup_one_icb = sql_row_check(
    asset="ref.local_authority_icb",
    name="one_icb_per_local_authority",
    description="Each local authority maps to one ICB",
    failing_rows_sql="""SELECT local_authority_code, count(DISTINCT icb_code) AS icbs FROM ref.local_authority_icb
                        GROUP BY 1 HAVING icbs > 1""",
    blocking=True,
)
findings_unique = unique_key_check(
    asset="staged.healthwatch_findings",
    name="finding_id_unique",
    description="Each finding appears once",
    key=["finding_id"],
    show_files=True,
)
findings_in_comments = comment_with_text_check(
    asset="staged.healthwatch_findings",
    name="every_finding_in_comments_with_text",
    description="Every finding has exactly one staged.comments row (channel report_finding) and its text in raw.comment_text",
    record_id="finding_id",
    comment_id="finding_id",
)
report_counts_match = sql_row_check(
    asset="staged.healthwatch_findings",
    name="report_finding_counts_match",
    description="Each report's findings count equals its rows in staged.healthwatch_findings",
    failing_rows_sql="""SELECT r.report_id, r.findings, count(f.finding_id) AS found
                        FROM staged.healthwatch_reports r LEFT JOIN staged.healthwatch_findings f USING (source_file)
                        GROUP BY ALL HAVING r.findings <> found""",
    blocking=True,
)
pdf_pages_kept = sql_row_check(
    asset="staged.healthwatch_findings",
    name="pdf_findings_have_pages",
    description="Every finding from a PDF report carries its page number, within the report's page count",
    failing_rows_sql="""SELECT f.finding_id, f.page, r.pages FROM staged.healthwatch_findings f
                        JOIN staged.healthwatch_reports r USING (source_file)
                        WHERE r.document_format = 'pdf' AND (f.page IS NULL OR f.page NOT BETWEEN 1 AND r.pages)""",
    blocking=True,
)
reports_placed = sql_row_check(
    asset="staged.healthwatch_findings",
    name="reports_placed_in_an_icb",
    description="Every report reaches an ICB through its local authority",
    failing_rows_sql="""SELECT report_id, local_authority_code, local_authority_name FROM staged.healthwatch_reports
                        WHERE icb_code IS NULL""",
)
reviews_unique = sql_row_check(
    asset="staged.healthwatch_reviews",
    name="review_comment_unique",
    description="Each review appears once, with exactly one staged.comments row",
    failing_rows_sql="""SELECT r.comment_id, count(*) AS n,
                               (SELECT count(*) FROM staged.comments c WHERE c.comment_id = r.comment_id) AS comments
                        FROM staged.healthwatch_reviews r GROUP BY 1 HAVING n > 1 OR comments <> 1""",
    blocking=True,
)
reviews_rating_reversed = sql_row_check(
    asset="staged.healthwatch_reviews",
    name="rating_is_stars_reversed",
    description="Stars 1-5 and rating = 6 - stars (5 stars = 1, very positive)",
    failing_rows_sql="""SELECT review_id, stars, rating FROM staged.healthwatch_reviews
                        WHERE stars NOT BETWEEN 1 AND 5 OR rating IS DISTINCT FROM 6 - stars""",
    blocking=True,
)
reviews_placed = sql_row_check(
    asset="staged.healthwatch_reviews",
    name="reviewed_services_placed",
    description="Reviews naming an ODS code reach an ICB (the code is in the reference geography)",
    failing_rows_sql="""SELECT review_id, organisation_code, service_name FROM staged.healthwatch_reviews
                        WHERE organisation_code IS NOT NULL AND icb_code IS NULL""",
)
