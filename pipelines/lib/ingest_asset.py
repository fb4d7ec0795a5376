"""Dagster glue for ingestion: one factory builds every "files of a layout → table" asset the same way.

The asset is thin: it asks the ingest library to load new or changed files, reports the per-file outcome
and the table's metadata, and checks that every file's rows reconcile. A file that fails makes the asset
fail with the file's own message; files that loaded stay loaded, and rows loaded earlier stay in place.

Validation is write-audit-publish inside the asset: each file's new rows are checked against the suite
kept for their table (the source's ``suite.py``, found through ``pipelines.sources.registry``) inside the file's transaction, so a file that fails
its suite never becomes visible. The outcome is reported as the blocking check ``suite_passed``, with a
Markdown table of expectations, columns, observed values, unexpected counts and failing examples.
"""

from collections.abc import Iterator, Sequence

import dagster as dg
import duckdb

from pipelines.core.sql import literal_list
from pipelines.ingest.detect import Layout
from pipelines.ingest.ledger import IngestReport
from pipelines.ingest.loop import ingest_source
from pipelines.lib.gx_resource import GreatExpectationsResource
from pipelines.lib.metadata import query_markdown, table_metadata
from pipelines.lib.resources import ChorusResource
from pipelines.sources.registry import suite_for
from pipelines.sources.source_spec import IngestTable, SourceSpec
from pipelines.validation.audit import build_audit
from pipelines.validation.results import engine_summary, ensure_results_table, results_markdown
from pipelines.validation.runner import ENGINE_RULE
from pipelines.validation.together import build_audit_many

SUITE_CHECK = "suite_passed"


def reconciliation_sql(layout_names: Sequence[str]) -> str:
    """Ledger rows of these layouts whose counts do not add up."""
    names = literal_list(layout_names)
    return f"""
        SELECT path, rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger
        WHERE status = 'loaded' AND layout IN ({names})
          AND rows_read IS DISTINCT FROM rows_loaded + rows_quarantined
    """


def reconciliation_result(con: duckdb.DuckDBPyConnection, layout_names: Sequence[str]) -> dg.AssetCheckResult:
    """Rows read = rows loaded + rows quarantined, file by file, from the ledger."""
    bad = con.execute(reconciliation_sql(layout_names)).fetchall()
    totals = con.execute(
        f"""SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
                   coalesce(sum(rows_quarantined), 0)
            FROM meta.ingest_ledger WHERE status = 'loaded' AND layout IN ({literal_list(layout_names)})"""
    ).fetchone()
    metadata = {
        "files": int(totals[0]),
        "rows_read": int(totals[1]),
        "rows_loaded": int(totals[2]),
        "rows_quarantined": int(totals[3]),
    }
    if bad:
        metadata["files_that_do_not_reconcile"] = dg.MetadataValue.md(
            query_markdown(con, reconciliation_sql(layout_names))
        )
    return dg.AssetCheckResult(
        check_name="rows_reconcile",
        passed=not bad,
        metadata=metadata,
        description=(
            "Every loaded file: rows read = rows loaded + rows quarantined"
            if not bad
            else f"{len(bad)} file(s) lost or invented rows: " + ", ".join(str(r[0]) for r in bad)
        ),
    )


def suite_result(
    con: duckdb.DuckDBPyConnection, report: IngestReport, layouts: Sequence[Layout]
) -> dg.AssetCheckResult:
    """``suite_passed``: the latest validation of every file of these layouts now in the landing folder.

    A file whose current content failed its suite fails the check; results of content since replaced
    (stale SHA-256) do not count. Tables with no suite are named in the description.
    """
    ensure_results_table(con)
    own = {layout.name for layout in layouts}
    files = [o.rel_path for o in report.outcomes if o.layout in own]
    tables = sorted({t for layout in layouts for t in layout.tables if suite_for(t) is not None})
    unsuited = sorted(
        {t for layout in layouts for t in layout.tables if suite_for(t) is None and not t.startswith("raw.")}
    )
    failing: list[tuple] = []
    counts = (0, 0)
    if files and tables:
        marks = ", ".join("?" for _ in files)
        table_marks = ", ".join("?" for _ in tables)
        current = f"""
            FROM meta.validation_results r JOIN meta.ingest_ledger l ON l.path = r.source_file AND l.sha256 = r.file_sha256
            WHERE r.source_file IN ({marks}) AND r.table_name IN ({table_marks})"""
        params = [*files, *tables]
        failing = con.execute(
            f"SELECT DISTINCT r.source_file {current} AND NOT r.success ORDER BY 1", params
        ).fetchall()
        row = con.execute(f"SELECT count(DISTINCT r.source_file), count(*) {current}", params).fetchone()
        counts = (int(row[0]), int(row[1]))
    metadata: dict[str, object] = {
        "files_validated": counts[0],
        "expectations_evaluated": counts[1],
        "files_failing": len(failing),
        "expectations": dg.MetadataValue.md(results_markdown(con, files, tables)),
    }
    engines = engine_summary(con, files, tables)
    if engines:
        # Which engine ran (GX for meaningful batches, SQL for small ones; see pipelines/validation/runner).
        metadata["engines"] = engines
        metadata["engine_rule"] = ENGINE_RULE
    if unsuited:
        metadata["tables_without_suite"] = ", ".join(unsuited)
    if failing:
        description = f"{len(failing)} file(s) failed their suite and were not published: " + ", ".join(
            f[0] for f in failing
        )
    elif tables:
        description = f"Every file's rows passed the suite(s) for {', '.join(tables)}"
    else:
        description = "No suite is registered for " + (", ".join(unsuited) or "these tables")
    return dg.AssetCheckResult(
        check_name=SUITE_CHECK, passed=not failing, metadata=metadata, description=description
    )


