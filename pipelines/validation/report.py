"""The validation report: data health per source and file, as HTML (one page) and Markdown (the UI)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.core.sql import sql_file
from pipelines.lib.metadata import markdown_table
from pipelines.validation.results import ensure_results_table

FILES_SQL = Path(__file__).with_name("report_files.sql")

HEADERS = [
    "source", "file", "layout", "status", "read", "loaded", "quarantined", "expectations", "failed", "problem", "at",
]  # fmt: skip


@dataclass
class Report:
    """The report's rows and its per-source summary."""

    rows: list[tuple]
    generated_at: datetime

    def by_source(self) -> dict[str, dict[str, int]]:
        summary: dict[str, dict[str, int]] = {}
        for row in self.rows:
            s = summary.setdefault(
                row[0], {"files": 0, "passed": 0, "failed": 0, "withdrawn": 0, "quarantined_rows": 0}
            )
            s["files"] += 1
            if row[3] == "withdrawn":  # its rows, quarantined ones included, have left the store
                s["withdrawn"] += 1
                continue
            s["passed" if row[3] == "loaded" and not row[8] else "failed"] += 1
            s["quarantined_rows"] += int(row[6] or 0)
        return summary

    @property
    def failed_files(self) -> int:
        return sum(s["failed"] for s in self.by_source().values())


def build_report(con: duckdb.DuckDBPyConnection) -> Report:
    """Read the ledger and the latest validation results."""
    ensure_results_table(con)
    return Report(rows=con.execute(sql_file(FILES_SQL)).fetchall(), generated_at=datetime.now())


def report_markdown(report: Report) -> str:
    """Per source: files passed / failed / withdrawn and rows quarantined; then every file not published
    with its reason (a withdrawn file's: when and why)."""
    summary = [
        (s, v["files"], v["passed"], v["failed"], v["quarantined_rows"], v["withdrawn"])
        for s, v in report.by_source().items()
    ]
    text = markdown_table(["source", "files", "passed", "failed", "rows quarantined", "withdrawn"], summary)
    failing = [(r[0], r[1], r[3], r[8], r[9]) for r in report.rows if r[3] != "loaded" or r[8]]
    if failing:
        text += "\n\n**Files not published**\n\n" + markdown_table(
            ["source", "file", "status", "failed expectations", "reason"], failing
        )
    return text


def report_html(report: Report) -> str:
    """One self-contained HTML page: a summary per source and a table of every file, failures highlighted."""

    def cell(value: object) -> str:
        return "" if value is None else html.escape(str(value))

    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Chorus validation report</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#212b32}table{border-collapse:collapse;"
        "margin-bottom:2rem}td,th{border:1px solid #d8dde0;padding:.3rem .6rem;text-align:left;vertical-align:top}"
        "th{background:#f0f4f5}tr.fail{background:#fde8e8}tr.pass td.status{color:#007f3b}"
        "tr.fail td.status{color:#d5281b;font-weight:bold}tr.withdrawn{color:#768692}</style></head><body>",
        "<h1>Chorus validation report</h1>",
        f"<p>Generated {report.generated_at:%Y-%m-%d %H:%M}. A file is <b>passed</b> when it loaded and its "
        "current content met every expectation; failed files were not published (the previous version stays); "
        "withdrawn files' rows were removed from the store and everything published from it.</p>",
        "<h2>By source</h2><table><tr><th>source</th><th>files</th><th>passed</th><th>failed</th>"
        "<th>rows quarantined</th><th>withdrawn</th></tr>",
    ]
    for source, v in report.by_source().items():
        css = "fail" if v["failed"] else "pass"
        parts.append(
            f"<tr class='{css}'><td>{cell(source)}</td><td>{v['files']}</td><td>{v['passed']}</td>"
            f"<td class='status'>{v['failed']}</td><td>{v['quarantined_rows']}</td><td>{v['withdrawn']}</td></tr>"
        )
    parts.append("</table>")
    for source in report.by_source():
        parts.append(f"<h2>{cell(source)}</h2><table><tr>")
        parts += [f"<th>{h}</th>" for h in HEADERS[1:]]
        parts.append("</tr>")
        for row in (r for r in report.rows if r[0] == source):
            ok = row[3] == "loaded" and not row[8]
            status = "passed" if ok else row[3] if row[3] != "loaded" else "failed expectations"
            values = [
                row[1],
                row[2],
                status,
                *row[4:10],
                row[10].strftime("%Y-%m-%d %H:%M") if row[10] else "",
            ]
            css = "pass" if ok else "withdrawn" if row[3] == "withdrawn" else "fail"
            parts.append(f"<tr class='{css}'>")
            parts += [
                f"<td class='status'>{cell(v)}</td>" if i == 2 else f"<td>{cell(v)}</td>"
                for i, v in enumerate(values)
            ]
            parts.append("</tr>")
        parts.append("</table>")
    if not report.rows:
        parts.append("<p>No files have been ingested yet.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
