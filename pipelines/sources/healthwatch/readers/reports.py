"""Healthwatch report documents (``healthwatch_report_*``: PDF, HTML, DOCX, Markdown) → one
``staged.healthwatch_reports`` row, its findings in ``staged.healthwatch_findings``, their text in
``raw.comment_text`` and one ``staged.comments`` row each (channel ``report_finding``). A document the
register does not describe is rejected with a message saying so: its place and date are never guessed.

For documents a "row" is a finding: rows read = findings extracted = loaded + quarantined.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from pipelines.core.sql import run_sql_file, sql_file
from pipelines.ingest.detect import ClearFiles, Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows_by_file
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.documents import document_blocks, findings
from pipelines.sources.healthwatch.readers.common import READERS_DIR, SOURCE, ensure_healthwatch_tables
from pipelines.sources.healthwatch.readers.register import DESCRIPTION_COLUMNS, REGISTER_GEO_SQL
from pipelines.sources.shared.codes import ENGLISH_LAD_CODE
from pipelines.sources.shared.comments import is_substantive_sql


def _check_register_entry(con: duckdb.DuckDBPyConnection, f: LandingFile, described: list[tuple]) -> None:
    """Reject a document the register does not describe, or describes in more than one way.

    ``described``: the distinct (description columns..., register_file) rows for the file's name. A report
    missing from the register because its register could not be read says so (``_reject_if_listed_by_failed_register``)."""
    if not described:
        _reject_if_listed_by_failed_register(con, f)
        raise FileRejected(
            f"{f.rel_path}: this report is not in the Healthwatch register (no row with file = '{f.path.name}'). "
            "Add a row (file, local healthwatch, local authority, publication date, service type, title) to a "
            "register CSV: a report's place and date are never guessed"
        )
    if len({row[:-1] for row in described}) > 1:
        where = ", ".join(sorted({str(row[-1]) for row in described}))
        raise FileRejected(
            f"{f.rel_path}: the register describes this file {len(described)} different ways ({where}); keep one row"
        )


def _landing_root(f: LandingFile) -> Path:
    """The landing folder a file was found in (its path minus its path in the landing folder)."""
    return Path(str(f.path)[: -len(f.rel_path)]) if str(f.path).endswith(f.rel_path) else f.path.parent


def _reject_if_listed_by_failed_register(con: duckdb.DuckDBPyConnection, f: LandingFile) -> None:
    """A register that could not be read must not hide the reports it lists: name it and its problem.

    The failed register's rows are not in the store, so its text is searched for the report's file name.
    """
    failed = con.execute(
        """SELECT path, error FROM meta.ingest_ledger
           WHERE source = ? AND status = 'failed' AND lower(path) LIKE '%.csv' ORDER BY path""",
        [SOURCE],
    ).fetchall()
    for path, error in failed:
        register = _landing_root(f) / path
        try:
            text = register.read_bytes().decode("utf-8", "replace").lower()
        except OSError:
            continue
        if f.path.name.lower() in text:
            reason = str(error or "").removeprefix(f"{path}: ")
            raise FileRejected(
                f"{f.rel_path}: listed in the register {path}, which could not be read ({reason}); this report "
                "is loaded once the register is fixed"
            )


FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".docx": "docx", ".md": "markdown"}
FINDING_RULES = [
    RowRule("finding_has_words", "text", "NOT regexp_matches(text, '[A-Za-z]{2,}')",
            "the extracted finding has no words (page furniture, a stray number or symbol)"),
]  # fmt: skip


def _read_report(
    con: duckdb.DuckDBPyConnection, f: LandingFile, described: list[tuple]
) -> tuple[list, int | None]:
    """The document's findings and page count, or a ``FileRejected`` saying why there are none."""
    document_format = FORMATS[f.suffix]
    # Read the document before looking it up: a damaged PDF is "cannot read PDF", whatever the register says.
    try:
        blocks = document_blocks(f.path)
    except Exception as exc:  # noqa: BLE001 - pypdf, python-docx and zipfile raise many types for a bad file
        what = {"pdf": "PDF", "docx": "Word document", "html": "HTML", "markdown": "Markdown"}[
            document_format
        ]
        raise FileRejected(f"{f.rel_path}: cannot read {what} ({type(exc).__name__}: {exc})") from exc
    _check_register_entry(con, f, described)
    found = findings(blocks)
    if not found:
        raise FileRejected(
            f"{f.rel_path}: no text could be extracted ({'a scanned PDF needs OCR first' if document_format == 'pdf' else 'empty document'})"
        )
    return found, max((b.page or 0 for b in blocks), default=0) or None


