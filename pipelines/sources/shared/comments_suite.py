"""The shared comments table: every source's free text lands in ``staged.comments`` with the same columns.

One suite serves every source: the audit validates a file's own rows (``source_file``), whichever source
wrote them (FFT comment exports, complaints registers, Healthwatch reports and reviews, stories).
"""

from pipelines.sources.shared.codes import ICB_CODE, LAD_CODE, ODS_CODE, PRACTICE_CODE, SUB_ICB_CODE, anchored
from pipelines.sources.shared.expectations import (
    PEOPLE_COLUMNS,
    YEARS,
    incremental_rows,
    people,
)
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

SOURCES = ["fft", "complaints", "healthwatch", "healthwatch_reviews", "stories"]
CHANNELS = ["survey_comment", "complaint", "report_finding", "review", "story"]

COMMENTS = TableSuite(
    table="staged.comments",
    source="comments",
    description="Every free-text item, one row each, text by reference, demographics in the people vocabulary",
    columns=contract("staged.comments").suite_columns(),
    expectations=(
        not_null("comment_id"),
        unique("comment_id"),
        in_set("source", SOURCES),
        in_set("channel", CHANNELS),
        not_null("text_ref"),
        not_null("is_substantive"),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("practice_code", anchored(PRACTICE_CODE)),
        matches("sub_icb_code", anchored(SUB_ICB_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
        matches("local_authority_code", anchored(LAD_CODE)),
        between("rating", 1, 5),  # 1 very positive ... 5 very negative, whatever the source's scale
        *people("ethnicity_band", *PEOPLE_COLUMNS),
    ),
    derived=(
        Derived(
            "comment_facts",
            "SELECT year(comment_date) AS comment_year, comment_id, text_ref FROM rows",
            (
                between("comment_year", *YEARS),
                equal("text_ref", "comment_id"),  # the text is found under the comment's own id
            ),
        ),
        Derived(
            "one_source_per_file",
            "SELECT count(DISTINCT source) AS sources FROM rows",
            (between("sources", 0, 1),),
        ),
    ),
    rows=incremental_rows(5_000_000),
)

SUITES: tuple[TableSuite, ...] = (COMMENTS,)
