"""Withdrawing files (issue 16, item 9), on the ingest loop itself: removed files, held files, readmission.

A file taken out of the landing folder is withdrawn on the next pass over its source: its rows leave and the
ledger says when and why. A file withdrawn on purpose (``chorus withdraw``) stays out, under any name, until
its content changes or it is readmitted. The sample end to end (published file, Parquet, reports) is in
``test_withdrawal_published.py``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.core.fingerprint import inputs_fingerprint
from pipelines.core.store import open_store
from pipelines.ingest.files import LandingFile
from pipelines.ingest.loop import ingest_source
from pipelines.ingest.withdraw import REMOVED_REASON, readmit, withdraw_file
from tests.ops.toy_source import THINGS, things_landing, things_store


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return things_store(tmp_path / "w.duckdb")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return things_landing(tmp_path / "landing", {"a.csv": "v\na1\na2\n", "b.csv": "v\nb1\n"})


def run(warehouse: Path, landing: Path) -> dict[str, str]:
    """One pass over the folder, then code the comments as the text stage would; path -> outcome."""
    with open_store(warehouse) as con:
        report = ingest_source(con, landing, "things", [THINGS])
        con.execute(
            """INSERT INTO staged.comment_text SELECT comment_id, file_sha256, 'redacted ' || text FROM raw.comment_text r
               WHERE NOT EXISTS (SELECT 1 FROM staged.comment_text t WHERE t.comment_id = r.comment_id)"""
        )
    return {o.rel_path: o.status for o in report.outcomes}


def rows_of(warehouse: Path, path: str) -> dict[str, int]:
    """Rows the file has anywhere: its own tables and its comments' codes."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "staged.things": con.execute(
                "SELECT count(*) FROM staged.things WHERE source_file = ?", [path]
            ).fetchone()[0],
            "raw.comment_text": con.execute(
                "SELECT count(*) FROM raw.comment_text WHERE source_file = ?", [path]
            ).fetchone()[0],
            # Its comments' codes: a.csv wrote comments c-a1, c-a2; b.csv wrote c-b1.
            "staged.comment_text": con.execute(
                "SELECT count(*) FROM staged.comment_text WHERE comment_id LIKE 'c-' || ? || '_'",
                [Path(path).stem],
            ).fetchone()[0],
        }


def ledger(warehouse: Path, path: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT status, withdrawn_at, withdrawal_reason FROM meta.ingest_ledger WHERE path = ?", [path]
        ).fetchone()


def test_a_removed_file_is_withdrawn_on_the_next_run_and_loads_again_when_put_back(
    store: Path, landing: Path
) -> None:
    assert run(store, landing) == {"things/a.csv": "loaded", "things/b.csv": "loaded"}
    assert rows_of(store, "things/a.csv") == {
        "staged.things": 2,
        "raw.comment_text": 2,
        "staged.comment_text": 2,
    }
    before = datetime.now()
    text = (landing / "things" / "a.csv").read_text()
    (landing / "things" / "a.csv").unlink()

    assert run(store, landing) == {"things/a.csv": "withdrawn", "things/b.csv": "skipped"}
    assert rows_of(store, "things/a.csv") == {
        "staged.things": 0,
        "raw.comment_text": 0,
        "staged.comment_text": 0,
    }
    assert rows_of(store, "things/b.csv")["staged.things"] == 1  # the other file is untouched
    status, at, reason = ledger(store, "things/a.csv")
    assert status == "withdrawn" and at >= before and reason == REMOVED_REASON
    # Withdrawn once: the next run has nothing to do.
    assert run(store, landing) == {"things/b.csv": "skipped"}

    (landing / "things" / "a.csv").write_text(text)
    assert run(store, landing)["things/a.csv"] == "loaded"
    assert rows_of(store, "things/a.csv")["staged.things"] == 2
    assert ledger(store, "things/a.csv") == ("loaded", None, None)


