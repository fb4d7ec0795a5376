"""Rows a CSV is read without: ragged rows and spreadsheet formula text (``CSV_READ_RULES`` of the policy).

:func:`pipelines.ingest.csv_staging.stage_csv` reads every CSV with DuckDB's rejects table on, so a row with too few or
too many fields is set aside with its line number instead of failing the file; these functions turn the
rejects into ``quarantine.rows`` (rule ``ragged_row``), tell a truncated file (its last line cut
mid-field, or a quote never closed) from a ragged row, renumber the rows read so ``source_row`` stays the
row's place in the file, and quarantine rows holding spreadsheet formula text (rule ``formula_text``).

The rows quarantined here never reach a reader's own rules; :func:`read_quarantined_rows` counts them so
the ingest loop adds them to the file's rows read and quarantined.

"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal, sql_file

HERE = Path(__file__).parent

# A text cell that a spreadsheet would evaluate, or an Excel error value: '=' and anything, or '+', '-',
# '@' followed by a function call or a cell reference (A1, $B$2). A number with a sign (-5, +44 20 7946
# 0000) is not a formula, nor is prose starting with a dash ("- staff were kind") or a handle (@nhs).
FORMULA_CELL_RE = (
    r"^\s*(?:=\s*\S|[+\-@]\s*(?:[A-Za-z_][A-Za-z0-9_.]*\(|\$?[A-Za-z]{1,3}\$?[0-9]{1,7}\b)"
    r"|#(?:REF!|VALUE!|DIV/0!|NAME\?))"
)


RAGGED_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")


READ_RULES = ("ragged_row", "formula_text")


REJECTS_TABLE = "_csv_rejects"


REJECTS_SCAN = "_csv_reject_scans"


@dataclass(frozen=True)
class RejectedRecord:
    """One record DuckDB's CSV reader set aside: its data row, line, error type and fields found."""

    data_row: int
    line: int
    error_type: str
    message: str
    found: int | None
    expected: int | None


def rejected_records(con: duckdb.DuckDBPyConnection, skip: int) -> list[RejectedRecord]:
    """The records of the last ``read_csv`` with ``rejects_table = REJECTS_TABLE``, one per record, in order.

    DuckDB numbers records from the start of the file (the header is line 1), so a record's data row is
    its line less the lines skipped.
    """
    rows = con.execute(
        f"""SELECT line, any_value(error_type ORDER BY column_idx), any_value(error_message ORDER BY column_idx),
                   any_value(csv_line ORDER BY column_idx)
            FROM {REJECTS_TABLE} GROUP BY line ORDER BY line"""
    ).fetchall()
    out = []
    for line, error_type, message, text in rows:
        found = expected = None
        if "Expected Number of Columns" in (message or ""):
            numbers = [int(p) for p in message.replace(":", " ").split() if p.isdigit()]
            if len(numbers) >= 2:
                expected, found = numbers[0], numbers[1]
            # DuckDB stops counting at the first field too many: count the record's fields as written
            # (DuckDB keeps only the start of a very long line, so never fewer than it counted).
            fields = next(csv.reader(io.StringIO(text or "")), None)
            if fields is not None:
                found = max(found, len(fields)) if error_type == "TOO MANY COLUMNS" else len(fields)
        out.append(RejectedRecord(int(line) - skip, int(line), error_type, message or "", found, expected))
    return out


def drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {REJECTS_TABLE}; DROP TABLE IF EXISTS {REJECTS_SCAN}")


def unreadable_record_problem(
    record: RejectedRecord, rows_in_file: int, ends_with_newline: bool
) -> str | None:
    """Why ``record`` fails the whole file, or None when it is a ragged row to quarantine.

    Truncated: the last record is short and the file does not end with a line break (a copy still being
    written, or cut), or a quote is never closed (it swallows the rest of the file). Anything DuckDB
    rejects other than a wrong number of fields (bytes that are not text, a line over the size limit)
    fails the file as before.
    """
    last = record.data_row == rows_in_file
    if record.error_type == "UNQUOTED VALUE":
        return f"malformed CSV at line {record.line}: a quoted value is never closed (truncated file?)"
    if record.error_type == "MISSING COLUMNS" and last and not ends_with_newline:
        return (
            f"the file is truncated: its last line ({record.line}) is cut mid-field (expected "
            f"{record.expected} fields, found {record.found}); it is still being written or was cut in copying, "
            "so nothing from it was loaded"
        )
    if record.error_type not in RAGGED_ERRORS:
        if record.error_type == "INVALID UNICODE":
            return (
                f"malformed CSV at line {record.line}: bytes that are not valid text in the detected encoding"
            )
        return f"malformed CSV at line {record.line}: {record.message.strip().splitlines()[0] if record.message else record.error_type}"
    return None


