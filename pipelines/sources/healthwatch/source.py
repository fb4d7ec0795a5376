"""Healthwatch: local Healthwatch reports (PDF, HTML, Word, Markdown), their register, and reviews."""

from pipelines.sources.healthwatch import readers as L
from pipelines.sources.healthwatch.sample import write_healthwatch
from pipelines.sources.healthwatch.suite import SUITES
from pipelines.sources.source_spec import IngestTable, SourceSpec

# Reviews name practices and trusts: their geography comes from the reference tables.
REFERENCE_GEOGRAPHY = ("ref/practice_geography_versions", "ref/nhs_trusts")

SOURCE = SourceSpec(
    name=L.SOURCE,
    description="Healthwatch reports split into findings, the register describing them, and star-rated reviews.",
    layouts=L.HEALTHWATCH_LAYOUTS,
    suites=SUITES,
    write_sample=write_healthwatch,
    tables=(
        IngestTable(
            "ref.local_authority_icb",
            (L.LAD_LOOKUP,),
            "Local authority district → sub-ICB location → ICB, from the ONS lookup: Healthwatch areas are local "
            "authorities, so this is how their reports reach the ICB views.",
            prepare=L.ensure_healthwatch_tables,
            preview_order="local_authority_code",
        ),
        IngestTable(
            "staged.healthwatch_register",
            (L.REGISTER,),
            "The register that describes each Healthwatch report file: local Healthwatch, local authority, "
            "publication date, service type and title. A report missing from it is rejected, never guessed.",
            prepare=L.ensure_healthwatch_tables,
            preview_order="file_key",
        ),
        IngestTable(
            "staged.healthwatch_findings",
            L.REPORT_LAYOUTS,
            "Healthwatch reports (PDF, HTML, Word, Markdown) split into findings — paragraphs, bullet points and "
            "quoted stories — with page numbers (PDF) and the heading each sits under. Also writes one row per "
            "report to `staged.healthwatch_reports`, the text to `raw.comment_text` and each finding to "
            "`staged.comments` (channel report_finding) with the register's place and date. Before loading, the "
            "current register and lookup are re-applied to reports loaded earlier.",
            kinds=frozenset({"duckdb", "pdf", "html", "docx", "markdown"}),
            deps=("staged/healthwatch_register", "ref/local_authority_icb"),
            prepare=L.refresh_report_metadata,
            preview_order="report_id, finding_no",
            writes_comments=True,
        ),
        IngestTable(
            "staged.healthwatch_reviews",
            (L.REVIEWS,),
            "Feedback Centre-style star-rated reviews of named services, with geography from the service's ODS "
            "code (or the local Healthwatch's area) and the reviewer's demographics; the text goes to "
            "`staged.comments` (channel review, 5 stars = rating 1, very positive).",
            prepare=L.ensure_healthwatch_tables,
            deps=("ref/local_authority_icb", *REFERENCE_GEOGRAPHY),
            preview_order="review_date, review_id",
            writes_comments=True,
        ),
    ),
)
