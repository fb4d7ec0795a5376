"""What changed in the landing folder since the store last took it in: the landing sensor's and `chorus run`'s view.

A *snapshot* is, per source, each landing file's SHA-256 with its size and mtime (so an untouched file is not
re-hashed: national files are gigabytes). The landing sensor keeps one in its cursor; `chorus run` keeps the one
it started from in ``meta.last_complete_run`` once a run of everything has finished, with a fingerprint of the
store's ledger and of Chorus's own code and settings. The next `chorus run` compares:

- nothing changed (same files, same ledger, same code and settings, the published file there): there is no
  work to do, and the run says so in a second or two instead of re-checking ~90 steps;
- some sources' files are new, changed or removed: only those sources and what depends on them run;
- anything else (no record, the ledger moved under another process, new code or settings): everything runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.ingest.files import scan_landing, sha256_of

# Per source: relative path -> [sha256, bytes, mtime_ns].
Snapshot = dict[str, dict[str, list]]

PIPELINES = Path(__file__).resolve().parents[1]
SCHEMAS = PIPELINES.parent / "schemas"
CODE_SUFFIXES = {".py", ".sql", ".json", ".csv", ".yaml", ".txt"}


def loaded_in_ledger(warehouse: Path) -> dict[str, str] | None:
    """Path -> SHA-256 of every file the store has loaded; ``{}`` without a store, ``None`` while it is busy.

    Read-only and without waiting: a sensor tick must be quick, and a busy store is simply tried again
    on the next tick.
    """
    from pipelines.core.store import StoreLocked, open_store

    if not warehouse.exists():
        return {}
    try:
        with open_store(warehouse, read_only=True, lock_wait_seconds=0) as con:
            return dict(
                con.execute("SELECT path, sha256 FROM meta.ingest_ledger WHERE status = 'loaded'").fetchall()
            )
    except StoreLocked:
        return None


def baseline_from_ledger(current: Snapshot, loaded: dict[str, str]) -> Snapshot:
    """The first tick's "already seen": each file the ledger holds as loaded with the same content.

    So `make ui` after `make demo` requests nothing for what the demo just built, and only files the
    store does not hold (new, changed, rejected) start a run.
    """
    baseline: Snapshot = {}
    for source, files in current.items():
        seen = {rel: entry for rel, entry in files.items() if loaded.get(rel) == entry[0]}
        if seen:
            baseline[source] = seen
    return baseline


def snapshot_landing(
    landing_dir: Path, previous: Snapshot, sources: Iterable[str], settle: float | None = None
) -> Snapshot:
    """Each source's data files with their hashes, re-hashing only files whose size or mtime moved.

    The scan is the ingest's own (``scan_landing``): links out of the landing folder and temporary names
    are not read (the link is listed as refused, so a run records the refusal). A file still changing
    (inside the settle interval) keeps what the cursor knew of it (nothing, if new), so it is seen as
    changed on the tick after it settles. A file that cannot be read is listed as unreadable (a run
    records why) and never stops the scan of the others.
    """
    snapshot: Snapshot = {}
    for source in sources:
        seen = previous.get(source, {})
        files: dict[str, list] = {}
        scan = scan_landing(landing_dir, source, settle)
        for path in scan.unsettled:
            rel = path.relative_to(landing_dir).as_posix()
            if rel in seen:
                files[rel] = seen[rel]
        for refused in scan.refused:  # a run records the refusal in the ledger
            files[refused.rel_path] = ["refused: link out of the landing folder", 0, 0]
        for path in scan.files:
            rel = path.relative_to(landing_dir).as_posix()
            old = seen.get(rel)
            stat = path.stat()
            if old and old[1] == stat.st_size and old[2] == stat.st_mtime_ns:
                files[rel] = old
                continue
            try:
                files[rel] = [sha256_of(path), stat.st_size, stat.st_mtime_ns]
            except OSError:  # unreadable: a run records why in the ledger; readable later, it changes again
                files[rel] = ["unreadable", stat.st_size, stat.st_mtime_ns]
        if files:
            snapshot[source] = files
    return snapshot


def changed_files(previous: Snapshot, current: Snapshot) -> dict[str, dict[str, str | None]]:
    """Per changed source: relative path -> new sha256 (``None`` for a removed file). By content only."""
    changes: dict[str, dict[str, str | None]] = {}
    for source in sorted(set(previous) | set(current)):
        old = {rel: entry[0] for rel, entry in previous.get(source, {}).items()}
        new = {rel: entry[0] for rel, entry in current.get(source, {}).items()}
        diff = {rel: new.get(rel) for rel in sorted(set(old) | set(new)) if old.get(rel) != new.get(rel)}
        if diff:
            changes[source] = diff
    return changes


def code_files(roots: Iterable[Path] = (PIPELINES, SCHEMAS)) -> list[Path]:
    """Every file of Chorus's own code, SQL, contracts and shipped model, in a stable order."""
    return sorted(
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts
    )


