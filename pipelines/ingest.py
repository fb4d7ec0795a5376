"""File ingestion: layout detection, the ingest ledger, per-file replacement and row quarantine.

Every source uses the same loop. A file is identified by its path under the landing folder and its
SHA-256. A file already loaded with the same content is skipped; a changed file replaces exactly its own
rows (delete by ``source_file``, insert) in one transaction; a file that fails leaves what was there and
gets a ledger row whose error names the file and the problem. Rows read = rows loaded + rows quarantined
is checked for every file before it commits. A file gone from the folder is withdrawn (its rows leave the
same way; see :mod:`pipelines.withdraw`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipelines.core.markdown import markdown_table
from pipelines.core.store import table_exists
from pipelines.sources.shared.header_map import closest_layout_hint
from pipelines.withdraw import held_by, record_held, withdraw_missing

if TYPE_CHECKING:
    from pipelines.sources.policy import TablePolicy

# Extensions Chorus looks at in a landing folder; anything else (README, .DS_Store) is ignored.
DATA_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".json", ".pdf", ".html", ".htm", ".docx", ".md"}

# Names of files still being written or owned by an open editor, never read: a browser's or copy tool's
# partial download (``*.part``, ``*.partial``, ``*.crdownload``, ``*.tmp``), Excel's owner file (``~$*``),
# LibreOffice's lock (``.~lock*``) and any other dotfile.
TEMPORARY_NAME = re.compile(r"^(?:~\$|\.)|\.(?:part|partial|crdownload|tmp)$", re.IGNORECASE)

# A file is read only once its size and modification time have stood still this long (seconds): a CSV
# still being copied in is not loaded with its last row cut. ``CHORUS_SETTLE_SECONDS`` overrides it.
DEFAULT_SETTLE_SECONDS = 5.0


def settle_seconds() -> float:
    """The settle interval: ``CHORUS_SETTLE_SECONDS`` when set, else ``DEFAULT_SETTLE_SECONDS``."""
    value = os.environ.get("CHORUS_SETTLE_SECONDS", "").strip()
    return float(value) if value else DEFAULT_SETTLE_SECONDS


class FileRejected(Exception):
    """A whole file cannot be loaded. The message names the file and says what is wrong."""


class FileChanging(FileRejected):
    """The file changed while it was read: it is read again on a later pass, once it is stable."""


@dataclass(frozen=True)
class LandingFile:
    """One file in a landing sub-folder."""

    path: Path
    rel_path: str
    source: str
    sha256: str
    bytes: int

    mtime_ns: int = 0

    @classmethod
    def from_path(cls, path: Path, landing_dir: Path, source: str) -> LandingFile:
        """The file with the SHA-256 of exactly the bytes read: ``FileChanging`` when its size or
        modification time moved while it was hashed (it is still being written)."""
        before = path.stat()
        sha256 = sha256_of(path)
        file = cls(
            path=path,
            rel_path=path.relative_to(landing_dir).as_posix(),
            source=source,
            sha256=sha256,
            bytes=before.st_size,
            mtime_ns=before.st_mtime_ns,
        )
        file.reject_if_changed()
        return file

    def reject_if_changed(self) -> None:
        """Raise ``FileChanging`` when the file's size or modification time differ from when it was hashed,
        so the hash in the ledger always describes the bytes that were loaded."""
        now = self.path.stat()
        if (now.st_size, now.st_mtime_ns) != (self.bytes, self.mtime_ns):
            raise FileChanging(
                f"{self.rel_path}: the file changed while it was read ({self.bytes} -> {now.st_size} bytes); "
                "it is read again once it has stopped changing"
            )

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def text_encoding(self) -> str:
        """``utf-8`` (BOM or not) when the bytes decode as UTF-8, else ``cp1252`` (Excel's default)."""
        return detect_text_encoding(self.path)

    def csv_header(self) -> list[str]:
        """The first CSV row, trimmed and lower-cased; empty for an empty file."""
        return read_csv_header(self.path, self.text_encoding())

    @contextmanager
    def utf8_path(self) -> Iterator[Path]:
        """A path DuckDB can read as UTF-8: the file itself, or a transcoded temporary copy."""
        encoding = self.text_encoding()
        if encoding == "utf-8":
            yield self.path
            return
        with tempfile.TemporaryDirectory(prefix="chorus-") as tmp:
            target = Path(tmp) / self.path.name
            with (
                self.path.open("r", encoding=encoding, newline="") as src,
                target.open("w", encoding="utf-8", newline="") as dst,
            ):
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            yield target


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks.

    Remembered for the life of the process while the file's inode, size and modification time (ns) stay
    the same: every asset of a source walks the whole source folder, so one run would otherwise hash a
    national reference or FFT folder once per asset. A rewritten file gets a new modification time, so
    it is hashed again; a file modified in the last two seconds is not remembered (as git's "racily
    clean" rule: a rewrite within the same clock tick could keep the modification time).
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if (known := _SHA256_SEEN.get(key)) is not None:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    if time.time_ns() - stat.st_mtime_ns > 2_000_000_000:
        _SHA256_SEEN[key] = digest.hexdigest()
    return digest.hexdigest()


_SHA256_SEEN: dict[tuple[str, int, int, int], str] = {}


def detect_text_encoding(path: Path, probe_bytes: int = 4 << 20) -> str:
    """The text encoding of a landing file, from its first ``probe_bytes``.

    ``utf-16`` when it starts with a UTF-16 byte-order mark (Excel's "Unicode text" save); ``utf-8``
    when the bytes decode (BOM or not; a split multi-byte tail is allowed); else ``cp1252`` (Excel's
    default on Windows); else ``latin-1`` for the five bytes cp1252 leaves undefined, which latin-1
    reads as control characters rather than failing.
    """
    with path.open("rb") as handle:
        head = handle.read(probe_bytes)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


# Magic numbers of files that are not text, whatever their name says: a workbook or PDF saved as .csv.
BINARY_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "an Excel workbook or other zip archive (.xlsx)",
    b"\xd0\xcf\x11\xe0": "a legacy Excel workbook (.xls)",
    b"%PDF": "a PDF document",
}


def reject_binary_text_file(landing_file: LandingFile, probe_bytes: int = 8192) -> None:
    """Fail a .csv/.txt file whose bytes are not text, saying what it looks like instead."""
    with landing_file.path.open("rb") as handle:
        head = handle.read(probe_bytes)
    for magic, what in BINARY_SIGNATURES.items():
        if head.startswith(magic):
            raise FileRejected(
                f"{landing_file.rel_path}: the file is named {landing_file.suffix} but is {what}; "
                "save or export it as CSV"
            )
    # NUL bytes never occur in CSV text; UTF-16 is the one text encoding that has them.
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            f"{landing_file.rel_path}: the file contains binary data (NUL bytes), not CSV text"
        )