def quarantine_ragged(
    con: duckdb.DuckDBPyConnection,
    target: str,
    records: Sequence[RejectedRecord],
    source: str,
    source_file: str,
    file_sha256: str,
) -> None:
    """Write the ragged ``records`` to ``quarantine.rows`` and renumber ``target``'s rows to their place in the file.

    ``target`` holds the records read, numbered 1..n in order by ``source_row``; after this a row's
    ``source_row`` is its data row in the file, counting the ragged rows it was read without.
    """
    con.execute(
        """INSERT INTO quarantine.rows
               (source, source_file, file_sha256, source_row, column_name, rule, value, message, scope)
           SELECT ?, ?, ?, unnest(?::BIGINT[]), NULL, 'ragged_row', unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), 'row'""",
        [
            source,
            source_file,
            file_sha256,
            [r.data_row for r in records],
            [f"{r.found} fields" if r.found is not None else None for r in records],
            [
                f"line {r.line}: expected {r.expected} fields, found {r.found} (a ragged row)"
                if r.found is not None
                else f"line {r.line}: {r.message}"
                for r in records
            ],
        ],
    )
    read = int(con.execute(f"SELECT count(*) FROM {target}").fetchone()[0])
    total = read + len(records)
    con.execute(
        sql_file(HERE / "renumbered_rows.sql", target=target),
        {"rows_end": total + 1, "ragged_rows": [r.data_row for r in records]},
    )


def quarantine_formula_text(
    con: duckdb.DuckDBPyConnection,
    target: str,
    columns: Sequence[str],
    source: str,
    source_file: str,
    file_sha256: str,
) -> int:
    """Quarantine (rule ``formula_text``) and delete the rows of ``target`` with a formula cell; return how many.

    One scan over the text columns; only when a row matches are its cells unpivoted to name each one.
    """
    if not columns:
        return 0
    any_formula = " OR ".join(
        f"regexp_matches({quote_identifier(c)}, {quote_literal(FORMULA_CELL_RE)})" for c in columns
    )
    hits = int(con.execute(f"SELECT count(*) FROM {target} WHERE {any_formula}").fetchone()[0])
    if not hits:
        return 0
    cells = ", ".join(f"CAST({quote_identifier(c)} AS VARCHAR) AS {quote_identifier(c)}" for c in columns)
    names = ", ".join(quote_identifier(c) for c in columns)
    con.execute(
        sql_file(
            HERE / "formula_text_quarantine.sql",
            target=target,
            cells=cells,
            columns=names,
            any_formula=any_formula,
        ),
        {
            "source": source,
            "source_file": source_file,
            "file_sha256": file_sha256,
            "formula_pattern": FORMULA_CELL_RE,
        },
    )
    con.execute(f"DELETE FROM {target} WHERE {any_formula}")
    return hits


def read_quarantined_rows(con: duckdb.DuckDBPyConnection, source_file: str) -> int:
    """Rows of ``source_file`` quarantined while it was read (ragged rows, formula text) in this load."""
    rules = ", ".join(f"'{r}'" for r in READ_RULES)
    row = con.execute(
        f"SELECT count(DISTINCT source_row) FROM quarantine.rows WHERE source_file = ? AND rule IN ({rules})",
        [source_file],
    ).fetchone()
    return int(row[0]) if row else 0


def read_quarantine_summary(con: duckdb.DuckDBPyConnection, source_file: str) -> str:
    """What was quarantined from ``source_file`` so far, by rule ("duplicate_key: 2, status_known: 1")."""
    rows = con.execute(
        """SELECT rule, count(DISTINCT source_row) FROM quarantine.rows WHERE source_file = ? AND scope = 'row'
           GROUP BY 1 ORDER BY 2 DESC, 1""",
        [source_file],
    ).fetchall()
    return ", ".join(f"{rule}: {n}" for rule, n in rows)