def state_fingerprint(con: duckdb.DuckDBPyConnection, settings: dict[str, object]) -> str:
    """SHA-256 over the store's ledger and withdrawals, Chorus's code and the settings that shape outputs.

    It moves when anything but the landing folder could make a run produce something new: a file loaded,
    rejected or withdrawn by another process (the UI, ``chorus withdraw`` / ``readmit``), an upgrade, or
    a changed setting.
    """
    digest = hashlib.sha256()
    for row in con.execute(
        """SELECT path, sha256, status, withdrawn_at FROM meta.ingest_ledger ORDER BY path"""
    ).fetchall():
        digest.update(repr(row).encode())
    for row in con.execute(
        """SELECT path, sha256, withdrawn_at, readmitted_at FROM meta.withdrawals ORDER BY path, withdrawn_at"""
    ).fetchall():
        digest.update(repr(row).encode())
    for path in code_files():
        digest.update(path.relative_to(PIPELINES.parent).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class CompleteRun:
    """What the last finished run of everything started from."""

    recorded_at: datetime
    fingerprint: str
    snapshot: Snapshot


def last_complete_run(con: duckdb.DuckDBPyConnection) -> CompleteRun | None:
    """The record of the last finished `chorus run` of everything, or ``None``."""
    row = con.execute(
        "SELECT recorded_at, state_fingerprint, landing_snapshot FROM meta.last_complete_run"
    ).fetchone()
    return None if row is None else CompleteRun(row[0], row[1], json.loads(row[2]))


def record_complete_run(con: duckdb.DuckDBPyConnection, fingerprint: str, snapshot: Snapshot) -> None:
    """Remember that a run of everything finished from this snapshot, leaving the store in this state."""
    con.execute("DELETE FROM meta.last_complete_run")
    con.execute(
        "INSERT INTO meta.last_complete_run VALUES (current_timestamp, ?, ?)",
        [fingerprint, json.dumps(snapshot, sort_keys=True)],
    )


@dataclass
class RefreshPlan:
    """What a `chorus run` has to do: ``sources`` None means everything, an empty list nothing."""

    sources: list[str] | None
    reason: str
    snapshot: Snapshot
    changes: dict[str, dict[str, str | None]] = field(default_factory=dict)
    last_run: datetime | None = None


def plan_refresh(
    con: duckdb.DuckDBPyConnection | None,
    landing_dir: Path,
    sources: Iterable[str],
    settings: dict[str, object],
    published_exists: bool,
) -> RefreshPlan:
    """Compare the landing folder and the store with the last complete run; ``con`` None: no store yet.

    Files still being written count as changed (the run waits for them to settle), so a file dropped just
    before the run is never mistaken for no change.
    """
    sources = list(sources)
    record = last_complete_run(con) if con is not None else None
    previous = record.snapshot if record else {}
    snapshot = snapshot_landing(landing_dir, previous, sources, settle=0)
    if record is None:
        return RefreshPlan(None, "no earlier complete run in this store", snapshot)
    if not published_exists:
        return RefreshPlan(None, "the published file is missing", snapshot, last_run=record.recorded_at)
    if state_fingerprint(con, settings) != record.fingerprint:
        reason = "the store, Chorus's code or its settings changed since the last complete run"
        return RefreshPlan(None, reason, snapshot, last_run=record.recorded_at)
    changes = changed_files(previous, snapshot)
    reason = "new, changed or removed files" if changes else "nothing changed since the last complete run"
    return RefreshPlan(sorted(changes), reason, snapshot, changes, record.recorded_at)


def rejected_in_landing(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> list[tuple[str, str]]:
    """(path, the ledger's reason) for each file in the landing folder whose last attempt was rejected."""
    present = {rel for files in snapshot.values() for rel in files}
    rows = con.execute(
        """SELECT path, coalesce(error, 'rejected') FROM meta.ingest_ledger
           WHERE status = 'failed' ORDER BY path"""
    ).fetchall()
    return [(path, reason) for path, reason in rows if path in present]