def normalise_header(name: str) -> str:
    """Header cell as compared by layouts: BOM and spaces stripped, lower case."""
    return name.replace("\ufeff", "").replace("\xa0", " ").strip().lower()


def read_first_row(path: Path, encoding: str = "utf-8") -> list[str]:
    """The first CSV row of a file as written (BOM dropped); ``[]`` for an empty file."""
    with path.open("r", encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        first = handle.readline()
    if not first.strip():
        return []
    return next(csv.reader(io.StringIO(first)))


def read_csv_header(path: Path, encoding: str = "utf-8") -> list[str]:
    """The first row of a CSV file, normalised; ``[]`` for an empty file."""
    return [normalise_header(cell) for cell in read_first_row(path, encoding)]


@dataclass(frozen=True)
class LoadCounts:
    """What a layout's loader did with one file."""

    rows_read: int
    rows_loaded: int
    rows_quarantined: int = 0
    # What the reader read around on the way (a header line skipped ...); the ledger's message for the file.
    note: str | None = None


Loader = Callable[[duckdb.DuckDBPyConnection, LandingFile], LoadCounts]
# Loads many small files in one pass (see ``Layout.load_batch``): reads them all, answers a
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
    many small files of the layout in one pass; ``ingest_source`` then loads them together
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


@dataclass(frozen=True)
class RowRule:
    """A cheap per-row rule, run in SQL. ``fails`` is true for a row that breaks it (NULL = passes).

    ``scope`` is the rule's scope in its table's quarantine policy (:mod:`pipelines.sources.policy`):
    ``row`` (the row is quarantined and not loaded) or ``value`` (one figure is quarantined and the rest of
    the row loads; the reader leaves that figure out). ``column_sql``, when given, is SQL naming the
    column per row (a value rule over a long table, where each row is a different published figure).
    """

    name: str
    column: str
    fails: str
    message: str
    scope: str = "row"
    column_sql: str | None = None


def _row_rules(rules: Sequence[RowRule]) -> list[RowRule]:
    return [rule for rule in rules if rule.scope == "row"]


def passing_rows(rules: Sequence[RowRule]) -> str:
    """SQL predicate that keeps rows breaking none of the row-scope ``rules`` (value rules keep the row)."""
    rules = _row_rules(rules)
    if not rules:
        return "TRUE"
    return "NOT (" + " OR ".join(f"coalesce(({rule.fails}), FALSE)" for rule in rules) + ")"


def _checked(rules: Sequence[RowRule], policy: TablePolicy | None) -> Sequence[RowRule]:
    if policy is not None:
        from pipelines.sources.policy import check_rules

        check_rules(policy, rules)
    return rules


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    rules: Sequence[RowRule],
    landing_file: LandingFile,
    row_column: str = "source_row",
    policy: TablePolicy | None = None,
) -> int:
    """Write every (row, rule) failure of ``candidates`` to ``quarantine.rows``; return rows rejected.

    ``candidates`` is a table or sub-query holding the file's rows with a ``source_row`` column. A row
    breaking two rules is quarantined under both and counted once. Value-scope failures are written
    but not counted: their row loads. ``policy``: the table's quarantine policy; a rule it does not
    declare with the same scope is a programming error (``ValueError``/``KeyError``).
    """
    if not _checked(rules, policy):
        return 0
    for rule in rules:
        con.execute(
            f"""
            INSERT INTO quarantine.rows
                (source, source_file, file_sha256, source_row, column_name, rule, value, message, scope)
            SELECT ?, ?, ?, {row_column}, {rule.column_sql or "?"}, ?, CAST({rule.column} AS VARCHAR), ?, ?
            FROM {candidates} WHERE coalesce(({rule.fails}), FALSE)
            """,
            [
                landing_file.source,
                landing_file.rel_path,
                landing_file.sha256,
                *([] if rule.column_sql else [rule.column]),
                rule.name,
                rule.message,
                rule.scope,
            ],
        )
    if not _row_rules(rules):
        return 0
    row = con.execute(f"SELECT count(*) FROM {candidates} WHERE NOT ({passing_rows(rules)})").fetchone()
    return int(row[0])