def load_reports(
    con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], clear: ClearFiles
) -> dict[str, LoadCounts | FileRejected]:
    """Report documents → report rows, findings, comment text and comments, for many files in one pass.

    Each document is read and matched to its register entry first; one the register does not describe
    (or describes two ways), or with no text, is answered with its ``FileRejected`` and nothing is written
    for it. The rest are cleared (``clear``) and written with one statement per table, so a report costs
    its parsing plus a share of a few statements, not a dozen statements of its own.
    """
    import pandas as pd

    ensure_healthwatch_tables(con)
    answers: dict[str, LoadCounts | FileRejected] = {}
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _hw_meta_all AS
            SELECT * FROM ({REGISTER_GEO_SQL}) WHERE file_key IN (SELECT unnest($file_keys::VARCHAR[]))""",
        {"english_lad_code": ENGLISH_LAD_CODE, "file_keys": sorted({f.path.name.lower() for f in files})},
    )
    described: dict[str, list[tuple]] = {}
    for row in con.execute(
        f"SELECT DISTINCT file_key, {', '.join(DESCRIPTION_COLUMNS)}, register_file FROM _hw_meta_all"
    ).fetchall():
        described.setdefault(row[0], []).append(tuple(row[1:]))
    read: list[tuple[LandingFile, list, int | None]] = []
    for f in files:
        try:
            found, pages = _read_report(con, f, described.get(f.path.name.lower(), []))
        except FileRejected as exc:
            answers[f.rel_path] = exc
            continue
        read.append((f, found, pages))
    clear([f for f, _, _ in read])
    if not read:
        return answers
    finding_rows = [
        (f.rel_path, f.sha256, f.path.name, f.path.name.lower(), n, b.kind, b.section, b.page, b.text)
        for f, found, _ in read
        for n, b in enumerate(found, start=1)
    ]
    file_rows = [
        (f.rel_path, f.sha256, f.path.name, f.path.name.lower(), FORMATS[f.suffix], pages)
        for f, _, pages in read
    ]
    con.register(
        "_hw_finding_rows",
        pd.DataFrame(
            finding_rows,
            columns=[
                "source_file",
                "file_sha256",
                "report_id",
                "file_key",
                "source_row",
                "kind",
                "section",
                "page",
                "text",
            ],
            dtype=object,
        ),
    )
    con.register("_hw_file_rows", pd.DataFrame(file_rows, columns=[
        "source_file", "file_sha256", "report_id", "file_key", "document_format", "pages"], dtype=object))  # fmt: skip
    try:
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _hw_findings AS
               SELECT source_file::VARCHAR AS source_file, file_sha256::VARCHAR AS file_sha256,
                      report_id::VARCHAR AS report_id, file_key::VARCHAR AS file_key, source_row::BIGINT AS source_row,
                      kind::VARCHAR AS kind, section::VARCHAR AS section, page::INTEGER AS page, text::VARCHAR AS text
               FROM _hw_finding_rows"""
        )
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _hw_files AS
               SELECT source_file::VARCHAR AS source_file, file_sha256::VARCHAR AS file_sha256,
                      report_id::VARCHAR AS report_id, file_key::VARCHAR AS file_key,
                      document_format::VARCHAR AS document_format, pages::INTEGER AS pages
               FROM _hw_file_rows"""
        )
    finally:
        con.unregister("_hw_finding_rows")
        con.unregister("_hw_file_rows")
    quarantined = quarantine_rows_by_file(con, "_hw_findings", FINDING_RULES, SOURCE, policy=P.FINDINGS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _hw_ok AS
            SELECT 'healthwatch:' || report_id || ':' || source_row AS comment_id, * FROM _hw_findings
            WHERE {passing_rows(FINDING_RULES)}"""
    )
    # One register entry per document (the check above made sure its descriptions agree).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _hw_meta AS SELECT * FROM _hw_meta_all
           QUALIFY row_number() OVER (PARTITION BY file_key ORDER BY register_file, local_authority_code) = 1"""
    )
    con.execute(
        """INSERT INTO raw.comment_text BY NAME
           SELECT comment_id, 'healthwatch' AS source, text, source_file, file_sha256, source_row FROM _hw_ok"""
    )
    con.execute(
        """INSERT INTO staged.healthwatch_findings BY NAME
           SELECT comment_id AS finding_id, report_id, source_row AS finding_no, kind, section, page,
                  length(text) AS characters, comment_id AS text_ref, m.local_authority_code, m.icb_code,
                  m.publication_date, m.service_type, o.source_file, o.file_sha256, source_row
           FROM _hw_ok o JOIN _hw_meta m USING (file_key)"""
    )
    con.execute(sql_file(READERS_DIR / "finding_comments.sql", is_substantive=is_substantive_sql("text")))
    counts = {f.rel_path: (len(found), quarantined.get(f.rel_path, 0)) for f, found, _ in read}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hw_counts AS SELECT unnest(?::VARCHAR[]) AS source_file, "
        "unnest(?::INTEGER[]) AS findings, unnest(?::INTEGER[]) AS findings_quarantined",
        [list(counts), [n - q for n, q in counts.values()], [q for _, q in counts.values()]],
    )
    run_sql_file(con, READERS_DIR / "staged_healthwatch_reports.sql")
    for path, (n, q) in counts.items():
        answers[path] = LoadCounts(n, n - q, q)
    return answers


def load_report(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A report document → report row, findings, comment text and comments (``load_reports`` for one
    file, whose earlier rows the caller has already deleted)."""
    answer = load_reports(con, [f], lambda files: None)[f.rel_path]
    if isinstance(answer, FileRejected):
        raise answer
    return answer


