"""CSV files as they really arrive: trailing blank lines, a header line typed above a header-less file,
an incremental export with nothing new in it, and dates written two ways in one column.

Readers call these around ``pipelines.ingest.csv_staging.stage_csv``; each returns what it did as a short note, and
the loader joins the notes into ``LoadCounts.note``, which the ingest ledger records as the file's
message (``meta.ingest_ledger.error`` of a loaded file), so a file read around is never read silently.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.files import LandingFile, read_first_row

# A line with nothing in it but separators and spaces: what Excel writes for an empty row (",,,,"). Never a
# quote: a lone '"' line closes a multi-line quoted field.
_BLANK_LINE = re.compile(rb"^[\s,;]*$")
_TAIL_BYTES = 1 << 16


def trailing_blank_lines(path: Path) -> tuple[int, int]:
    """(blank lines at the end of the file, byte offset where they start).

    Reads only the file's tail. A final newline is not a blank line; "\\n\\n", ",,,,\\n" and "   \\n" at
    the end are. The first line is never counted (a file of blank lines is left for the header check).
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read()
    base = size - len(tail)
    end = len(tail) - 1 if tail.endswith(b"\n") else len(tail)  # the last line is tail[start:end]
    blank = 0
    while True:
        start = tail.rfind(b"\n", 0, end) + 1
        if start == 0 or not _BLANK_LINE.match(tail[start:end]):
            break
        blank += 1
        end = start - 1  # the newline before this blank line
    return blank, (base + end + 1 if blank else size)


@contextmanager
def readable_csv(landing_file: LandingFile, skip_lines: int = 0) -> Iterator[tuple[LandingFile, list[str]]]:
    """The file as ``stage_csv`` should read it, and notes saying what was left out.

    Trailing blank lines (",,,," rows Excel writes after the data) are not rows: they are cut off.
    ``skip_lines`` lines at the top (a header typed above a header-less file) are cut off too. When
    nothing is cut, the file itself is used; otherwise a trimmed copy with the same name, path in the
    landing folder and SHA-256, so ledger, quarantine and row ids are those of the file that arrived.
    """
    blank, cut = trailing_blank_lines(landing_file.path)
    notes: list[str] = []
    if blank:
        notes.append(f"{blank} blank line(s) at the end of the file are not rows and were not read")
    if not blank and not skip_lines:
        yield landing_file, notes
        return
    with tempfile.TemporaryDirectory(prefix="chorus-arrived-") as tmp:
        target = Path(tmp) / landing_file.path.name
        with landing_file.path.open("rb") as src, target.open("wb") as dst:
            for _ in range(skip_lines):
                src.readline()
            remaining = cut - src.tell()
            while remaining > 0 and (block := src.read(min(1 << 20, remaining))):
                dst.write(block)
                remaining -= len(block)
        yield dataclasses.replace(landing_file, path=target), notes


def has_data_lines(landing_file: LandingFile) -> bool:
    """True when anything but blank lines follows the header line."""
    with landing_file.path.open("rb") as handle:
        handle.readline()
        for line in handle:
            if not _BLANK_LINE.match(line):
                return True
    return False


def stage_incremental_csv(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    target: str,
    columns: Sequence[str] | None = None,
) -> tuple[int, list[str]]:
    """``stage_csv`` for an incremental export (stories, complaints): a header-only file is 0 rows, not an error.

    Trailing blank lines are cut off (see :func:`readable_csv`). Returns rows read and the notes.
    """
    with readable_csv(landing_file) as (readable, notes):
        if has_data_lines(readable):
            return stage_csv(con, readable, target, columns=columns), notes
        header = list(columns) if columns is not None else readable.csv_header()
        spec = ", ".join(f'"{c.replace(chr(34), chr(34) * 2)}" VARCHAR' for c in header)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} (source_row BIGINT, {spec})")
        notes.append(
            "the file has a header and no rows: an incremental export with nothing new, loaded as 0 rows"
        )
        return 0, notes


def first_row_is_label_line(landing_file: LandingFile, looks_like_data: object) -> bool:
    """True when the first line is labels typed above a header-less file and the second line is its data.

    ``looks_like_data`` is the layout's own test of one row of fields. Used for ODS epraccur, which has no
    header: someone who opened it in Excel and typed column names in row 1 has not changed the data.
    """
    encoding = landing_file.text_encoding()
    first = read_first_row(landing_file.path, encoding)
    if not first or not any(re.search(r"[a-z]", cell) for cell in first):
        return False
    if callable(looks_like_data) and looks_like_data(first):
        return False
    import csv
    import io

    with landing_file.path.open(
        "r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
    ) as h:
        h.readline()
        second = h.readline()
    if not second.strip():
        return False
    fields = next(csv.reader(io.StringIO(second)), [])
    return bool(callable(looks_like_data) and looks_like_data(fields))


def join_notes(*notes: str | None) -> str | None:
    """One ledger message from several notes (None when there are none)."""
    kept = [n for n in notes if n]
    return "; ".join(kept) if kept else None


def date_order_note(con: duckdb.DuckDBPyConnection, column: str, dates: str = "_dates") -> str | None:
    """A note on how a column of mixed d/m/Y and m/d/Y dates was read, from ``resolve_dates``'s temp table.

    Says how many dates settled their own order (a part above 12, or ISO) and how many were ambiguous and
    read by the file's rule (its majority order; day first, the UK order, on a tie). None when no date was
    ambiguous, or when the column is plainly day first (no date settled month first).
    """
    row = con.execute(
        f"""SELECT count(*) FILTER (WHERE date_order IN ('d/m/Y', 'm/d/Y', 'iso')),
                   count(*) FILTER (WHERE date_order LIKE '%majority%' AND date_ambiguous),
                   any_value(date_order) FILTER (WHERE date_order LIKE '%majority%'),
                   count(*) FILTER (WHERE date_order = 'd/m/Y'), count(*) FILTER (WHERE date_order = 'm/d/Y')
            FROM {dates}"""
    ).fetchone()
    settled, ambiguous, rule, day_first, month_first = (row[0], row[1], row[2], row[3], row[4])
    # A plain UK column (some dates day first, none month first) is read as documented without a note.
    if not ambiguous or not (month_first or (rule or "").startswith("m/d/Y")):
        return None
    order = "day first" if rule and rule.startswith("d/m/Y") else "month first"
    mixed = " (the column mixes both orders)" if day_first and month_first else ""
    return (
        f"{column}: {settled} date(s) read unambiguously{mixed}; {ambiguous} with day and month both 12 or less "
        f"read {order}, the file's majority order (day first on a tie), and flagged date_ambiguous"
    )
