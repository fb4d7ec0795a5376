"""Complaints assets: KO41a/KO41b-style returns, local registers and the subject → framework map."""

import dagster as dg

from pipelines.asset_metadata import table_metadata
from pipelines.chorus_resource import ChorusResource
from pipelines.ingest_asset import source_ingest_asset
from pipelines.sources.complaints import layouts as L

GROUP = "complaints"
REFERENCE_DEPS = [dg.AssetKey(["ref", "nhs_trusts"]), dg.AssetKey(["ref", "practice_geography_versions"])]


@dg.asset(
    key=["ref", "complaint_subject_themes"],
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    pool="duckdb_writer",
    description="Complaint subjects (KO41 subject areas and local register subjects) → feedback framework v7 "
    "category and sub-category (DESIGN.md sections 6 and 9), from pipelines/sources/complaints/subject_themes.csv: "
    "visible and editable data, so complaints triangulate with survey scores and comments.",
)
def complaint_subject_themes(chorus: ChorusResource) -> dg.MaterializeResult:
    """Reload the subject → theme map from the packaged CSV."""
    with chorus.connect() as con:
        L.ensure_complaint_tables(con)
        metadata = table_metadata(con, "ref.complaint_subject_themes", preview_rows=30, order_by="subject")
    return dg.MaterializeResult(metadata=metadata)


complaint_returns = source_ingest_asset(
    table="staged.complaint_returns",
    source="complaints",
    layouts=[L.RETURNS],
    source_layouts=L.COMPLAINT_LAYOUTS,
    description="Written complaints returns (KO41a hospital and community, KO41b GP and dental) in long form: "
    "brought forward, new, upheld / partially / not upheld, resolved, carried forward and the breakdowns by age, "
    "complainant status, service area, subject and profession. Headers are read through header_map.csv; a "
    "return whose arithmetic fails is quarantined with the rule it broke.",
    group=GROUP,
    kinds={"duckdb", "csv"},
    prepare=L.ensure_complaint_tables,
    deps=[*REFERENCE_DEPS, complaint_subject_themes.key],
    preview_order="organisation_code, period_start, measure_group, measure",
)

complaints_register = source_ingest_asset(
    table="staged.complaints",
    source="complaints",
    layouts=[L.REGISTER],
    source_layouts=L.COMPLAINT_LAYOUTS,
    description="Local complaints registers, one row per complaint: received / closed dates, organisation and "
    "geography, subjects mapped to framework themes, outcome, patient demographics; the description goes to "
    "staged.comments (channel 'complaint') with its text in raw.comment_text.",
    group=GROUP,
    kinds={"duckdb", "csv"},
    prepare=L.ensure_complaint_tables,
    deps=[*REFERENCE_DEPS, complaint_subject_themes.key],
    preview_order="complaint_id",
)