def refresh_report_metadata(con: duckdb.DuckDBPyConnection) -> None:
    """Re-apply the current register and lookup to reports loaded earlier (the register is authoritative).

    A corrected publication date or local authority, or a lookup loaded after the reports, then reaches
    the reports, their findings and their comments without re-reading the documents.
    """
    ensure_healthwatch_tables(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _hw_current AS
        SELECT * FROM ({REGISTER_GEO_SQL})
        QUALIFY count(*) OVER (PARTITION BY file_key) = 1
        """,
        {"english_lad_code": ENGLISH_LAD_CODE},
    )
    con.execute(
        """UPDATE staged.healthwatch_reports r SET local_healthwatch = g.local_healthwatch,
               local_authority_code = g.local_authority_code, local_authority_name = g.local_authority_name,
               sub_icb_code = g.sub_icb_code, icb_code = g.icb_code, publication_date = g.publication_date,
               service_type = g.service_type, title = g.title, register_file = g.register_file
           FROM _hw_current g WHERE g.file_key = lower(r.report_id)"""
    )
    con.execute(
        """UPDATE staged.healthwatch_findings f SET local_authority_code = r.local_authority_code,
               icb_code = r.icb_code, publication_date = r.publication_date, service_type = r.service_type
           FROM staged.healthwatch_reports r WHERE f.source_file = r.source_file"""
    )
    con.execute(
        """UPDATE staged.comments c SET sub_icb_code = r.sub_icb_code, icb_code = r.icb_code,
               local_authority_code = r.local_authority_code, comment_date = r.publication_date
           FROM staged.healthwatch_reports r WHERE c.source = 'healthwatch' AND c.source_file = r.source_file"""
    )


def _by_suffix(*suffixes: str) -> Callable[[LandingFile], bool]:
    """A layout's sniff: whether a file's suffix is one of ``suffixes``."""
    return lambda f: f.suffix in suffixes


_REPORT_TABLES = (
    "staged.healthwatch_reports",
    "staged.healthwatch_findings",
    "raw.comment_text",
    "staged.comments",
)
REPORT_PDF = Layout(
    name="healthwatch_report_pdf", source=SOURCE, description="Report as PDF (text layer, page numbers kept)",
    tables=_REPORT_TABLES, load=load_report, load_batch=load_reports, suffixes=frozenset({".pdf"}), sniff=_by_suffix(".pdf"),
)  # fmt: skip
REPORT_HTML = Layout(
    name="healthwatch_report_html", source=SOURCE, description="Report as an HTML page (site chrome dropped)",
    tables=_REPORT_TABLES, load=load_report, load_batch=load_reports, suffixes=frozenset({".html", ".htm"}), sniff=_by_suffix(".html", ".htm"),
)  # fmt: skip
REPORT_DOCX = Layout(
    name="healthwatch_report_docx", source=SOURCE, description="Report as a Word document (styles give headings, lists, quotes)",
    tables=_REPORT_TABLES, load=load_report, load_batch=load_reports, suffixes=frozenset({".docx"}), sniff=_by_suffix(".docx"),
)  # fmt: skip
REPORT_MARKDOWN = Layout(
    name="healthwatch_report_markdown", source=SOURCE, description="Report as Markdown",
    tables=_REPORT_TABLES, load=load_report, load_batch=load_reports, suffixes=frozenset({".md"}), sniff=_by_suffix(".md"),
)  # fmt: skip

REPORT_LAYOUTS: tuple[Layout, ...] = (REPORT_PDF, REPORT_HTML, REPORT_DOCX, REPORT_MARKDOWN)