def quarantine_rows_by_file(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    rules: Sequence[RowRule],
    source: str,
    policy: TablePolicy | None = None,
) -> dict[str, int]:
    """``quarantine_rows`` for the rows of many files at once; returns rows rejected per file.

    ``candidates`` carries each row's ``source_file``, ``file_sha256`` and ``source_row``; a file with no
    rejected row is absent from the answer.
    """
    if not _checked(rules, policy):
        return {}
    for rule in rules:
        con.execute(
            f"""
            INSERT INTO quarantine.rows
                (source, source_file, file_sha256, source_row, column_name, rule, value, message, scope)
            SELECT ?, source_file, file_sha256, source_row, {rule.column_sql or "?"}, ?,
                   CAST({rule.column} AS VARCHAR), ?, ?
            FROM {candidates} WHERE coalesce(({rule.fails}), FALSE)
            """,
            [source, *([] if rule.column_sql else [rule.column]), rule.name, rule.message, rule.scope],
        )
    if not _row_rules(rules):
        return {}
    rows = con.execute(
        f"SELECT source_file, count(*) FROM {candidates} WHERE NOT ({passing_rows(rules)}) GROUP BY 1"
    ).fetchall()
    return {path: int(n) for path, n in rows}


@dataclass
class IngestOutcome:
    """What happened to one landing file in one run."""

    rel_path: str
    # loaded | skipped | failed | unrecognised | withdrawn | waiting (still changing, read later) | other
    # (belongs to another asset)
    status: str
    layout: str | None = None
    counts: LoadCounts | None = None
    error: str | None = None


