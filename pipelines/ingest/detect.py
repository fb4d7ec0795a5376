"""Layouts and their detection: a ``Layout`` is one format a source reads (its signature columns and its
loader); ``detect_layout`` picks the one a file is, by content, and says what was closest when none is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb

from pipelines.ingest.files import FileRejected, LandingFile, reject_binary_text_file


@dataclass(frozen=True)
class LoadCounts:
    """What a layout's loader did with one file."""

    rows_read: int
    rows_loaded: int
    rows_quarantined: int = 0
    # What the reader read around on the way (a header line skipped ...); the ledger's message for the file.
    note: str | None = None


Loader = Callable[[duckdb.DuckDBPyConnection, LandingFile], LoadCounts]


# Loads many files in one pass (see ``Layout.load_batch``): reads them all, answers a
# ``FileRejected`` for each file it cannot load (having written nothing for it), calls ``clear`` with the
# files it will load (which deletes their earlier rows), then writes them set-based.
ClearFiles = Callable[[Sequence[LandingFile]], None]


BatchLoader = Callable[
    [duckdb.DuckDBPyConnection, Sequence[LandingFile], ClearFiles], dict[str, "LoadCounts | FileRejected"]
]


@dataclass(frozen=True)
class Layout:
    """One recognised file layout of a source: how to spot it and how to load it.

    ``signature`` lists header columns (normalised) that identify a CSV layout; ``sniff`` recognises
    files with no header or no CSV at all. ``tables`` are the tables whose rows this layout writes, keyed
    by ``source_file`` so a changed file can replace exactly its own rows. ``load_batch`` (optional) loads
    many files of the layout in one pass (Healthwatch's small reports; a year of FFT comment exports, one
    commit and one validation instead of one per file); ``ingest_source`` then loads them together
    (``ingest_files_together``), with the same per-file outcome as ``load``.
    """

    name: str
    source: str
    description: str
    tables: tuple[str, ...]
    load: Loader
    signature: frozenset[str] = frozenset()
    suffixes: frozenset[str] = frozenset({".csv", ".txt"})
    sniff: Callable[[LandingFile], bool] | None = None
    load_batch: BatchLoader | None = None
    # The share of a file's rows that may be quarantined while the rest still loads (from the table's
    # quarantine policy; reference files that define the practice list). None: no limit.
    max_loss: float | None = None

    def matches(self, landing_file: LandingFile, header: Sequence[str] | None) -> bool:
        if landing_file.suffix not in self.suffixes:
            return False
        if self.sniff is not None:
            return self.sniff(landing_file)
        return header is not None and bool(self.signature) and self.signature.issubset(header)


def detect_layout(landing_file: LandingFile, layouts: Sequence[Layout]) -> Layout:
    """The layout whose content signature the file carries, or a ``FileRejected`` that says what was expected."""
    if landing_file.bytes == 0:
        raise FileRejected(f"{landing_file.rel_path}: the file is empty (0 bytes)")
    header: list[str] | None = None
    duplicated: list[str] = []
    if landing_file.suffix in {".csv", ".txt"}:
        reject_binary_text_file(landing_file)
        try:
            header = landing_file.csv_header()
        except (UnicodeDecodeError, csv.Error) as exc:
            raise FileRejected(f"{landing_file.rel_path}: the header row cannot be read ({exc})") from exc
        if not header or not any(header):
            raise FileRejected(f"{landing_file.rel_path}: the file has no header row (first line is blank)")
        duplicated = sorted({c for c in header if c and header.count(c) > 1})
    for layout in layouts:
        try:
            matched = layout.matches(landing_file, header)
        except (UnicodeDecodeError, csv.Error):
            # A sniffer that cannot read the file's first line (e.g. one assuming cp1252 on a latin-1
            # file) has not recognised it; the next layout may.
            matched = False
        if matched:
            # Only a layout read by its header can have a duplicated header; a header-less layout's first
            # line is data, where repeated values are normal.
            if duplicated and layout.sniff is None:
                raise FileRejected(
                    f"{landing_file.rel_path}: duplicated header column(s) {', '.join(duplicated)}; "
                    "each column name must appear once"
                )
            return layout
    raise FileRejected(unknown_layout_message(landing_file, header, layouts))


def unknown_layout_message(
    landing_file: LandingFile, header: Sequence[str] | None, layouts: Sequence[Layout]
) -> str:
    """Which layouts were expected and, for the closest CSV layout, which columns were missing."""
    names = ", ".join(layout.name for layout in layouts) or "none"
    message = f"{landing_file.rel_path}: layout not recognised for source '{landing_file.source}'; expected one of: {names}"
    if header is not None:
        # The closest layout by shared columns (none named when nothing is shared), then at most the
        # file's column names, and only when they look like names.
        message += closest_layout_hint(header, layouts) + quoted_columns(landing_file, header)
    elif landing_file.suffix not in {s for layout in layouts for s in layout.suffixes}:
        message += f". Files of type '{landing_file.suffix or '(none)'}' are not read here"
    return message


