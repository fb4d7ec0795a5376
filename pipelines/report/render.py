"""The inequalities report: one self-contained HTML file per ICB, plus an index page.

Self-contained means no network: charts are inline SVG, the CSS is inline, there is no JavaScript and
no web font. Every value comes from the published marts (already disclosure-controlled); a suppressed
value is shown as '*' with a footnote, and comment text is HTML-escaped.

This module assembles and writes the pages. The page skeleton and the value formatting are in ``page``;
the sections in ``sections`` (by group, between practices, deprivation, representation, triangulation),
``national`` (against England) and ``change_over_time``; the key findings in ``findings``. A section with
nothing to show names the files that would fill it (``inputs``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pipelines.report.change_over_time import section_time
from pipelines.report.chart_cache import chart_cache
from pipelines.report.data import IcbData, list_icbs, load_icb, load_store_facts
from pipelines.report.findings import key_findings
from pipelines.report.national import section_national
from pipelines.report.page import Section, _e, _page
from pipelines.report.sections import (
    section_funnel,
    section_gradient,
    section_groups,
    section_representation,
    section_triangulation,
)

# Beside the reports: the SVGs of their charts, by what each was drawn from (``chart_cache.py``).
CHART_CACHE = ".chart-cache"


def build_icb_html(d: IcbData, published_db: Path) -> str:
    sections = [
        Section("findings", "Key findings", key_findings(d)),
        section_groups(d),
        section_funnel(d),
        section_national(d),
        section_gradient(d),
        section_time(d),
        section_representation(d),
        section_triangulation(d),
    ]
    body = "".join(f'<section id="{s.anchor}"><h2>{_e(s.title)}</h2>{s.body}</section>' for s in sections)
    nav = [("index.html", "All ICBs")] + [(f"#{s.anchor}", s.title) for s in sections]
    subtitle = (
        f"{_e(d.icb_code)} · Patient experience inequalities · from <code>{_e(published_db.name)}</code>"
    )
    return _page(f"{d.icb_name}", subtitle, nav, body)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def report_filename(icb_code: str) -> str:
    safe = "".join(ch for ch in icb_code if ch.isalnum() or ch in "-_") or "icb"
    return f"inequalities_{safe}.html"


def render_icb_report(published_db: Path, icb_code: str, out_dir: Path) -> Path:
    """Write the self-contained inequalities report for one ICB; returns the HTML file's path."""
    published_db, out_dir = Path(published_db), Path(out_dir)
    if not published_db.exists():
        raise FileNotFoundError(f"no published store at {published_db}")
    data = load_icb(published_db, icb_code)
    path = out_dir / report_filename(icb_code)
    _write_atomic(path, build_icb_html(data, published_db))
    return path


def render_index(published_db: Path, reports: list[tuple[str, str, Path]], out_dir: Path) -> Path:
    rows = "".join(
        f'<tr><td><a href="{_e(path.name)}">{_e(code)}</a></td><td>{_e(name)}</td></tr>'
        for code, name, path in reports
    )
    body = (
        '<section><h2>Inequalities reports by ICB</h2><p class="lede">One self-contained page per Integrated '
        "Care Board: open it in any browser, no network needed.</p>"
        f"<table><tr><th>ICB</th><th>Name</th></tr>{rows}</table></section>"
    )
    if (Path(out_dir) / "validation.html").exists():  # the data-quality page written to the same folder
        body += (
            '<section><h2>Data quality</h2><p><a href="validation.html">Validation report</a></p></section>'
        )

    path = Path(out_dir) / "index.html"
    _write_atomic(
        path,
        _page("Chorus inequalities reports", f"from <code>{_e(Path(published_db).name)}</code>", [], body),
    )
    return path


def render_all_reports(published_db: Path, out_dir: Path) -> list[Path]:
    """One report per ICB present in the published marts, plus ``index.html``; returns the ICB reports."""
    published_db, out_dir = Path(published_db), Path(out_dir)
    if not published_db.exists():
        raise FileNotFoundError(f"no published store at {published_db}")
    written = []
    # Charts drawn from the same figures as last time are not drawn again (most of a report's time).
    facts = load_store_facts(published_db)  # read once: the same for every ICB
    with chart_cache(out_dir / CHART_CACHE):
        for code in list_icbs(published_db):
            data = load_icb(published_db, code, facts)
            path = out_dir / report_filename(code)
            _write_atomic(path, build_icb_html(data, published_db))
            written.append((code, data.icb_name, path))
    render_index(published_db, written, out_dir)
    return [p for _, _, p in written]
