"""Dagster glue for ingestion: one factory builds every "files of a layout → table" asset the same way.

The asset is thin: it asks the ingest library to load new or changed files, reports the per-file outcome
and the table's metadata, and checks that every file's rows reconcile. A file that fails makes the asset
fail with the file's own message; files that loaded stay loaded, and rows loaded earlier stay in place.
"""


from collections.abc import Callable, Sequence

import dagster as dg
import duckdb

from pipelines.asset_metadata import query_markdown, table_metadata
from pipelines.chorus_resource import ChorusResource
from pipelines.ingest import Layout, ingest_source


def reconciliation_sql(layout_names: Sequence[str]) -> str:
    """Ledger rows of these layouts whose counts do not add up."""
    names = ", ".join(f"'{n}'" for n in layout_names)
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
            FROM meta.ingest_ledger WHERE status = 'loaded' AND layout IN ({", ".join(f"'{n}'" for n in layout_names)})"""
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


def source_ingest_asset(
    *,
    table: str,
    source: str,
    layouts: Sequence[Layout],
    source_layouts: Sequence[Layout],
    description: str,
    group: str,
    kinds: set[str] | None = None,
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    deps: Sequence[dg.AssetKey | str] = (),
    preview_order: str | None = None,
) -> dg.AssetsDefinition:
    """An asset that loads a source's files of ``layouts`` into ``table`` (key = ``schema/table``)."""
    key = dg.AssetKey(table.split("."))
    layout_names = [layout.name for layout in layouts]
    formats = "\n".join(f"- `{layout.name}`: {layout.description}" for layout in layouts)

    @dg.asset(
        key=key,
        group_name=group,
        description=f"{description}\n\nReads from `<landing>/{source}/`, layouts detected from content:\n{formats}",
        kinds=kinds or {"duckdb", "csv"},
        pool="duckdb_writer",
        deps=list(deps),
        check_specs=[
            dg.AssetCheckSpec(
                "rows_reconcile",
                asset=key,
                description="For every file: rows read = rows loaded + rows quarantined (nothing dropped silently).",
                blocking=True,
            )
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, chorus: ChorusResource) -> dg.MaterializeResult:
        settings = chorus.settings()
        with chorus.connect() as con:
            if prepare:
                prepare(con)
            report = ingest_source(
                con, settings.landing_dir, source, layouts, source_layouts, log=context.log.info
            )
            for outcome in report.by_status("unrecognised"):
                context.log.warning(outcome.error or outcome.rel_path)
            metadata = table_metadata(con, table, order_by=preview_order)
            check = reconciliation_result(con, layout_names)
        metadata["files"] = dg.MetadataValue.md(report.summary_markdown())
        metadata["files_loaded"] = len(report.by_status("loaded"))
        metadata["files_unchanged"] = len(report.by_status("skipped"))
        metadata["rows_quarantined_this_run"] = sum(
            o.counts.rows_quarantined for o in report.by_status("loaded") if o.counts
        )
        if report.failed:
            raise dg.Failure(
                description="\n".join(o.error or o.rel_path for o in report.failed),
                metadata=metadata,
            )
        return dg.MaterializeResult(metadata=metadata, check_results=[check])

    return _ingest
