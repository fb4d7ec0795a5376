"""Healthwatch suites: the report register, reports and their findings, Feedback Centre-style reviews.

The loaders reject a report the register does not describe and quarantine register rows without a file,
date or place, findings without words and reviews whose stars or dates cannot be read; the suites check
each file as a whole: one register row per file, one report row per document with its findings counted,
findings numbered once each, and stars 1-5 that agree with the comments-order rating (6 - stars).
"""

from pipelines.sources.shared.codes import ICB_CODE, LAD_CODE, ODS_CODE, SUB_ICB_CODE, anchored
from pipelines.sources.shared.expectations import incremental_rows
from pipelines.validation.expectations import (
    Derived,
    TableSuite,
    between,
    equal,
    in_set,
    matches,
    not_null,
    unique,
)
from schemas.contracts import contract

# Healthwatch began in April 2013; a report "published" before then, or decades ahead, is a misread date.
PUBLISHED = (2013, 2035)

HEALTHWATCH_REGISTER = TableSuite(
    table="staged.healthwatch_register",
    source="healthwatch",
    description="The register describing each report file",
    columns=contract("staged.healthwatch_register").suite_columns(),
    expectations=(
        not_null("file_name"),
        not_null("file_key"),
        unique("file_key"),  # a file described twice in one register is ambiguous
        matches("file_key", r"\.(pdf|html?|docx|md)$"),
        not_null("local_authority"),
        not_null("publication_date"),
        not_null("title"),
    ),
    derived=(
        Derived(
            "publication_year",
            "SELECT file_key, year(publication_date) AS publication_year FROM rows",
            (between("publication_year", *PUBLISHED),),
        ),
    ),
    rows=incremental_rows(20_000),
)

HEALTHWATCH_REPORTS = TableSuite(
    table="staged.healthwatch_reports",
    source="healthwatch",
    description="One row per report document, with the register's metadata and geography",
    columns=contract("staged.healthwatch_reports").suite_columns(),
    expectations=(
        not_null("report_id"),
        unique("report_id"),
        in_set("document_format", ["pdf", "html", "docx", "markdown"]),
        between("pages", 1, 2_000),
        not_null("register_file"),
        not_null("publication_date"),
        between("findings", 1, None),
        between("findings_quarantined", 0, None),
        between("characters", 1, None),
        matches("local_authority_code", anchored(LAD_CODE)),
        matches("sub_icb_code", anchored(SUB_ICB_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
    ),
    rows=(1, 1),  # a document is one report
)

HEALTHWATCH_FINDINGS = TableSuite(
    table="staged.healthwatch_findings",
    source="healthwatch",
    description="Report text split into findings with page and section",
    columns=contract("staged.healthwatch_findings").suite_columns(),
    expectations=(
        not_null("finding_id"),
        unique("finding_id"),
        not_null("report_id"),
        unique("report_id", "finding_no"),
        between("finding_no", 1, None),
        in_set("kind", ["paragraph", "bullet", "quote"]),
        between("page", 1, 2_000),
        between("characters", 1, None),
        not_null("text_ref"),
        matches("local_authority_code", anchored(LAD_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
    ),
    derived=(
        Derived(
            "one_report_per_file",
            "SELECT count(DISTINCT report_id) AS reports FROM rows",
            (between("reports", 1, 1),),
        ),
    ),
    rows=(1, 100_000),
)

HEALTHWATCH_REVIEWS = TableSuite(
    table="staged.healthwatch_reviews",
    source="healthwatch",
    description="Feedback Centre-style star-rated reviews",
    columns=contract("staged.healthwatch_reviews").suite_columns(),
    expectations=(
        not_null("review_id"),
        unique("review_id"),
        not_null("comment_id"),
        unique("comment_id"),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
        not_null("review_date"),
        not_null("stars"),
        between("stars", 1, 5),
        between("rating", 1, 5),
    ),
    derived=(
        Derived(
            "rating_from_stars",
            "SELECT review_id, rating, 6 - stars AS six_minus_stars, year(review_date) AS review_year FROM rows",
            (equal("rating", "six_minus_stars"), between("review_year", *PUBLISHED)),
        ),
    ),
    rows=incremental_rows(1_000_000),
)

SUITES: tuple[TableSuite, ...] = (
    HEALTHWATCH_REGISTER, HEALTHWATCH_REPORTS, HEALTHWATCH_FINDINGS, HEALTHWATCH_REVIEWS,
)  # fmt: skip