@dataclass
class IngestReport:
    """All outcomes of one asset's pass over its landing folder."""

    outcomes: list[IngestOutcome] = field(default_factory=list)

    def by_status(self, status: str) -> list[IngestOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def failed(self) -> list[IngestOutcome]:
        return self.by_status("failed")

    def summary_markdown(self) -> str:
        """The files table for the asset's metadata (every value escaped: file names and errors are data)."""
        rows = [
            (
                o.rel_path,
                o.layout or "",
                o.status,
                *(
                    (o.counts.rows_read, o.counts.rows_loaded, o.counts.rows_quarantined)
                    if o.counts
                    else ("", "", "")
                ),
                o.error or "",
            )
            for o in self.outcomes
            if o.status != "other"
        ]
        return markdown_table(
            ["file", "layout", "status", "read", "loaded", "quarantined", "error"], rows, width=400
        )


@dataclass(frozen=True)
class RefusedFile:
    """A landing entry Chorus will not read, with the reason the ledger gives."""

    path: Path
    rel_path: str
    reason: str


@dataclass
class LandingScan:
    """One source's landing folder as it stands: what to read, what is refused, what is still changing."""

    files: list[Path] = field(default_factory=list)  # data files, stable for the settle interval
    refused: list[RefusedFile] = field(default_factory=list)  # links out of the landing folder
    unsettled: list[Path] = field(default_factory=list)  # changed within the settle interval: read later

    @property
    def present(self) -> list[Path]:
        """Every entry still in the folder (read, refused or unsettled): none of them is withdrawn."""
        return sorted([*self.files, *(r.path for r in self.refused), *self.unsettled])


def _outside(path: Path, landing_dir: Path) -> Path | None:
    """Where a symbolic link points when that is outside the landing folder, else ``None``."""
    target = path.resolve()
    return None if target.is_relative_to(landing_dir.resolve()) else target


def scan_landing(landing_dir: Path, source: str, settle: float | None = None) -> LandingScan:
    """Walk one source's landing sub-folder without following links out of the landing folder.

    Temporary and hidden names (``TEMPORARY_NAME``, hidden folders) are ignored. A symbolic link (file or
    folder) pointing outside the landing folder is refused, never read. A data file modified less than
    ``settle`` seconds ago (default ``settle_seconds()``) is unsettled: it is left for a later pass.
    Sorted by path so runs are deterministic.
    """
    scan = LandingScan()
    folder = landing_dir / source
    if not folder.is_dir():
        return scan
    settle = settle_seconds() if settle is None else settle
    now = time.time_ns()
    for root, dirs, names in os.walk(folder, followlinks=False):
        here = Path(root)
        for name in list(dirs):
            path = here / name
            if name.startswith("."):
                dirs.remove(name)
            elif path.is_symlink() and (target := _outside(path, landing_dir)) is not None:
                scan.refused.append(_refused_link(path, landing_dir, target, "folder"))
        for name in names:
            path = here / name
            if TEMPORARY_NAME.search(name) or path.suffix.lower() not in DATA_SUFFIXES:
                continue
            if path.is_symlink() and (target := _outside(path, landing_dir)) is not None:
                scan.refused.append(_refused_link(path, landing_dir, target, "file"))
                continue
            try:
                stat = path.stat()
            except OSError:  # a dangling link, or a file removed since it was listed
                continue
            if not path.is_file():
                continue
            if now - stat.st_mtime_ns < settle * 1e9:
                scan.unsettled.append(path)
            else:
                scan.files.append(path)
    scan.files.sort()
    scan.unsettled.sort()
    scan.refused.sort(key=lambda r: r.rel_path)
    return scan


def _refused_link(path: Path, landing_dir: Path, target: Path, kind: str) -> RefusedFile:
    rel = path.relative_to(landing_dir).as_posix()
    return RefusedFile(
        path,
        rel,
        f"{rel}: a symbolic link to a {kind} outside the landing folder ({target}); not followed, "
        "copy the file into the landing folder instead",
    )


def landing_files(landing_dir: Path, source: str, settle: float | None = None) -> list[Path]:
    """Data files of one source that are safe to read now (see ``scan_landing``), sorted by path."""
    return scan_landing(landing_dir, source, settle).files


def unreadable_reason(exc: OSError) -> str:
    """Why a landing file cannot be read, in words: ``PermissionError`` is "cannot read: permission denied"."""
    if isinstance(exc, PermissionError):
        return "cannot read: permission denied"
    if isinstance(exc, IsADirectoryError):
        return "cannot read: it is a folder"
    return f"cannot read: {(exc.strerror or type(exc).__name__).lower()}"


def _record(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    layout: str | None,
    started: datetime,
    status: str,
    counts: LoadCounts | None = None,
    error: str | None = None,
) -> None:
    con.execute(
        """
        INSERT OR REPLACE INTO meta.ingest_ledger
            (path, source, sha256, bytes, layout, rows_read, rows_loaded, rows_quarantined,
             started_at, finished_at, status, error, withdrawn_at, withdrawal_reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, NULL, NULL)
        """,
        [
            landing_file.rel_path,
            landing_file.source,
            landing_file.sha256,
            landing_file.bytes,
            layout,
            counts.rows_read if counts else None,
            counts.rows_loaded if counts else None,
            counts.rows_quarantined if counts else None,
            started,
            status,
            error if error is not None else (counts.note if counts else None),
        ],
    )


class LedgerSnapshot:
    """The ledger as one pass over a landing folder needs it, read in ONE query instead of two per file
    (per-file lookups cost milliseconds each; a folder holds hundreds of small files).

    Answers as per-file queries would, given ``loaded`` is told of every file the pass
    loads (a later identical file must see it).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute("SELECT path, sha256, status, layout FROM meta.ingest_ledger").fetchall()
        self._rows = {path: (sha, status, layout) for path, sha, status, layout in rows}
        self._loaded: dict[str, set[str]] = {}
        for path, (sha, status, _) in self._rows.items():
            if status == "loaded":
                self._loaded.setdefault(sha, set()).add(path)

    def row(self, rel_path: str) -> tuple | None:
        """(sha256, status, layout) of the path's ledger row, as at the start of the pass."""
        return self._rows.get(rel_path)

    def duplicate_of(self, landing_file: LandingFile) -> str | None:
        """The first other loaded path with the same content."""
        others = self._loaded.get(landing_file.sha256, set()) - {landing_file.rel_path}
        return min(others) if others else None

    def loaded(self, landing_file: LandingFile) -> None:
        self._loaded.setdefault(landing_file.sha256, set()).add(landing_file.rel_path)


def describe_error(landing_file: LandingFile, exc: BaseException) -> str:
    """One readable line naming the file, for the ledger and the asset failure."""
    if isinstance(exc, FileRejected):
        return str(exc)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{landing_file.rel_path}: {type(exc).__name__}: {text}"


@dataclass
class AuditResult:
    """What an audit (e.g. a Great Expectations suite) found in a file's new rows, before they commit."""

    passed: bool
    summary: str = ""
    records: list[dict] = field(default_factory=list)  # rows for meta.validation_results


Audit = Callable[[duckdb.DuckDBPyConnection, LandingFile, Layout], AuditResult]
AuditRecorder = Callable[[duckdb.DuckDBPyConnection, LandingFile, Layout, AuditResult], None]
# The same for many files validated together: a result per file when every file passed, else ``None``
# (the files are then validated one by one, each with its own outcome).
ManyAudit = Callable[
    [duckdb.DuckDBPyConnection, Sequence[tuple[LandingFile, Layout]]], dict[str, AuditResult] | None
]
ManyAuditRecorder = Callable[
    [duckdb.DuckDBPyConnection, Sequence[tuple[LandingFile, Layout, AuditResult]]], None
]


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    landing_file: LandingFile,
    layout: Layout,
    audit: Audit | None = None,
    record_audit: AuditRecorder | None = None,
) -> LoadCounts:
    """Replace one file's rows in one transaction; raise (after rollback) if anything fails.

    Write-audit-publish: ``audit`` sees the new rows inside the transaction; if it fails, the
    transaction rolls back (the previous good version stays) and the file is rejected with its summary.
    ``record_audit`` stores the audit's results after the transaction ends, pass or fail.
    """
    result: AuditResult | None = None
    con.execute("BEGIN TRANSACTION")
    try:
        for table in layout.tables:
            if table_exists(con, table):
                con.execute(f"DELETE FROM {table} WHERE source_file = ?", [landing_file.rel_path])
        con.execute("DELETE FROM quarantine.rows WHERE source_file = ?", [landing_file.rel_path])
        counts = with_read_quarantine(con, landing_file, layout, layout.load(con, landing_file))
        landing_file.reject_if_changed()
        if counts.rows_read != counts.rows_loaded + counts.rows_quarantined:
            raise FileRejected(
                f"{landing_file.rel_path}: reconciliation failed: rows read {counts.rows_read} != "
                f"loaded {counts.rows_loaded} + quarantined {counts.rows_quarantined}"
            )
        result = audit(con, landing_file, layout) if audit else None
        if result is not None and not result.passed:
            raise FileRejected(
                f"{landing_file.rel_path}: validation failed, nothing from this file was kept: {result.summary}"
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        if result is not None and record_audit:
            record_audit(con, landing_file, layout, result)
        raise
    if result is not None and record_audit:
        record_audit(con, landing_file, layout, result)
    return counts


def with_read_quarantine(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, layout: Layout, counts: LoadCounts
) -> LoadCounts:
    """``counts`` with the rows quarantined while the CSV was read (ragged rows, formula text: the reader
    never saw them) added to rows read and quarantined; ``FileRejected`` when the file lost more of its
    rows than its layout's ``max_loss`` allows (the reference it would replace stays)."""
    from pipelines.read_quarantine import read_quarantine_summary, read_quarantined_rows

    held = read_quarantined_rows(con, landing_file.rel_path)
    if held:
        counts = LoadCounts(
            counts.rows_read + held, counts.rows_loaded, counts.rows_quarantined + held, counts.note
        )
    if (
        layout.max_loss is not None
        and counts.rows_quarantined
        and (counts.rows_quarantined >= layout.max_loss * counts.rows_read)
    ):
        share = counts.rows_quarantined / counts.rows_read if counts.rows_read else 1.0
        first = con.execute(
            "SELECT source_row, message FROM quarantine.rows WHERE source_file = ? ORDER BY source_row LIMIT 1",
            [landing_file.rel_path],
        ).fetchone()
        raise FileRejected(
            f"{landing_file.rel_path}: {counts.rows_quarantined} of {counts.rows_read} rows ({share:.1%}) would be "
            f"quarantined ({read_quarantine_summary(con, landing_file.rel_path)}), at or above the "
            f"{layout.max_loss:.0%} a reference file may lose; the file would shrink the practice list, so "
            f"the previous version stays. First held: row {first[0]}, {first[1]}. Fix those rows and land the "
            "file again"
        )
    return counts


class _NotTogether(Exception):
    """A batch of files could not be loaded together; its files are retried in smaller batches."""


def _clear_files(con: duckdb.DuckDBPyConnection, tables: Sequence[str], files: Sequence[LandingFile]) -> None:
    """Delete the rows (and quarantined rows) of ``files`` from ``tables``: one statement per table."""
    if not files:
        return
    # A list parameter, not executemany: DuckDB's executemany costs milliseconds a row.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _clear_files AS SELECT unnest(?::VARCHAR[]) AS path",
        [[f.rel_path for f in files]],
    )
    for table in (*tables, "quarantine.rows"):
        if table_exists(con, table):
            con.execute(f"DELETE FROM {table} WHERE source_file IN (SELECT path FROM _clear_files)")


