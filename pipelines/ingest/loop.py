"""The ingest loop every source uses. A file is identified by its path under the landing folder and its
SHA-256. A file already loaded with the same content is skipped; a changed file replaces exactly its own
rows (delete by ``source_file``, insert) in one transaction; a file that fails leaves what was there and
gets a ledger row whose error names the file and the problem. Rows read = rows loaded + rows quarantined
is checked for every file before it commits. A file gone from the folder is withdrawn (its rows leave the
same way; see :mod:`pipelines.ingest.withdraw`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.core.store import table_exists
from pipelines.ingest.detect import Layout, LoadCounts, detect_layout
from pipelines.ingest.files import (
    FileChanging,
    FileRejected,
    LandingFile,
    LandingScan,
    _settled_scan,
    settle_seconds,
    unreadable_reason,
)
from pipelines.ingest.ledger import (
    IngestOutcome,
    IngestReport,
    LedgerSnapshot,
    _loaded_paths_by_sha,
    _record,
    _record_many,
    describe_error,
)
from pipelines.ingest.read_rules import read_quarantine_summary, read_quarantined_rows
from pipelines.ingest.withdraw import held_by, record_held, withdraw_missing


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
    """Load many files of layouts sharing a ``load_batch`` together, each file's outcome exactly as
    ``ingest_file`` would give it: small files at a cost of milliseconds each, large ones with one commit
    and one validation for all of them.

    Optimistic: every file in ONE transaction (a per-file transaction, ledger row and suite run cost more
    than a small file's own rows; a large file's commit and suite run cost as much as its load). If anything in it fails - a file's SQL, its counts not reconciling, a
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

    Withdrawals (:mod:`pipelines.ingest.withdraw`): on a pass over the whole folder (``paths`` not given), a file
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
