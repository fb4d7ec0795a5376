"""Withdrawing a landing file: everything it put in the store leaves, and the ledger says when and why.

Two ways a file is withdrawn:

- **removed**: a file the ledger knows that is no longer in its source's landing folder is withdrawn on the
  next run of that source (:func:`withdraw_missing`, called by the ingest loop). Put back unchanged, it
  loads again like any new file.
- **deliberate**: ``chorus withdraw PATH --reason "..."`` (say, personal data found in a file). Its content
  (SHA-256) is *held*: a file with that content is not loaded again, under any name, until its content
  changes or ``chorus readmit PATH`` re-admits it (:func:`held_by`, :func:`readmit`). The file may stay in
  the landing folder.

A withdrawal removes the file's rows the way a changed file replaces its own (delete by ``source_file``),
from every table that has that column — ``raw``, ``staged``, ``ref``, ``quarantine`` and
``meta.validation_results`` (whose examples quote cell values) — plus the text stage's codes of its
comments (redacted text, themes, sentiment, redaction kinds; keyed by comment and ``file_sha256``), in one
transaction that also marks the ledger row ``withdrawn`` and appends to ``meta.withdrawals``. The marts,
the published file, its Parquet copies and the reports are rebuilt by the run that follows: a withdrawal
changes the build fingerprint (:mod:`pipelines.core.fingerprint`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.core.store import table_exists

WITHDRAWN = "withdrawn"
REMOVED_REASON = "removed from the landing folder"
# The text stage's tables: one row per comment (and label / kind) and file version, no source_file.
COMMENT_CODE_TABLES: tuple[str, ...] = (
    "staged.comment_text",
    "staged.comment_redactions",
    "staged.comment_themes",
    "staged.comment_sentiment",
)
# Schemas whose tables hold a file's rows by source_file. marts are rebuilt from staged, never edited here.
FILE_ROW_SCHEMAS: tuple[str, ...] = ("raw", "staged", "ref", "quarantine", "meta")


class WithdrawalError(Exception):
    """A withdrawal cannot be made (unknown path). The message says what to do instead."""


@dataclass(frozen=True)
class Withdrawal:
    """One file withdrawn: what was removed, when and why."""

    path: str
    source: str
    sha256: str
    reason: str
    deliberate: bool
    withdrawn_at: datetime
    rows_removed: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.rows_removed.values())

    def sentence(self) -> str:
        """One line for logs and the CLI."""
        tables = len([t for t, n in self.rows_removed.items() if n])
        return f"{self.path}: withdrawn ({self.reason}); {self.total_rows:,} row(s) removed from {tables} table(s)"


def file_row_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table (not view) holding rows by ``source_file``: where a landing file's rows can be."""
    rows = con.execute(
        f"""SELECT DISTINCT c.schema_name || '.' || c.table_name FROM duckdb_columns() c
            JOIN duckdb_tables() t USING (database_name, schema_name, table_name)
            WHERE c.column_name = 'source_file' AND c.database_name = current_database() AND NOT t.temporary
              AND c.schema_name IN ({", ".join(f"'{s}'" for s in FILE_ROW_SCHEMAS)})
            ORDER BY 1"""
    ).fetchall()
    return [r[0] for r in rows]