def test_a_missing_source_folder_withdraws_nothing(store: Path, landing: Path) -> None:
    """An unmounted share must not unpublish a whole source: only removed files are withdrawn."""
    run(store, landing)
    for path in (landing / "things").iterdir():
        path.unlink()
    (landing / "things").rmdir()
    assert run(store, landing) == {}
    assert rows_of(store, "things/a.csv")["staged.things"] == 2
    (landing / "things").mkdir()  # the folder is there and empty: its files were removed
    assert run(store, landing) == {"things/a.csv": "withdrawn", "things/b.csv": "withdrawn"}


def test_a_file_withdrawn_on_purpose_stays_out_until_it_changes_or_is_readmitted(
    store: Path, landing: Path
) -> None:
    run(store, landing)
    with open_store(store) as con:
        withdrawal = withdraw_file(con, "things/a.csv", reason="NHS number in row 2", deliberate=True)
    assert withdrawal.total_rows == 2 + 2 + 2
    assert rows_of(store, "things/a.csv") == {
        "staged.things": 0,
        "raw.comment_text": 0,
        "staged.comment_text": 0,
    }
    assert ledger(store, "things/a.csv")[::2] == ("withdrawn", "NHS number in row 2")

    # Still in the landing folder, and a copy under another name: neither is loaded.
    (landing / "things" / "copy_of_a.csv").write_bytes((landing / "things" / "a.csv").read_bytes())
    outcomes = run(store, landing)
    assert outcomes["things/a.csv"] == "withdrawn" and outcomes["things/copy_of_a.csv"] == "withdrawn"
    assert rows_of(store, "things/a.csv")["staged.things"] == 0
    with duckdb.connect(str(store), read_only=True) as con:
        assert (
            con.execute("SELECT count(*) FROM staged.things WHERE source_file LIKE '%a.csv'").fetchone()[0]
            == 0
        )
    copy_reason = ledger(store, "things/copy_of_a.csv")[2]
    assert "same content as things/a.csv" in copy_reason and "NHS number in row 2" in copy_reason

    # Its content changes (the row fixed): it loads.
    (landing / "things" / "copy_of_a.csv").write_text("v\na1\n")
    assert run(store, landing)["things/copy_of_a.csv"] == "loaded"

    # Readmitted as it was: it loads.
    with open_store(store) as con:
        assert readmit(con, "things/a.csv") == 1
    assert run(store, landing)["things/a.csv"] == "loaded"
    assert rows_of(store, "things/a.csv")["staged.things"] == 2


def test_a_file_never_loaded_can_be_held_before_its_first_run(store: Path, landing: Path) -> None:
    path = landing / "things" / "a.csv"
    with open_store(store) as con:
        withdraw_file(
            con,
            "things/a.csv",
            reason="personal data",
            deliberate=True,
            source="things",
            sha256=LandingFile.from_path(path, landing, "things").sha256,
            size=path.stat().st_size,
        )
    assert run(store, landing) == {"things/a.csv": "withdrawn", "things/b.csv": "loaded"}
    assert rows_of(store, "things/a.csv")["staged.things"] == 0


def test_withdrawing_a_file_whose_last_version_failed_rebuilds_what_was_built_from_it(
    store: Path, landing: Path
) -> None:
    """Its earlier rows were still in staged: the marts' fingerprint must move when they leave."""
    run(store, landing)
    (landing / "things" / "a.csv").write_text("v\na1,ragged\n")  # fails: its earlier rows stay
    assert run(store, landing)["things/a.csv"] == "failed"
    assert rows_of(store, "things/a.csv")["staged.things"] == 2
    with open_store(store) as con:
        before = inputs_fingerprint(con, code=())
    (landing / "things" / "a.csv").unlink()
    assert run(store, landing)["things/a.csv"] == "withdrawn"
    assert rows_of(store, "things/a.csv")["staged.things"] == 0
    with open_store(store) as con:
        assert inputs_fingerprint(con, code=()) != before