def _load_together(
    con: duckdb.DuckDBPyConnection,
    group: Sequence[tuple[LandingFile, Layout]],
    audit: Audit | None,
    audit_many: ManyAudit | None,
) -> tuple[dict[str, LoadCounts | FileRejected], dict[str, AuditResult]]:
    """Load ``group`` (layouts sharing one ``load_batch``) in ONE transaction; raise ``_NotTogether``
    (after rollback) if any file's load, reconciliation or audit fails."""
    layouts = {f.rel_path: layout for f, layout in group}
    tables = list(dict.fromkeys(t for _, layout in group for t in layout.tables))
    load_batch = group[0][1].load_batch
    assert load_batch is not None
    con.execute("BEGIN TRANSACTION")
    try:
        answers = load_batch(con, [f for f, _ in group], lambda files: _clear_files(con, tables, files))
        loaded = [
            (f, layouts[f.rel_path]) for f, _ in group if isinstance(answers.get(f.rel_path), LoadCounts)
        ]
        for f, layout in loaded:
            f.reject_if_changed()
            counts = answers[f.rel_path] = with_read_quarantine(con, f, layout, answers[f.rel_path])
            if counts.rows_read != counts.rows_loaded + counts.rows_quarantined:
                raise _NotTogether(f.rel_path)
        audits: dict[str, AuditResult] = {}
        if audit_many is not None and loaded:
            together = audit_many(con, loaded)
            if together is None:
                raise _NotTogether("validation")
            audits = together
        elif audit is not None:
            for f, layout in loaded:
                audits[f.rel_path] = audit(con, f, layout)
                if not audits[f.rel_path].passed:
                    raise _NotTogether(f.rel_path)
        con.execute("COMMIT")
    except Exception as exc:
        con.execute("ROLLBACK")
        raise _NotTogether(str(exc)) from exc
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return answers, audits