def _delete_comment_codes(con: duckdb.DuckDBPyConnection, path: str) -> dict[str, int]:
    """Delete the text stage's codes of the comments ``path`` wrote (found through its rows, before they go)."""
    sources = [t for t in ("raw.comment_text", "staged.comments") if table_exists(con, t)]
    if not sources:
        return {}
    comments = " UNION ".join(
        f"SELECT comment_id, file_sha256 FROM {t} WHERE source_file = $path" for t in sources
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _withdrawn_comments AS {comments}", {"path": path})
    removed: dict[str, int] = {}
    for table in COMMENT_CODE_TABLES:
        if table_exists(con, table):
            removed[table] = int(
                con.execute(
                    f"""DELETE FROM {table} t USING _withdrawn_comments w
                        WHERE t.comment_id = w.comment_id AND t.file_sha256 = w.file_sha256"""
                ).fetchone()[0]
            )
    con.execute("DROP TABLE _withdrawn_comments")
    return removed


def withdraw_file(
    con: duckdb.DuckDBPyConnection,
    path: str,
    *,
    reason: str,
    deliberate: bool,
    source: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
) -> Withdrawal:
    """Withdraw the landing file ``path`` (relative to the landing folder) in one transaction.

    Its rows leave every ``source_file`` table and its comments' codes leave the text stage; the ledger
    row becomes ``withdrawn`` with the time and ``reason`` (created if the file was never loaded, so a
    file found to hold personal data before its first run is held too: pass ``source``, ``sha256`` and
    ``size`` then). ``deliberate`` holds the content against reloading until :func:`readmit`.
    """
    ledger = con.execute(
        "SELECT source, sha256, bytes FROM meta.ingest_ledger WHERE path = ?", [path]
    ).fetchone()
    if ledger is None and (source is None or sha256 is None):
        raise WithdrawalError(f"{path}: not in the ingest ledger and not a file in the landing folder")
    source = source or ledger[0]
    sha256 = sha256 or ledger[1]
    at = datetime.now()
    con.execute("BEGIN TRANSACTION")
    try:
        removed = _delete_comment_codes(con, path)
        for table in file_row_tables(con):
            removed[table] = int(
                con.execute(f"DELETE FROM {table} WHERE source_file = ?", [path]).fetchone()[0]
            )
        if ledger is None:
            con.execute(
                """INSERT INTO meta.ingest_ledger (path, source, sha256, bytes, started_at, finished_at, status)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                [path, source, sha256, size or 0, at, at, WITHDRAWN],
            )
        con.execute(
            """UPDATE meta.ingest_ledger SET status = ?, withdrawn_at = ?, withdrawal_reason = ?, sha256 = ?
               WHERE path = ?""",
            [WITHDRAWN, at, reason, sha256, path],
        )
        # The content withdrawn, and the version loaded before it if the file has changed since.
        for sha in dict.fromkeys([sha256, *([ledger[1]] if ledger else [])]):
            con.execute(
                "INSERT INTO meta.withdrawals VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                [path, source, sha, at, reason, deliberate, sum(removed.values())],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Withdrawal(path, source, sha256, reason, deliberate, at, {t: n for t, n in removed.items() if n})


def withdraw_missing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    source: str,
    present: Collection[str],
    layouts: Collection[str],
    log: Callable[[str], None] | None = None,
) -> list[Withdrawal]:
    """Withdraw the files of ``source`` the ledger knows but the landing folder no longer holds.

    ``present`` are the relative paths now in the folder; ``layouts`` the layouts of the calling asset
    (a file whose layout was never detected is taken by whichever asset of its source runs first: its
    rows, if an earlier version left any, are found by ``source_file`` wherever they are). A missing
    source folder withdraws nothing: an unmounted share must not unpublish a source; remove the files,
    not the folder, to withdraw them all.
    """
    folder = landing_dir / source
    candidates = con.execute(
        f"""SELECT path FROM meta.ingest_ledger
            WHERE source = ? AND status <> '{WITHDRAWN}'
              AND (layout IS NULL OR layout IN (SELECT unnest(?::VARCHAR[])))
            ORDER BY path""",
        [source, list(layouts)],
    ).fetchall()
    present = set(present)
    missing = [p for (p,) in candidates if p not in present]
    if not missing:
        return []
    if not folder.is_dir():
        if log:
            log(
                f"{folder} does not exist: {len(missing)} file(s) of '{source}' not withdrawn "
                "(a missing folder may be an unmounted share; delete the files, not the folder, to withdraw them)"
            )
        return []
    done = []
    for path in missing:
        withdrawal = withdraw_file(con, path, reason=REMOVED_REASON, deliberate=False)
        if log:
            log(withdrawal.sentence())
        done.append(withdrawal)
    return done


@dataclass(frozen=True)
class Hold:
    """A deliberate withdrawal that keeps a content from loading."""

    path: str
    withdrawn_at: datetime
    reason: str

    def message(self, rel_path: str) -> str:
        same = "" if self.path == rel_path else f" (same content as {self.path})"
        return (
            f"{rel_path}: withdrawn on {self.withdrawn_at:%Y-%m-%d %H:%M}{same}: {self.reason}; not loaded until "
            f"its content changes or `chorus readmit {self.path}`"
        )


def held_by(con: duckdb.DuckDBPyConnection, sha256: str) -> Hold | None:
    """The deliberate withdrawal holding this content, if any (the latest)."""
    row = con.execute(
        """SELECT path, withdrawn_at, reason FROM meta.withdrawals
           WHERE sha256 = ? AND deliberate AND readmitted_at IS NULL ORDER BY withdrawn_at DESC LIMIT 1""",
        [sha256],
    ).fetchone()
    return Hold(*row) if row else None


def record_held(
    con: duckdb.DuckDBPyConnection, rel_path: str, source: str, sha256: str, size: int, hold: Hold
) -> None:
    """The ledger row of a held file that is not the withdrawn one (a copy under another name)."""
    previous = con.execute(
        "SELECT status, sha256 FROM meta.ingest_ledger WHERE path = ?", [rel_path]
    ).fetchone()
    if previous == (WITHDRAWN, sha256):
        return
    if previous is not None and previous[0] != WITHDRAWN:
        # A path that had other content loaded: that content's rows go too (the file now holds held content).
        withdraw_file(con, rel_path, reason=hold.message(rel_path), deliberate=False, sha256=sha256)
        return
    withdraw_file(
        con,
        rel_path,
        reason=hold.message(rel_path),
        deliberate=False,
        source=source,
        sha256=sha256,
        size=size,
    )


def readmit(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """Lift the holds of ``path`` (its withdrawn content, under any name); return how many were lifted.

    The file loads on the next run of its source, if it is in the landing folder.
    """
    row = con.execute("SELECT sha256 FROM meta.ingest_ledger WHERE path = ?", [path]).fetchone()
    shas = [row[0]] if row else []
    lifted = con.execute(
        """UPDATE meta.withdrawals SET readmitted_at = current_timestamp
           WHERE deliberate AND readmitted_at IS NULL AND (path = ? OR sha256 IN (SELECT unnest(?::VARCHAR[])))""",
        [path, shas],
    ).fetchone()[0]
    return int(lifted)


def ledger_paths_like(con: duckdb.DuckDBPyConnection, name: str, limit: int = 5) -> Sequence[str]:
    """Ledger paths ending in ``name`` (to suggest the right path for a mistyped one)."""
    rows = con.execute(
        "SELECT path FROM meta.ingest_ledger WHERE path LIKE '%' || ? ORDER BY path LIMIT ?", [name, limit]
    ).fetchall()
    return [r[0] for r in rows]
