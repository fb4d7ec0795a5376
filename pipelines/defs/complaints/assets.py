"""Complaints assets: KO41a/KO41b-style returns, local registers and the subject → framework map."""

import dagster as dg

from pipelines.lib.metadata import table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.sources.complaints import readers as L

GROUP = "complaints"


@dg.asset(
    key=["ref", "complaint_subject_themes"],
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    pool="duckdb_writer",
    description="Complaint subjects (KO41 subject areas and local register subjects) → feedback framework v7 "
    "category and sub-category (docs/DESIGN.md sections 6 and 9), from pipelines/sources/complaints/subject_themes.csv: "
    "visible and editable data, so complaints triangulate with survey scores and comments.",
)
def complaint_subject_themes(chorus: ChorusResource) -> dg.MaterializeResult:
    """Reload the subject → theme map from the packaged CSV."""
    with chorus.connect() as con:
        L.ensure_complaint_tables(con)
        metadata = table_metadata(con, "ref.complaint_subject_themes", preview_rows=30, order_by="subject")
    return dg.MaterializeResult(metadata=metadata)