def ingest_files_together(
    con: duckdb.DuckDBPyConnection,
    group: Sequence[tuple[LandingFile, Layout]],
    audit: Audit | None = None,
    record_audit: AuditRecorder | None = None,
    audit_many: ManyAudit | None = None,
    record_audit_many: ManyAuditRecorder | None = None,
    smallest_batch: int = 2,
) -> dict[str, LoadCounts | Exception]:
    """Load many small files of layouts sharing a ``load_batch`` at a cost of milliseconds per file, each
    file's outcome exactly as ``ingest_file`` would give it.

    Optimistic: every file in ONE transaction (a per-file transaction, ledger row and suite run cost more
    than a small file's own rows). If anything in it fails - a file's SQL, its counts not reconciling, a
    failed expectation - the transaction is rolled back and the files are retried in two halves, down to
    single files, which go through ``ingest_file`` (own transaction, own rollback, own message). So a bad
    file fails alone and the rest load. A file the loader rejects before writing (e.g. not in a register)
    fails alone without a rollback. Answers the counts, or the exception, of every file.
    """
    results: dict[str, LoadCounts | Exception] = {}
    audited: list[tuple[LandingFile, Layout, AuditResult]] = []
    pending = [list(group)]
    while pending:
        batch = pending.pop()
        if len(batch) < smallest_batch:
            for landing_file, layout in batch:
                try:
                    results[landing_file.rel_path] = ingest_file(
                        con, landing_file, layout, audit, record_audit
                    )
                except Exception as exc:  # noqa: BLE001 - the caller records every failure
                    results[landing_file.rel_path] = exc
            continue
        try:
            answers, audits = _load_together(con, batch, audit, audit_many)
        except _NotTogether:
            half = len(batch) // 2
            pending += [batch[half:], batch[:half]]  # the first half is popped (loaded) first
            continue
        results.update(answers)
        audited += [(f, layout, audits[f.rel_path]) for f, layout in batch if f.rel_path in audits]
    if audited and record_audit_many is not None:
        record_audit_many(con, audited)
    elif record_audit is not None:
        for landing_file, layout, result in audited:
            record_audit(con, landing_file, layout, result)
    return results


def _record_many(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple]) -> None:
    """``_record`` for many files in one statement: rows of (landing file, layout, started, status,
    counts, error)."""
    if not rows:
        return
    import pandas as pd

    frame = pd.DataFrame(
        [
            (f.rel_path, f.source, f.sha256, f.bytes, layout,
             counts.rows_read if counts else None, counts.rows_loaded if counts else None,
             counts.rows_quarantined if counts else None, started, status, error)
            for f, layout, started, status, counts, error in rows
        ],
        columns=["path", "source", "sha256", "bytes", "layout", "rows_read", "rows_loaded", "rows_quarantined",
                 "started_at", "status", "error"],
        dtype=object,
    )  # fmt: skip
    con.register("_ledger_rows", frame)
    try:
        con.execute(
            """INSERT OR REPLACE INTO meta.ingest_ledger
                   (path, source, sha256, bytes, layout, rows_read, rows_loaded, rows_quarantined,
                    started_at, finished_at, status, error)
               SELECT path::VARCHAR, source::VARCHAR, sha256::VARCHAR, bytes::BIGINT, layout::VARCHAR,
                      rows_read::BIGINT, rows_loaded::BIGINT, rows_quarantined::BIGINT, started_at::TIMESTAMP,
                      current_timestamp, status::VARCHAR, error::VARCHAR
               FROM _ledger_rows"""
        )
    finally:
        con.unregister("_ledger_rows")


