"""The ingest ledger (``meta.ingest_ledger``): one row per file and content, its outcome and counts, and
the per-run report of outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.core.markdown import markdown_table
from pipelines.core.sql import run_sql_file
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile


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
        run_sql_file(con, Path(__file__).with_name("ingest_ledger_rows.sql"))
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