def source_ingest_asset(spec: SourceSpec, ingest: IngestTable) -> dg.AssetsDefinition:
    """An asset that loads ``spec``'s files of ``ingest.layouts`` into ``ingest.table`` (key ``schema/table``).

    ``ingest.validate``: run the suites registered for the layouts' tables on each file's new rows before
    they commit (write-audit-publish) and report the blocking check ``suite_passed``.
    """
    table, source, layouts, source_layouts = ingest.table, spec.name, ingest.layouts, spec.layouts
    prepare, validate, preview_order = ingest.prepare, ingest.validate, ingest.preview_order
    key = dg.AssetKey(table.split("."))
    layout_names = [layout.name for layout in layouts]
    formats = "\n".join(f"- `{layout.name}`: {layout.description}" for layout in layouts)

    @dg.asset(
        key=key,
        group_name=spec.name,
        description=f"{ingest.description}\n\nReads from `<landing>/{source}/`, layouts detected from content:\n{formats}",
        kinds=set(ingest.kinds),
        pool="duckdb_writer",
        deps=[dg.AssetKey(dep.split("/")) for dep in ingest.deps],
        check_specs=[
            dg.AssetCheckSpec(
                "rows_reconcile",
                asset=key,
                description="For every file: rows read = rows loaded + rows quarantined (nothing dropped silently).",
                blocking=True,
            ),
            *(
                [
                    dg.AssetCheckSpec(
                        SUITE_CHECK,
                        asset=key,
                        description="Every file's new rows passed the expectation suite for their table before "
                        "they were published (a failing file is rolled back; its previous version stays).",
                        blocking=True,
                    )
                ]
                if validate
                else []
            ),
        ],
    )
    def _ingest(
        context: dg.AssetExecutionContext, chorus: ChorusResource, gx: GreatExpectationsResource
    ) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
        settings = chorus.settings()
        proven: set[str] = set()  # suites GX has validated in this run, shared by both audit pairs
        audit, record_audit = build_audit(gx, proven) if validate else (None, None)
        audit_many, record_audit_many = build_audit_many(gx, proven) if validate else (None, None)
        with chorus.connect() as con:
            if prepare:
                prepare(con)
            report = ingest_source(
                con,
                settings.landing_dir,
                source,
                layouts,
                source_layouts,
                log=context.log.info,
                audit=audit,
                record_audit=record_audit,
                audit_many=audit_many,
                record_audit_many=record_audit_many,
            )
            # Every asset of a source meets a file no layout recognises; only the asset reading the
            # source's first layout says so, so the log names each such file once.
            if source_layouts and source_layouts[0].name in layout_names:
                for outcome in report.by_status("unrecognised"):
                    context.log.warning(outcome.error or outcome.rel_path)
            metadata = table_metadata(con, table, order_by=preview_order)
            check = reconciliation_result(con, layout_names)
            checks = [check, suite_result(con, report, layouts)] if validate else [check]
        metadata["files"] = dg.MetadataValue.md(report.summary_markdown())
        metadata["files_loaded"] = len(report.by_status("loaded"))
        metadata["files_unchanged"] = len(report.by_status("skipped"))
        metadata["files_withdrawn"] = len(report.by_status("withdrawn"))
        metadata["rows_quarantined_this_run"] = sum(
            o.counts.rows_quarantined for o in report.by_status("loaded") if o.counts
        )
        if report.failed:
            # Report the checks first, so the UI shows which expectations failed and why, then fail the step:
            # downstream assets do not run, and the rolled-back files left the published rows as they were.
            yield from checks
            raise dg.Failure(
                description="\n".join(o.error or o.rel_path for o in report.failed),
                metadata=metadata,
            )
        yield dg.MaterializeResult(metadata=metadata, check_results=checks)

    return _ingest
