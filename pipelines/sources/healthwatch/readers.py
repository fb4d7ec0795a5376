"""Healthwatch layouts (docs/DESIGN.md section 4, "Healthwatch").

- ``ons_lad_icb_lookup``: the ONS "LAD to sub-ICB location to ICB" lookup (``LADyyCD, LADyyNM, SICBLyyCDH,
  ICByyCDH …``) → ``ref.local_authority_icb``; Healthwatch areas are local authorities.
- ``healthwatch_register``: the CSV describing every report file (file, local Healthwatch, local authority,
  publication date, service type, title) → ``staged.healthwatch_register``.
- ``healthwatch_report_*``: a report document (PDF, HTML, DOCX, Markdown) → one ``staged.healthwatch_reports``
  row, its findings in ``staged.healthwatch_findings``, their text in ``raw.comment_text`` and one
  ``staged.comments`` row each (channel ``report_finding``). A document the register does not describe is
  rejected with a message saying so: its place and date are never guessed.
- ``healthwatch_reviews``: Feedback Centre-style star-rated reviews → ``staged.healthwatch_reviews`` and
  ``staged.comments`` (channel ``review``; 5 stars → rating 1, very positive).

For documents a "row" is a finding: rows read = findings extracted = loaded + quarantined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from pipelines.ingest.csv_staging import reject_missing_columns, stage_csv
from pipelines.ingest.detect import ClearFiles, Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows, quarantine_rows_by_file
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.documents import document_blocks, findings
from pipelines.sources.shared.as_arrived import join_notes, stage_incremental_csv
from pipelines.sources.shared.comments import ensure_comment_tables, is_substantive_sql
from pipelines.sources.shared.geography import code_geography_sql
from pipelines.sources.shared.header_map import columns_for_fields, header_rules, register_expected_columns

SOURCE = "healthwatch"
HERE = Path(__file__).parent
HEADER_MAP = HERE / "header_map.csv"  # + CHORUS_HEALTHWATCH_HEADER_MAP (see pipelines/sources/header_map.py)
TABLES_SQL = (HERE / "tables.sql").read_text()

# Dates as registers and review exports write them: ISO, UK day-first, or with a month name.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %Y",
    "%Y-%m-%dT%H:%M:%S",
)
LAD_CODE = r"E0[6-9][0-9]{6}"


def date_sql(column: str) -> str:
    """SQL: a text date in any of ``DATE_FORMATS`` as DATE, else NULL."""
    tries = ", ".join(f"try_strptime(trim({column}), '{fmt}')" for fmt in DATE_FORMATS)
    return f"coalesce({tries})::DATE"


def ensure_healthwatch_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the Healthwatch tables and the shared comment tables if missing."""
    con.execute(TABLES_SQL)
    ensure_comment_tables(con)


# --- local authority → ICB lookup ------------------------------------------------------------------


def _lookup_columns(header: list[str]) -> dict[str, str] | None:
    """Map the ONS lookup's year-stamped headers (LAD23CD, SICBL23CDH, ICB23CDH …) to our names."""
    wanted = {
        "local_authority_code": r"lad\d{2}cd",
        "local_authority_name": r"lad\d{2}nm",
        "sub_icb_code": r"(sicbl|ccg)\d{2}cdh",
        "sub_icb_name": r"(sicbl|ccg)\d{2}nm",
        "icb_code": r"(icb|stp)\d{2}cdh",
        "icb_ons_code": r"(icb|stp)\d{2}cd",
        "icb_name": r"(icb|stp)\d{2}nm",
    }
    found = {}
    for name, pattern in wanted.items():
        match = next((h for h in header if re.fullmatch(pattern, h)), None)
        if match:
            found[name] = match
    return found if {"local_authority_code", "icb_code"} <= found.keys() else None


def _looks_like_lad_lookup(f: LandingFile) -> bool:
    return _lookup_columns(f.csv_header()) is not None


