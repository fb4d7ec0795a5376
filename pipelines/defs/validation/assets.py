"""The validation report asset: data health for every source at a glance (HTML file + Markdown in the UI)."""

import dagster as dg

from pipelines.lib.resources import ChorusResource
from pipelines.sources.registry import ingest_tables
from pipelines.validation.report import build_report, report_html, report_markdown

# The ingest assets whose files the report covers: it runs after them in a full materialisation.
REPORTED_ASSETS = [dg.AssetKey(table.table.split(".")) for _, table in ingest_tables()]


@dg.asset(
    key=["meta", "validation_report"],
    group_name="validation",
    kinds={"duckdb", "html"},
    pool="duckdb_writer",
    deps=REPORTED_ASSETS,
    description="Latest validation results for every source and file: passed, rows quarantined, failed "
    "expectations and the reason a file was not published. Written as one HTML page to the report folder.",
)
def validation_report(context: dg.AssetExecutionContext, chorus: ChorusResource) -> dg.MaterializeResult:
    """Render the ledger and ``meta.validation_results`` as HTML (report folder) and Markdown (metadata)."""
    settings = chorus.settings()
    with chorus.connect() as con:
        report = build_report(con)
    path = settings.report_path / "validation.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(report_html(report), encoding="utf-8")
    tmp.replace(path)  # atomic: a browser never sees half a page
    context.log.info(f"validation report written to {path}")
    return dg.MaterializeResult(
        metadata={
            "report": dg.MetadataValue.md(report_markdown(report)),
            "path": dg.MetadataValue.path(str(path.resolve())),
            "files": len(report.rows),
            "files_failed": report.failed_files,
        }
    )