def _loaded_paths_by_sha(con: duckdb.DuckDBPyConnection, shas: Sequence[str]) -> dict[str, list[str]]:
    """Loaded ledger paths of each of ``shas``, sorted."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _round_shas AS SELECT unnest(?::VARCHAR[]) AS sha256", [list(shas)]
    )
    rows = con.execute(
        """SELECT sha256, list(path ORDER BY path) FROM meta.ingest_ledger
           WHERE status = 'loaded' AND sha256 IN (SELECT sha256 FROM _round_shas) GROUP BY 1"""
    ).fetchall()
    return {sha: paths for sha, paths in rows}


def _ingest_deferred(
    con: duckdb.DuckDBPyConnection,
    deferred: Sequence[tuple[int, LandingFile, Layout, datetime]],
    report: IngestReport,
    audit: Audit | None,
    record_audit: AuditRecorder | None,
    audit_many: ManyAudit | None,
    record_audit_many: ManyAuditRecorder | None,
    log: Callable[[str], None] | None,
) -> None:
    """Load the files ``ingest_source`` set aside for loading together and fill in their outcomes.

    Files are grouped by their layouts' ``load_batch``. A file with the same content as an earlier one
    in the group waits for a later round, so the duplicate check sees whether the first one loaded.
    """
    rounds: list[list[tuple[int, LandingFile, Layout, datetime]]] = []
    for item in deferred:
        for batch in rounds:
            if item[1].sha256 not in {f.sha256 for _, f, _, _ in batch}:
                batch.append(item)
                break
        else:
            rounds.append([item])
    for batch in rounds:
        ledger: list[tuple] = []
        loaders: dict[object, list[tuple[int, LandingFile, Layout, datetime]]] = {}
        loaded_copies = _loaded_paths_by_sha(con, [f.sha256 for _, f, _, _ in batch])
        for item in batch:
            landing_file = item[1]
            # The duplicate check again, for the whole round in one query: files loaded since the check in the loop.
            duplicate = next(
                (p for p in loaded_copies.get(landing_file.sha256, []) if p != landing_file.rel_path), None
            )
            if duplicate:
                error = (
                    f"{landing_file.rel_path}: identical content to {duplicate}, which is already loaded; "
                    "remove one copy"
                )
                ledger.append((landing_file, item[2].name, item[3], "failed", None, error))
                report.outcomes[item[0]] = IngestOutcome(
                    landing_file.rel_path, "failed", item[2].name, error=error
                )
                continue
            loaders.setdefault(item[2].load_batch, []).append(item)
        for items in loaders.values():
            if log:
                names = ", ".join(sorted({layout.name for _, _, layout, _ in items}))
                log(f"loading {len(items)} file(s) together as {names}")
            results = ingest_files_together(
                con,
                [(f, layout) for _, f, layout, _ in items],
                audit,
                record_audit,
                audit_many,
                record_audit_many,
            )
            for index, landing_file, layout, started in items:
                result = results[landing_file.rel_path]
                if isinstance(result, LoadCounts):
                    ledger.append((landing_file, layout.name, started, "loaded", result, None))
                    report.outcomes[index] = IngestOutcome(
                        landing_file.rel_path, "loaded", layout.name, result
                    )
                    continue
                if isinstance(result, FileChanging):
                    report.outcomes[index] = IngestOutcome(
                        landing_file.rel_path, "waiting", error=str(result)
                    )
                    continue
                error = describe_error(landing_file, result)
                ledger.append((landing_file, layout.name, started, "failed", None, error))
                report.outcomes[index] = IngestOutcome(
                    landing_file.rel_path, "failed", layout.name, error=error
                )
                if log:
                    log(f"FAILED {error}")
        _record_many(con, ledger)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: str,
    layouts: Sequence[Layout],
    source_layouts: Sequence[Layout] | None = None,
    log: Callable[[str], None] | None = None,
    paths: Iterable[Path] | None = None,
    audit: Audit | None = None,
    record_audit: AuditRecorder | None = None,
    audit_many: ManyAudit | None = None,
    record_audit_many: ManyAuditRecorder | None = None,
) -> IngestReport:
    """Load every new or changed file of ``source`` whose layout is one of ``layouts``.

    ``source_layouts`` is every layout the source knows (default ``layouts``): a file matching one of
    those but not ``layouts`` belongs to another asset and is left alone; a file matching none is
    recorded in the ledger as failed with a message saying what was expected. Files of layouts with a
    ``load_batch`` are set aside and loaded together at the end (``ingest_files_together``), validated
    together by ``audit_many`` when given (else one by one by ``audit``).

    Withdrawals (:mod:`pipelines.withdraw`): on a pass over the whole folder (``paths`` not given), a file
    the ledger knows that is gone from the folder is withdrawn first; a file whose content was withdrawn
    on purpose (``chorus withdraw``) is not loaded until its content changes or it is readmitted.
    """
    source_layouts = list(source_layouts or layouts)
    own = {layout.name for layout in layouts}
    report = IngestReport()
    scan = LandingScan(files=list(paths)) if paths is not None else _settled_scan(landing_dir, source, log)
    files = scan.files
    if paths is None:
        # A file gone from the folder is withdrawn: its rows leave before the rest of the folder loads. A
        # refused or still-changing file is not gone: it keeps what it loaded before.
        present = [p.relative_to(landing_dir).as_posix() for p in scan.present]
        for withdrawal in withdraw_missing(con, landing_dir, source, present, own, log):
            report.outcomes.append(IngestOutcome(withdrawal.path, "withdrawn", error=withdrawal.reason))
    for refused in scan.refused:
        _refuse(con, report, refused.rel_path, source, refused.reason, log)
    for path in scan.unsettled:
        rel = path.relative_to(landing_dir).as_posix()
        message = f"{rel}: still changing (modified in the last {settle_seconds():g} s); read on a later pass"
        report.outcomes.append(IngestOutcome(rel, "waiting", error=message))
        if log:
            log(message)
    deferred: list[tuple[int, LandingFile, Layout, datetime]] = []  # (outcome index, file, layout, started)
    ledger = LedgerSnapshot(con)
    for index, path in enumerate(files, start=1):
        started = datetime.now()
        try:
            landing_file = LandingFile.from_path(path, landing_dir, source)
        except FileChanging as exc:
            report.outcomes.append(
                IngestOutcome(path.relative_to(landing_dir).as_posix(), "waiting", error=str(exc))
            )
            continue
        except OSError as exc:
            # One file that cannot be read is one ledger row with its reason; the files after it still load.
            rel = path.relative_to(landing_dir).as_posix()
            _refuse(con, report, rel, source, f"{rel}: {unreadable_reason(exc)}", log, started)
            continue
        previous = ledger.row(landing_file.rel_path)
        if previous and previous[0] == landing_file.sha256 and previous[1] == "loaded":
            status = "skipped" if previous[2] in own else "other"
            report.outcomes.append(IngestOutcome(landing_file.rel_path, status, previous[2]))
            continue
        if hold := held_by(con, landing_file.sha256):
            # Withdrawn on purpose (`chorus withdraw`): not loaded until its content changes or it is readmitted.
            record_held(con, landing_file.rel_path, source, landing_file.sha256, landing_file.bytes, hold)
            message = hold.message(landing_file.rel_path)
            if log:
                log(message)
            report.outcomes.append(IngestOutcome(landing_file.rel_path, "withdrawn", error=message))
            continue
        layout: Layout | None = None
        try:
            layout = detect_layout(landing_file, source_layouts)
            if layout.name not in own:
                report.outcomes.append(IngestOutcome(landing_file.rel_path, "other", layout.name))
                continue
            duplicate = ledger.duplicate_of(landing_file)
            if duplicate:
                raise FileRejected(
                    f"{landing_file.rel_path}: identical content to {duplicate}, which is already loaded; "
                    "remove one copy"
                )
            if layout.load_batch is not None:
                deferred.append((len(report.outcomes), landing_file, layout, started))
                report.outcomes.append(IngestOutcome(landing_file.rel_path, "loaded", layout.name))
                continue
            if log:
                log(f"[{index}/{len(files)}] loading {landing_file.rel_path} as {layout.name}")
            counts = ingest_file(con, landing_file, layout, audit, record_audit)
        except FileChanging as exc:  # not a failure: read again once it is stable
            report.outcomes.append(IngestOutcome(landing_file.rel_path, "waiting", error=str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, then reported by the caller
            error = describe_error(landing_file, exc)
            _record(con, landing_file, layout.name if layout else None, started, "failed", error=error)
            # A file no layout recognises is not this asset's failure, but it is in the ledger and the report.
            status = "failed" if layout else "unrecognised"
            report.outcomes.append(
                IngestOutcome(landing_file.rel_path, status, layout.name if layout else None, error=error)
            )
            if log and layout:  # an unrecognised file is reported once per source, by its caller
                log(f"FAILED {error}")
            continue
        _record(con, landing_file, layout.name, started, "loaded", counts)
        ledger.loaded(landing_file)
        report.outcomes.append(IngestOutcome(landing_file.rel_path, "loaded", layout.name, counts))
    if deferred:
        _ingest_deferred(con, deferred, report, audit, record_audit, audit_many, record_audit_many, log)
    return report


def _settled_scan(landing_dir: Path, source: str, log: Callable[[str], None] | None) -> LandingScan:
    """The folder's scan, after waiting (once, at most the settle interval) for files modified just now."""
    scan = scan_landing(landing_dir, source)
    if scan.unsettled:
        if log:
            log(
                f"{len(scan.unsettled)} file(s) modified in the last {settle_seconds():g} s: waiting for them to settle"
            )
        time.sleep(settle_seconds())
        scan = scan_landing(landing_dir, source)
    return scan