def load_lad_lookup(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """ONS LAD → sub-ICB location → ICB lookup → ``ref.local_authority_icb``."""
    ensure_healthwatch_tables(con)
    columns = _lookup_columns(f.csv_header()) or {}
    rows_read = stage_csv(con, f, "_lad")
    select = ", ".join(
        f'nullif(trim("{columns[c]}"), \'\') AS {c}' if c in columns else f"NULL AS {c}"
        for c in ("local_authority_code", "local_authority_name", "sub_icb_code", "sub_icb_name", "icb_code",
                  "icb_ons_code", "icb_name")
    )  # fmt: skip
    con.execute(f"CREATE OR REPLACE TEMP VIEW _lad_typed AS SELECT source_row, {select} FROM _lad")
    rules = [
        RowRule("lad_code_shape", "local_authority_code",
                f"local_authority_code IS NULL OR NOT regexp_full_match(local_authority_code, '{LAD_CODE}')",
                "local authority code is not an English LAD code (E06/E07/E08/E09 + 6 digits)"),
        RowRule("icb_code_shape", "icb_code", "icb_code IS NULL OR NOT regexp_full_match(icb_code, 'Q[A-Z0-9]{2}')",
                "ICB code is not Q and two characters"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_lad_typed", rules, f, policy=P.LOCAL_AUTHORITY_ICB)
    con.execute(
        f"""INSERT INTO ref.local_authority_icb BY NAME
            SELECT * EXCLUDE (source_row), ? AS source_file, ? AS file_sha256, source_row
            FROM _lad_typed WHERE {passing_rows(rules)}""",
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)


# One row per local authority; sub-ICB / ICB only when the lookup gives a single answer.
LA_SQL = """
    SELECT local_authority_code, any_value(local_authority_name) AS local_authority_name,
           CASE WHEN count(DISTINCT sub_icb_code) = 1 THEN any_value(sub_icb_code) END AS sub_icb_code,
           CASE WHEN count(DISTINCT icb_code) = 1 THEN any_value(icb_code) END AS icb_code
    FROM ref.local_authority_icb GROUP BY 1
"""


def la_join(alias: str, column: str) -> str:
    """SQL fragment: LEFT JOIN the lookup as ``alias`` on a local authority given as a code or a name."""
    return (
        f"LEFT JOIN ({LA_SQL}) {alias} ON {alias}.local_authority_code = upper(trim({column})) "
        f"OR lower({alias}.local_authority_name) = lower(trim({column}))"
    )


# --- the register ----------------------------------------------------------------------------------

REGISTER_REQUIRED = ("file", "local_authority", "publication_date")
REGISTER_FIELDS = (
    "file",
    "local_healthwatch",
    "local_authority",
    "publication_date",
    "service_type",
    "title",
)


def _mapped(header: list[str], layout: str, required: tuple[str, ...]) -> dict[str, str] | None:
    """Field → quoted column for a header-mapped layout, or None when a required field has no column."""
    chosen = columns_for_fields(header, header_rules(SOURCE, HEADER_MAP, layout))
    if any(field not in chosen for field in required):
        return None
    return {field: '"' + column.replace('"', '""') + '"' for field, column in chosen.items()}


def _looks_like_register(f: LandingFile) -> bool:
    return _mapped(f.csv_header(), "register", REGISTER_REQUIRED) is not None


def load_register(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """The report register CSV → ``staged.healthwatch_register`` (one row per described file)."""
    ensure_healthwatch_tables(con)
    columns = _mapped(f.csv_header(), "register", REGISTER_REQUIRED)
    if columns is None:
        reject_missing_columns(f, f.csv_header(), REGISTER_REQUIRED, "Healthwatch report register")
    c = {field: (columns or {}).get(field, "NULL::VARCHAR") for field in REGISTER_FIELDS}
    rows_read, notes = stage_incremental_csv(con, f, "_hwreg")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _hwreg_typed AS
        SELECT source_row, trim({c["file"]}) AS file_name,
               lower(regexp_extract(replace(trim({c["file"]}), chr(92), '/'), '([^/]+)$', 1)) AS file_key,
               nullif(trim({c["local_healthwatch"]}), '') AS local_healthwatch,
               nullif(trim({c["local_authority"]}), '') AS local_authority,
               {c["publication_date"]} AS publication_date_text, {date_sql(c["publication_date"])} AS publication_date,
               nullif(trim({c["service_type"]}), '') AS service_type, nullif(trim({c["title"]}), '') AS title
        FROM _hwreg
        """
    )
    rules = [
        RowRule("file_named", "file_name", "file_name IS NULL OR file_key = ''", "the register row names no file"),
        RowRule("publication_date_format", "publication_date_text", "publication_date IS NULL",
                "publication date is missing or not a date (2025-03-31, 31/03/2025, 31 March 2025)"),
        RowRule("local_authority_present", "local_authority", "local_authority IS NULL",
                "no local authority: the report could not be placed"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_hwreg_typed", rules, f, policy=P.REGISTER)
    con.execute(
        f"""INSERT INTO staged.healthwatch_register BY NAME
            SELECT * EXCLUDE (source_row, publication_date_text), ? AS source_file, ? AS file_sha256, source_row
            FROM _hwreg_typed WHERE {passing_rows(rules)}""",
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


# Each described file with its geography; a file described differently by two rows is ambiguous.
REGISTER_GEO_SQL = f"""
    SELECT r.file_key, r.local_healthwatch, r.local_authority,
           coalesce(la.local_authority_code,
                    CASE WHEN regexp_full_match(upper(trim(r.local_authority)), '{LAD_CODE}')
                         THEN upper(trim(r.local_authority)) END) AS local_authority_code,
           coalesce(la.local_authority_name, r.local_authority) AS local_authority_name,
           la.sub_icb_code, la.icb_code, r.publication_date, r.service_type, r.title,
           r.source_file AS register_file
    FROM staged.healthwatch_register r {la_join("la", "r.local_authority")}
"""
DESCRIPTION_COLUMNS = ("local_healthwatch", "local_authority", "publication_date", "service_type", "title")


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
NOT_STATED_PEOPLE = ", ".join(
    f"'Not stated' AS {c}"
    for c in ("age_band", "sex", "gender_identity", "ethnicity", "ethnicity_band", "disability", "carer",
              "sexual_orientation", "religion")
)  # fmt: skip
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
            SELECT * FROM ({REGISTER_GEO_SQL}) WHERE file_key IN (SELECT unnest(?::VARCHAR[]))""",
        [sorted({f.path.name.lower() for f in files})],
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
    con.execute(
        f"""INSERT INTO staged.comments BY NAME
            SELECT comment_id, 'healthwatch' AS source, 'report_finding' AS channel,
                   report_id || ':' || source_row AS source_record_id, m.sub_icb_code, m.icb_code, m.local_authority_code,
                   m.publication_date AS comment_date, section AS question, comment_id AS text_ref,
                   {is_substantive_sql("text")} AS is_substantive, {NOT_STATED_PEOPLE},
                   o.source_file, o.file_sha256, source_row
            FROM _hw_ok o JOIN _hw_meta m USING (file_key)"""
    )
    counts = {f.rel_path: (len(found), quarantined.get(f.rel_path, 0)) for f, found, _ in read}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hw_counts AS SELECT unnest(?::VARCHAR[]) AS source_file, "
        "unnest(?::INTEGER[]) AS findings, unnest(?::INTEGER[]) AS findings_quarantined",
        [list(counts), [n - q for n, q in counts.values()], [q for _, q in counts.values()]],
    )
    con.execute(
        """INSERT INTO staged.healthwatch_reports BY NAME
           SELECT f.report_id, f.document_format, f.pages, m.local_healthwatch, m.local_authority_code,
                  m.local_authority_name, m.sub_icb_code, m.icb_code, m.publication_date, m.service_type, m.title,
                  m.register_file, c.findings, c.findings_quarantined,
                  coalesce((SELECT sum(length(o.text)) FROM _hw_ok o WHERE o.source_file = f.source_file), 0) AS characters,
                  f.source_file, f.file_sha256
           FROM _hw_files f JOIN _hw_meta m USING (file_key) JOIN _hw_counts c USING (source_file)"""
    )
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
        """
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


# --- reviews ---------------------------------------------------------------------------------------

REVIEW_REQUIRED = ("service", "date", "stars", "text")


def _review_columns(header: list[str]) -> dict[str, str] | None:
    return _mapped(header, "reviews", REVIEW_REQUIRED)


def _looks_like_reviews(f: LandingFile) -> bool:
    header = f.csv_header()
    return _review_columns(header) is not None and not _looks_like_register(f)


def load_reviews(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """Star-rated reviews → ``staged.healthwatch_reviews``, ``raw.comment_text`` and ``staged.comments``."""
    ensure_healthwatch_tables(con)
    columns = _review_columns(f.csv_header()) or {}

    def col(key: str) -> str:
        return columns.get(key, "NULL")

    rows_read, notes = stage_incremental_csv(con, f, "_hwrev")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f.path.stem)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _hwrev_typed AS
        SELECT source_row,
               coalesce(nullif(trim({col("review_id")}), ''), '{stem}-' || source_row) AS review_id,
               nullif(trim({col("service")}), '') AS service_name,
               nullif(upper(trim({col("organisation_code")})), '') AS organisation_code,
               nullif(trim({col("local_authority")}), '') AS local_authority,
               {col("date")} AS date_text, {date_sql(col("date"))} AS review_date,
               {col("stars")} AS stars_text, try_cast(trim({col("stars")}) AS INTEGER) AS stars,
               nullif(trim({col("title")}), '') AS title, {col("text")} AS review_text,
               {col("age")} AS age, {col("sex")} AS sex, {col("gender")} AS gender,
               {col("ethnicity")} AS ethnicity, {col("disability")} AS disability, {col("carer")} AS carer,
               {col("sexual_orientation")} AS sexual_orientation, {col("religion")} AS religion,
               source_row AS _geo_key
        FROM _hwrev
        """
    )
    rules = [
        RowRule("star_rating_1_to_5", "stars_text", "stars IS NULL OR stars NOT BETWEEN 1 AND 5",
                "star rating is not a whole number from 1 to 5"),
        RowRule("review_date_format", "date_text", "review_date IS NULL",
                "review date is missing or not a date (2025-03-31, 31/03/2025, 31 March 2025)"),
        RowRule("review_id_unique", "review_id", "_n > 1", "the review id appears more than once in the file"),
    ]  # fmt: skip
    # Duplicate ids are counted first: a window function cannot sit inside the quarantine predicate.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hwrev_checked AS SELECT *, count(*) OVER (PARTITION BY review_id) AS _n FROM _hwrev_typed"
    )
    quarantined = quarantine_rows(con, "_hwrev_checked", rules, f, policy=P.REVIEWS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _hwrev_ok AS
        SELECT g.*, 'healthwatch_reviews:' || g.review_id AS comment_id,
               la.local_authority_code, coalesce(g.geo_sub_icb_code, la.sub_icb_code) AS sub_icb_code,
               coalesce(g.geo_icb_code, la.icb_code) AS icb_code
        FROM ({code_geography_sql(con, f"(SELECT * FROM _hwrev_checked WHERE {passing_rows(rules)})", "organisation_code", "review_date")}) g
        {la_join("la", "g.local_authority")}
        """
    )
    params = [f.rel_path, f.sha256]
    con.execute(
        """INSERT INTO raw.comment_text BY NAME
           SELECT comment_id, 'healthwatch_reviews' AS source,
                  CASE WHEN title IS NOT NULL THEN title || E'\\n' ELSE '' END || coalesce(review_text, '') AS text,
                  ? AS source_file, ? AS file_sha256, source_row FROM _hwrev_ok""",
        params,
    )
    con.execute(
        """INSERT INTO staged.healthwatch_reviews BY NAME
           SELECT review_id, comment_id, service_name, organisation_code, practice_code, trust_code,
                  sub_icb_code, icb_code, local_authority_code, review_date, stars, 6 - stars AS rating,
                  ? AS source_file, ? AS file_sha256, source_row FROM _hwrev_ok""",
        params,
    )
    con.execute(
        f"""INSERT INTO staged.comments BY NAME
            SELECT comment_id, 'healthwatch_reviews' AS source, 'review' AS channel, review_id AS source_record_id,
                   organisation_code, practice_code, trust_code, sub_icb_code, icb_code, local_authority_code,
                   review_date AS comment_date, 'Tell us about your experience of ' || coalesce(service_name, 'this service') AS question,
                   comment_id AS text_ref, {is_substantive_sql("review_text")} AS is_substantive,
                   6 - stars AS rating, stars_text || ' star' || CASE WHEN stars = 1 THEN '' ELSE 's' END AS rating_as_published,
                   harmonise('age_band', age) AS age_band, harmonise('sex', sex) AS sex,
                   harmonise('gender_identity', gender) AS gender_identity, harmonise('ethnicity', ethnicity) AS ethnicity,
                   harmonise_band('ethnicity', ethnicity) AS ethnicity_band, harmonise('disability', disability) AS disability,
                   harmonise('carer', carer) AS carer, harmonise('sexual_orientation', sexual_orientation) AS sexual_orientation,
                   harmonise('religion', religion) AS religion, ? AS source_file, ? AS file_sha256, source_row
            FROM _hwrev_ok""",
        params,
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


# --- layouts ---------------------------------------------------------------------------------------


def _by_suffix(*suffixes: str) -> Callable[[LandingFile], bool]:
    return lambda f: f.suffix in suffixes


LAD_LOOKUP = Layout(
    name="ons_lad_icb_lookup", source=SOURCE,
    description="ONS local authority district → sub-ICB location → ICB lookup (LADyyCD, SICBLyyCDH, ICByyCDH …)",
    tables=("ref.local_authority_icb",), load=load_lad_lookup, sniff=_looks_like_lad_lookup,
)  # fmt: skip
REGISTER = Layout(
    name="healthwatch_register", source=SOURCE,
    description="Register of report files: file, local Healthwatch, local authority, publication date, service type, title",
    tables=("staged.healthwatch_register",), load=load_register, sniff=_looks_like_register,
)  # fmt: skip
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
REVIEWS = Layout(
    name="healthwatch_reviews", source=SOURCE,
    description="Feedback Centre-style reviews: service, date, star rating 1-5, review text, optional ODS code and demographics",
    tables=("staged.healthwatch_reviews", "raw.comment_text", "staged.comments"), load=load_reviews,
    sniff=_looks_like_reviews,
)  # fmt: skip

REPORT_LAYOUTS: tuple[Layout, ...] = (REPORT_PDF, REPORT_HTML, REPORT_DOCX, REPORT_MARKDOWN)
HEALTHWATCH_LAYOUTS: tuple[Layout, ...] = (LAD_LOOKUP, REGISTER, *REPORT_LAYOUTS, REVIEWS)
register_expected_columns(REGISTER.name, SOURCE, HEADER_MAP, "register", REGISTER_REQUIRED)
register_expected_columns(REVIEWS.name, SOURCE, HEADER_MAP, "reviews", REVIEW_REQUIRED)