# What a column name looks like: a letter, then letters, digits, spaces and a little punctuation ('.' for
# 2024+ GPPS stems such as q.pcteval). Anything else (':' of a passwd record, '@' of an address, markup,
# URLs) is content, not a name.
COLUMN_NAME = re.compile(r"[^\W\d_][\w .()%/&'+\-]*")


QUOTED_COLUMNS = 8


QUOTED_NAME_WIDTH = 32


TABLE_PROBE_ROWS = 5


def looks_like_column_name(name: str) -> bool:
    """Whether a header cell is shaped like a column name: no long number, no personal data, no markup."""
    from pipelines.text.redaction import rescan_for_pii  # only on error paths: it loads phone metadata

    name = name.strip()
    return bool(COLUMN_NAME.fullmatch(name)) and not re.search(r"\d{5}", name) and not rescan_for_pii(name)


def parses_as_table(landing_file: LandingFile, rows: int = TABLE_PROBE_ROWS) -> bool:
    """Whether the file's first ``rows`` CSV rows all have the same number of fields, two or more."""
    encoding = landing_file.text_encoding()
    try:
        with landing_file.path.open(
            "r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
        ) as handle:
            widths = {len(row) for _, row in zip(range(rows), csv.reader(handle), strict=False) if row}
    except (UnicodeDecodeError, csv.Error):
        return False
    return len(widths) == 1 and widths.pop() >= 2


def quoted_columns(landing_file: LandingFile, header: Sequence[str] | None) -> str:
    """The clause of an error that quotes a rejected file's first columns, or says why it does not.

    An error lands in the ledger, the CLI and the UI, so it quotes at most the column names of a file that
    parsed as a table (the first rows all with the same number of fields, two or more), truncated, and
    only when every quoted cell is shaped like a name: a first line that is one field or ragged (a
    ``passwd`` file), or that holds a long number, personal data, a URL or markup (a header-less file's
    first record), is content and is never quoted.
    """
    if not header:
        return ""
    if not parses_as_table(landing_file):
        return "; its first line is not a table header, so it is not quoted"
    first = [name.strip() for name in header[:QUOTED_COLUMNS]]
    if not all(looks_like_column_name(name) for name in first if name):
        return "; its first line does not look like column names, so it is not quoted"
    shown = [
        name if len(name) <= QUOTED_NAME_WIDTH else name[: QUOTED_NAME_WIDTH - 1] + "…" for name in first
    ]
    more = f" and {len(header) - QUOTED_COLUMNS} more" if len(header) > QUOTED_COLUMNS else ""
    return f"; the file's first columns are: {', '.join(shown)}{more}"


# --- the "closest layout" hint for a file no layout recognised -------------------------------------------

# Layout name → a function giving, for a file's normalised header, (columns it shares, what is missing).
ExpectedColumns = Callable[[Sequence[str]], tuple[int, list[str]]]
_EXPECTED: dict[str, ExpectedColumns] = {}


def register_layout_expectation(layout: str, expected: ExpectedColumns) -> None:
    """Say how to tell a file what a header-read layout would have needed (see ``closest_layout_hint``)."""
    _EXPECTED[layout] = expected


def closest_layout_hint(header: Sequence[str], layouts: Sequence[Layout]) -> str:
    """ "Closest is 'X', missing column(s): …" for the layout sharing most columns with ``header``.

    Signature layouts compare their signature columns; header-mapped layouts (registered with
    :func:`register_expected_columns`) compare their required fields under every accepted spelling. Ties go
    to the layout missing fewest columns. Empty when no layout shares a single column: naming one would
    only mislead.
    """
    candidates: list[tuple[int, int, int, str, list[str]]] = []
    for index, layout in enumerate(layouts):
        if layout.name in _EXPECTED:
            shared, missing = _EXPECTED[layout.name](header)
        elif layout.signature and layout.sniff is None:
            shared = len(layout.signature.intersection(header))
            missing = sorted(layout.signature.difference(header))
        else:
            continue
        if shared:
            candidates.append((shared, -len(missing), -index, layout.name, missing))
    if not candidates:
        return ""
    _shared, _fewest_missing, _first, name, missing = max(candidates)
    return f". Closest is '{name}', missing column(s): {', '.join(missing) or 'none'}"
