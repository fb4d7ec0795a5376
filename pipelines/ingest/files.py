"""Landing files: what a file is (path, bytes, SHA-256, text encoding) and which files of a landing folder
are ready to read (settled, not temporary, not a link out of the folder, readable).
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

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

    def provenance_params(self) -> dict[str, str]:
        """``$source_file`` and ``$file_sha256``: the parameters of a statement writing this file's rows."""
        return {"source_file": self.rel_path, "file_sha256": self.sha256}

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
