"""Healthwatch assets: each reads its files from ``<landing>/healthwatch/`` through the shared ingest loop."""

import dagster as dg

from pipelines.ingest_asset import source_ingest_asset
from pipelines.sources.healthwatch import layouts as L

GROUP = "healthwatch"
# Reviews name practices and trusts: their geography comes from the reference tables.
REFERENCE_GEOGRAPHY = [
    dg.AssetKey(["ref", "practice_geography_versions"]),
    dg.AssetKey(["ref", "nhs_trusts"]),
]


def _ingest(table: str, layouts: list, description: str, **kwargs) -> dg.AssetsDefinition:  # noqa: ANN001
    kwargs.setdefault("prepare", L.ensure_healthwatch_tables)
    return source_ingest_asset(
        table=table,
        source=L.SOURCE,
        layouts=layouts,
        source_layouts=L.HEALTHWATCH_LAYOUTS,
        description=description,
        group=GROUP,
        **kwargs,
    )


local_authority_icb = _ingest(
    "ref.local_authority_icb",
    [L.LAD_LOOKUP],
    "Local authority district → sub-ICB location → ICB, from the ONS lookup: Healthwatch areas are local "
    "authorities, so this is how their reports reach the ICB views.",
    preview_order="local_authority_code",
)
healthwatch_register = _ingest(
    "staged.healthwatch_register",
    [L.REGISTER],
    "The register that describes each Healthwatch report file: local Healthwatch, local authority, "
    "publication date, service type and title. A report missing from it is rejected, never guessed.",
    preview_order="file_key",
)
healthwatch_findings = _ingest(
    "staged.healthwatch_findings",
    list(L.REPORT_LAYOUTS),
    "Healthwatch reports (PDF, HTML, Word, Markdown) split into findings — paragraphs, bullet points and "
    "quoted stories — with page numbers (PDF) and the heading each sits under. Also writes one row per "
    "report to `staged.healthwatch_reports`, the text to `raw.comment_text` and each finding to "
    "`staged.comments` (channel report_finding) with the register's place and date. Before loading, the "
    "current register and lookup are re-applied to reports loaded earlier.",
    kinds={"duckdb", "pdf", "html", "docx", "markdown"},
    deps=[healthwatch_register.key, local_authority_icb.key],
    prepare=L.refresh_report_metadata,
    preview_order="report_id, finding_no",
)
healthwatch_reviews = _ingest(
    "staged.healthwatch_reviews",
    [L.REVIEWS],
    "Feedback Centre-style star-rated reviews of named services, with geography from the service's ODS "
    "code (or the local Healthwatch's area) and the reviewer's demographics; the text goes to "
    "`staged.comments` (channel review, 5 stars = rating 1, very positive).",
    deps=[local_authority_icb.key, *REFERENCE_GEOGRAPHY],
    preview_order="review_date, review_id",
)