def _refuse(
    con: duckdb.DuckDBPyConnection,
    report: IngestReport,
    rel_path: str,
    source: str,
    reason: str,
    log: Callable[[str], None] | None,
    started: datetime | None = None,
) -> None:
    """Record a landing entry that is not read (a link out of the folder, an unreadable file): one ledger
    row, status failed, no layout and no hash (its bytes were not read); the source's other files go on.
    Reported as unrecognised, as a file no layout knows is: not any one asset's failure."""
    con.execute(
        """
        INSERT OR REPLACE INTO meta.ingest_ledger
            (path, source, sha256, bytes, layout, started_at, finished_at, status, error)
        VALUES (?, ?, '', 0, NULL, ?, current_timestamp, 'failed', ?)
        """,
        [rel_path, source, started or datetime.now(), reason],
    )
    report.outcomes.append(IngestOutcome(rel_path, "unrecognised", error=reason))
    if log:
        log(f"REFUSED {reason}")


def _csv_error_message(landing_file: LandingFile, exc: duckdb.Error, header_lines: int) -> str:
    """Turn DuckDB's multi-line CSV error into one sentence naming the file, line and problem."""
    import re

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
    in the file (see :mod:`pipelines.read_quarantine`; the ingest loop adds them to the file's counts). A
    truncated file (last line cut mid-field, a quote never closed) or bytes that are not text fail the
    file with the line number. cp1252 / latin-1 / UTF-16 files (Excel's saves) are transcoded; a UTF-8
    BOM is ignored. ``keep_empty`` keeps empty fields as '' instead of NULL (for GPPS a blank value is a
    suppression).
    """
    from pipelines import read_quarantine as rq

    if columns is None:
        columns = landing_file.csv_header()
    if not columns:
        raise FileRejected(f"{landing_file.rel_path}: the file has no header row")
    spec = "{" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for c in columns) + "}"
    skip = 1 if header else 0
    rq.drop_rejects(con)
    with landing_file.utf8_path() as path:
        try:
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE {target} AS
                SELECT row_number() OVER () AS source_row, *
                FROM read_csv(?, auto_detect = false, columns = {spec}, delim = ',', quote = '"',
                              escape = '"', header = false, skip = {skip},
                              strict_mode = true, encoding = 'utf-8', nullstr = ?,
                              store_rejects = true, rejects_table = '{rq.REJECTS_TABLE}',
                              rejects_scan = '{rq.REJECTS_SCAN}')
                """,
                [str(path), NEVER_NULL if keep_empty else ""],
            )
        except duckdb.Error as exc:
            raise FileRejected(_csv_error_message(landing_file, exc, skip)) from exc
        ends_with_newline = _ends_with_newline(path)
    rejected = rq.rejected_records(con, skip)
    rq.drop_rejects(con)
    rows = int(con.execute(f"SELECT count(*) FROM {target}").fetchone()[0])
    if rejected:
        for record in rejected:
            problem = rq.unreadable_record_problem(record, rows + len(rejected), ends_with_newline)
            if problem:
                raise FileRejected(f"{landing_file.rel_path}: {problem}")
        if rows == 0:
            raise FileRejected(
                f"{landing_file.rel_path}: no row has the header's {len(columns)} fields (e.g. line "
                f"{rejected[0].line}: {rejected[0].found}); the header does not describe the rows"
            )
        rq.quarantine_ragged(
            con, target, rejected, landing_file.source, landing_file.rel_path, landing_file.sha256
        )
    elif rows == 0:
        raise FileRejected(f"{landing_file.rel_path}: the file has a header but no data rows")
    formulas = rq.quarantine_formula_text(
        con, target, columns, landing_file.source, landing_file.rel_path, landing_file.sha256
    )
    return rows - formulas


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
