"""CSV staging: every CSV is read by DuckDB into a temporary table with its header as written, rows that
cannot be read set aside (``read_rules``), and an error that names the file, line and column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.sql import quote_literal, sql_file
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.read_rules import (
    REJECTS_SCAN,
    REJECTS_TABLE,
    RejectedRecord,
    drop_rejects,
    quarantine_formula_text,
    quarantine_ragged,
    rejected_records,
    unreadable_record_problem,
)


def _csv_error_message(landing_file: LandingFile, exc: duckdb.Error, header_lines: int) -> str:
    """Turn DuckDB's multi-line CSV error into one sentence naming the file, line and problem."""

    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"line {line.group(1)}" if line else "somewhere in the file"
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if fields:
        problem = f"expected {fields.group(1)} fields, found {fields.group(2)} (a ragged or truncated row)"
    elif "unterminated quote" in text:
        problem = "a quoted value is never closed (truncated file?)"
    elif "Invalid unicode" in text or "invalid unicode" in text:
        problem = "bytes that are not valid text in the detected encoding"
    else:
        problem = text.strip().splitlines()[0]
    return f"{landing_file.rel_path}: malformed CSV at {where}: {problem}"


# A null string no real cell holds: with it, empty fields are read as '' rather than NULL.
NEVER_NULL = "\x1fchorus-no-null\x1f"
STAGED_CSV_SQL = Path(__file__).with_name("staged_csv.sql")


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    target: str,
    columns: Sequence[str] | None = None,
    header: bool = True,
    keep_empty: bool = False,
) -> int:
    """Read a CSV as all-text into temp table ``target`` with a 1-based ``source_row``; return rows kept.

    Column names are the normalised header (or ``columns`` for header-less files). A row with too few or
    too many fields is quarantined (``ragged_row``, with its line) and so is a row holding spreadsheet
    formula text (``formula_text``): neither is in ``target``, and ``source_row`` stays each row's place
    in the file (see :mod:`pipelines.ingest.read_rules`; the ingest loop adds them to the file's counts). A
    truncated file (last line cut mid-field, a quote never closed) or bytes that are not text fail the
    file with the line number. cp1252 / latin-1 / UTF-16 files (Excel's saves) are transcoded; a UTF-8
    BOM is ignored. ``keep_empty`` keeps empty fields as '' instead of NULL (for GPPS a blank value is a
    suppression).
    """
    return quarantine_unreadable_rows(
        con, read_csv_rows(con, landing_file, target, columns, header, keep_empty)
    )


@dataclass(frozen=True)
class CsvRead:
    """A CSV read into temp table ``target`` by :func:`read_csv_rows`, its ragged rows not yet quarantined."""

    landing_file: LandingFile
    target: str
    columns: tuple[str, ...]
    rows: int  # records read with the header's number of fields
    ragged: tuple[RejectedRecord, ...]  # records with too few or too many fields, in file order


def read_csv_rows(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    target: str,
    columns: Sequence[str] | None = None,
    header: bool = True,
    keep_empty: bool = False,
) -> CsvRead:
    """The reading half of :func:`stage_csv`: writes nothing but temp tables, so a file it rejects
    (``FileRejected``: truncated, not text, no rows) leaves the store as it was. Ragged rows are set aside
    in the answer; :func:`quarantine_unreadable_rows` writes them and the formula-text rows to the quarantine.
    """

    if columns is None:
        columns = landing_file.csv_header()
    if not columns:
        raise FileRejected(f"{landing_file.rel_path}: the file has no header row")
    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns) + "}"
    skip = 1 if header else 0
    drop_rejects(con)
    with landing_file.utf8_path() as path:
        try:
            con.execute(
                sql_file(STAGED_CSV_SQL, target=target, columns=spec),
                {
                    "path": str(path),
                    "skip": skip,
                    "null_text": NEVER_NULL if keep_empty else "",
                    "rejects_table": REJECTS_TABLE,
                    "rejects_scan": REJECTS_SCAN,
                },
            )
        except duckdb.Error as exc:
            raise FileRejected(_csv_error_message(landing_file, exc, skip)) from exc
        ends_with_newline = _ends_with_newline(path)
    rejected = rejected_records(con, skip)
    drop_rejects(con)
    rows = int(con.execute(f"SELECT count(*) FROM {target}").fetchone()[0])
    if rejected:
        for record in rejected:
            problem = unreadable_record_problem(record, rows + len(rejected), ends_with_newline)
            if problem:
                raise FileRejected(f"{landing_file.rel_path}: {problem}")
        if rows == 0:
            raise FileRejected(
                f"{landing_file.rel_path}: no row has the header's {len(columns)} fields (e.g. line "
                f"{rejected[0].line}: {rejected[0].found}); the header does not describe the rows"
            )
    elif rows == 0:
        raise FileRejected(f"{landing_file.rel_path}: the file has a header but no data rows")
    return CsvRead(landing_file, target, tuple(columns), rows, tuple(rejected))


def quarantine_unreadable_rows(con: duckdb.DuckDBPyConnection, read: CsvRead) -> int:
    """The writing half of :func:`stage_csv`: quarantine ``read``'s ragged rows (renumbering the rest to
    their place in the file) and its rows with formula text; return the rows left in ``read.target``."""
    f = read.landing_file
    if read.ragged:
        quarantine_ragged(con, read.target, read.ragged, f.source, f.rel_path, f.sha256)
    formulas = quarantine_formula_text(con, read.target, read.columns, f.source, f.rel_path, f.sha256)
    return read.rows - formulas


def _ends_with_newline(path: Path) -> bool:
    """Whether the file's last byte is a line break (a file cut while being written usually is not)."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return False
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) in (b"\n", b"\r")


def reject_missing_columns(
    landing_file: LandingFile, header: Sequence[str], required: Iterable[str], layout: str
) -> None:
    """Fail the file when columns its layout needs are absent, naming them."""
    missing = sorted(set(required).difference(header))
    if missing:
        raise FileRejected(
            f"{landing_file.rel_path}: recognised as {layout} but missing required column(s): {', '.join(missing)}"
        )
