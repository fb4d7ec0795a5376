"""Asset ``inequalities_report``: one self-contained HTML page per ICB, rebuilt after every publish."""

import base64
from pathlib import Path

import dagster as dg

from pipelines.core.fingerprint import inputs_fingerprint, is_current, record_build
from pipelines.core.markdown import escape_markdown
from pipelines.lib.resources import ChorusResource
from pipelines.publish.published_store import ICB_REPORT_FILES, remove_stale_files
from pipelines.report import render_all_reports
from pipelines.report.chart_cache import chart_cache
from pipelines.report.charts import gradient_chart, groups_chart, to_png
from pipelines.report.data import list_icbs, load_icb
from pipelines.report.render import CHART_CACHE


def _png_markdown(title: str, png: bytes) -> str:
    return f"**{title}**\n\n![{title}](data:image/png;base64,{base64.b64encode(png).decode()})"


def _key_charts(published: Path, icb: str) -> str:
    """Two small PNGs (inline data URIs) for the Dagster UI: the deprivation gradient and groups by age."""
    data = load_icb(published, icb)
    parts = [
        f"Key charts for **{escape_markdown(data.icb_name)}** ({escape_markdown(icb)}); the full report has every section."
    ]
    figure = gradient_chart(data.quintiles, data.gradient, max_panels=3)
    if figure is not None:
        parts.append(_png_markdown("Deprivation gradient (SII line, 95% intervals)", to_png(figure, dpi=55)))
    if not data.groups.empty:
        figure = groups_chart(data.groups, "age_band", data.headline[:2])
        if figure is not None:
            parts.append(
                _png_markdown(
                    "Headline measures by age band (red = significantly worse)", to_png(figure, dpi=55)
                )
            )
    return "\n\n".join(parts)


@dg.asset(
    key=["inequalities_report"],
    group_name="report",
    description=(
        "The inequalities report: one self-contained HTML file per ICB (inline SVG charts and CSS, no network "
        "needed) with metric by group and 95% intervals, a PHE funnel plot of practices and sub-ICBs, the ICB's "
        "sub-ICBs and practices against England, the deprivation gradient (SII/RII) for every year loaded, "
        "representation ratios (ethnic group, young men and learning disability shown row by row) and the top "
        "convergent triangulation cells with redacted example comments; a section without data names the files "
        "that would fill it; plus index.html. Reads only the published (disclosure-controlled) store."
    ),
    kinds={"html", "python"},
    deps=[dg.AssetKey("published_store")],
    pool="duckdb_writer",
    automation_condition=dg.AutomationCondition.eager(),
)
def inequalities_report(context: dg.AssetExecutionContext, chorus: ChorusResource) -> dg.MaterializeResult:
    settings = chorus.settings()
    if not settings.published.exists():
        raise dg.Failure(f"no published store at {settings.published}: materialise published_store first")
    out_dir = settings.report_path
    with chorus.connect() as con:
        fingerprint = inputs_fingerprint(con)
        unchanged = (out_dir / "index.html").exists() and is_current(
            con, f"inequalities_report:{out_dir}", fingerprint
        )
    # One chart-cache session for the pages and the key charts below, so both reuse what they drew before
    # and the cache keeps exactly what they used (nothing is pruned when the pages were not rendered).
    with chart_cache(out_dir / CHART_CACHE, prune=not unchanged) as charts_drawn:
        if unchanged:
            paths = sorted(out_dir.glob(ICB_REPORT_FILES))
            context.log.info(
                f"{out_dir}: inputs unchanged since the last report; kept {len(paths)} report(s)"
            )
        else:
            paths = render_all_reports(settings.published, out_dir)
            # An ICB no longer in the published store (its files withdrawn) loses its page too.
            for stale in remove_stale_files(out_dir, [ICB_REPORT_FILES], keep=paths):
                context.log.info(f"removed {stale}: its ICB is no longer in the published store")
            with chorus.connect() as con:
                record_build(con, f"inequalities_report:{out_dir}", fingerprint)
            context.log.info(f"wrote {len(paths)} ICB report(s) and index.html to {out_dir}")
        metadata: dict[str, dg.MetadataValue] = {
            "path": dg.MetadataValue.path(str(out_dir / "index.html")),
            "reports": dg.MetadataValue.md(
                "\n".join(f"- {escape_markdown(p)}" for p in paths) or "no ICB in the published store"
            ),
            "icbs": dg.MetadataValue.int(len(paths)),
        }
        icbs = list_icbs(settings.published)
        if icbs:
            metadata["key_charts"] = dg.MetadataValue.md(_key_charts(settings.published, icbs[0]))
    metadata["charts_drawn"] = dg.MetadataValue.int(charts_drawn.drawn)
    metadata["charts_reused"] = dg.MetadataValue.int(charts_drawn.reused)
    return dg.MaterializeResult(metadata=metadata)
