"""What `chorus run` decides to do (pipelines/ingest/changes.py, issue 22 item 4).

A nightly run with no new files must do no work; one new file must run only its source and what depends
on it; anything the landing folder cannot show (another process loading or withdrawing, new code or
settings, a missing published file) must run everything. Each case is built on a real store's meta tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.core.store import open_store
from pipelines.ingest.changes import (
    plan_refresh,
    record_complete_run,
    rejected_in_landing,
    snapshot_landing,
    state_fingerprint,
)

SOURCES = ("reference", "complaints", "fft")
SETTINGS = {"published": "/srv/chorus/published.duckdb"}
OLD = 1_700_000_000  # an mtime well in the past: settled


def write(path: Path, text: str, mtime: int = OLD) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))


@pytest.fixture
def landed(tmp_path: Path) -> tuple[Path, Path]:
    """A landing folder of three sources and a store that recorded a complete run of it."""
    landing, store = tmp_path / "landing", tmp_path / "w" / "chorus.duckdb"
    write(landing / "reference" / "epraccur.csv", "A81001,PRACTICE\n")
    write(landing / "complaints" / "register_2025.csv", "ref,date\nC1,2025-04-01\n")
    write(landing / "fft" / "fft_2025_04.csv", "trust,score\nRXX,1\n")
    write(landing / "fft" / "notes.csv", "ward,remark\n")
    snapshot = snapshot_landing(landing, {}, SOURCES, settle=0)
    with open_store(store) as con:
        for source, files in snapshot.items():
            for rel, (sha, size, _mtime) in files.items():
                status, error = (
                    ("failed", f"{rel}: layout not recognised") if "notes" in rel else ("loaded", None)
                )
                con.execute(
                    """INSERT INTO meta.ingest_ledger (path, source, sha256, bytes, started_at, status, error)
                       VALUES (?, ?, ?, ?, current_timestamp, ?, ?)""",
                    [rel, source, sha, size, status, error],
                )
        record_complete_run(con, state_fingerprint(con, SETTINGS), snapshot)
    return landing, store


def plan(landing: Path, store: Path, settings: dict = SETTINGS, published: bool = True):  # noqa: ANN201
    with open_store(store, read_only=True) as con:
        return plan_refresh(con, landing, SOURCES, settings, published)


def test_nothing_new_means_nothing_to_do(landed: tuple[Path, Path]) -> None:
    result = plan(*landed)
    assert result.sources == [] and result.last_run is not None


def test_a_touched_but_identical_file_is_not_a_change(landed: tuple[Path, Path]) -> None:
    landing, store = landed
    os.utime(landing / "reference" / "epraccur.csv", (OLD + 60, OLD + 60))  # copied again, same bytes
    assert plan(landing, store).sources == []


def test_one_new_file_runs_only_its_source(landed: tuple[Path, Path]) -> None:
    landing, store = landed
    write(landing / "complaints" / "register_2026.csv", "ref,date\nC2,2026-04-01\n")
    result = plan(landing, store)
    assert result.sources == ["complaints"]
    assert list(result.changes["complaints"]) == ["complaints/register_2026.csv"]


def test_a_changed_and_a_removed_file_are_changes_of_their_sources(landed: tuple[Path, Path]) -> None:
    landing, store = landed
    # Same size, new mtime: re-hashed. (Same size and mtime is taken as unchanged, as rsync takes it.)
    write(landing / "fft" / "fft_2025_04.csv", "trust,score\nRXX,2\n", mtime=OLD + 120)
    (landing / "reference" / "epraccur.csv").unlink()
    result = plan(landing, store)
    assert result.sources == ["fft", "reference"]
    assert result.changes["reference"] == {"reference/epraccur.csv": None}  # to be withdrawn


def test_a_file_still_being_written_counts_as_a_change(landed: tuple[Path, Path]) -> None:
    landing, store = landed
    (landing / "fft" / "fft_2025_05.csv").write_text("trust,score\n")  # mtime now: not settled
    assert plan(landing, store).sources == ["fft"]


def test_what_the_landing_folder_cannot_show_runs_everything(landed: tuple[Path, Path]) -> None:
    landing, store = landed
    assert plan(landing, store, published=False).sources is None
    assert plan(landing, store, settings={**SETTINGS, "published": "/elsewhere.duckdb"}).sources is None
    with open_store(store) as con:  # another process (the UI, `chorus withdraw`) moved the ledger
        con.execute(
            "UPDATE meta.ingest_ledger SET status = 'withdrawn' WHERE path = 'reference/epraccur.csv'"
        )
    result = plan(landing, store)
    assert result.sources is None and "changed since the last complete run" in result.reason


def test_no_record_runs_everything(tmp_path: Path) -> None:
    write(tmp_path / "landing" / "reference" / "epraccur.csv", "A81001,PRACTICE\n")
    with open_store(tmp_path / "chorus.duckdb") as con:
        result = plan_refresh(con, tmp_path / "landing", SOURCES, SETTINGS, True)
    assert result.sources is None
    assert plan_refresh(None, tmp_path / "landing", SOURCES, SETTINGS, False).sources is None


def test_files_rejected_earlier_and_still_there_are_named(landed: tuple[Path, Path]) -> None:
    landing, store = landed
    snapshot = snapshot_landing(landing, {}, SOURCES, settle=0)
    with open_store(store, read_only=True) as con:
        assert rejected_in_landing(con, snapshot) == [
            ("fft/notes.csv", "fft/notes.csv: layout not recognised")
        ]
    (landing / "fft" / "notes.csv").unlink()
    snapshot = snapshot_landing(landing, {}, SOURCES, settle=0)
    with open_store(store, read_only=True) as con:
        assert rejected_in_landing(con, snapshot) == []
