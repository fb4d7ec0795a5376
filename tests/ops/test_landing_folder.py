"""The landing folder as it really behaves (issue 21, item 7): links, unreadable files, files still being
written, temporary names, and a working store only its owner can read.

Each test drops odd entries beside good files and asserts the exact outcome: what loaded, the ledger row
(status and message) of each odd entry, and that the good files' rows are exactly as they would be alone.
Unreadable files: these tests run as root, where mode 000 is still readable, so the read is made to raise
``PermissionError`` by patching ``Path.open`` for that one file (every Chorus read of a landing file goes
through it); ``test_mode_000_file_as_a_user`` does the real chmod and runs only when not root.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import open_store
from pipelines.ingest.changes import snapshot_landing
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile, scan_landing
from pipelines.ingest.loop import ingest_source
from tests.ops.toy_source import THINGS, load_things, things_landing, things_store


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return things_store(tmp_path / "w.duckdb")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return things_landing(tmp_path / "landing", {"a.csv": "v\na1\na2\n", "c.csv": "v\nc1\n"})


def ingest(warehouse: Path, landing: Path) -> dict[str, str]:
    with open_store(warehouse) as con:
        report = ingest_source(con, landing, "things", [THINGS])
    return {o.rel_path: o.status for o in report.outcomes}


def rows(warehouse: Path) -> list[tuple]:
    with open_store(warehouse, read_only=True) as con:
        return con.execute("SELECT source_file, v FROM staged.things ORDER BY 1, 2").fetchall()


def ledger(warehouse: Path) -> dict[str, tuple]:
    with open_store(warehouse, read_only=True) as con:
        got = con.execute("SELECT path, status, rows_loaded, error FROM meta.ingest_ledger").fetchall()
    return {path: (status, loaded, error) for path, status, loaded, error in got}


GOOD_ROWS = [("things/a.csv", "a1"), ("things/a.csv", "a2"), ("things/c.csv", "c1")]


def test_a_link_out_of_the_landing_folder_is_not_followed_and_the_refusal_is_recorded(
    store: Path, landing: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.csv").write_text("v\n" + "".join(f"s{i}\n" for i in range(39)))
    (landing / "things" / "b.csv").symlink_to(elsewhere / "secret.csv")
    (landing / "things" / "more").symlink_to(elsewhere, target_is_directory=True)

    outcomes = ingest(store, landing)

    assert rows(store) == GOOD_ROWS  # none of the 39 rows from elsewhere
    entries = ledger(store)
    assert entries["things/b.csv"] == (
        "failed",
        None,
        f"things/b.csv: a symbolic link to a file outside the landing folder ({elsewhere / 'secret.csv'}); "
        "not followed, copy the file into the landing folder instead",
    )
    assert entries["things/more"][:2] == ("failed", None)
    assert "a symbolic link to a folder outside the landing folder" in entries["things/more"][2]
    assert outcomes["things/a.csv"] == outcomes["things/c.csv"] == "loaded"
    assert outcomes["things/b.csv"] == "unrecognised"  # recorded, but not any one asset's failure


def test_a_link_inside_the_landing_folder_is_read(store: Path, landing: Path) -> None:
    (landing / "archive").mkdir()
    (landing / "archive" / "d.csv").write_text("v\nd1\n")
    (landing / "things" / "d.csv").symlink_to(landing / "archive" / "d.csv")
    ingest(store, landing)
    assert ("things/d.csv", "d1") in rows(store)


def refuse_to_open(monkeypatch: pytest.MonkeyPatch, unreadable: Path) -> None:
    """Opening ``unreadable`` raises PermissionError, as it would for a mode-000 file when not root."""
    real_open = Path.open

    def guarded(self: Path, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - Path.open's signature
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)


def test_an_unreadable_file_is_one_ledger_row_and_the_files_after_it_still_load(
    store: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable = landing / "things" / "b.csv"
    unreadable.write_text("v\nb1\n")
    refuse_to_open(monkeypatch, unreadable)

    outcomes = ingest(store, landing)

    assert rows(store) == GOOD_ROWS  # c.csv, after b.csv, loaded
    assert ledger(store)["things/b.csv"] == ("failed", None, "things/b.csv: cannot read: permission denied")
    assert outcomes == {"things/a.csv": "loaded", "things/b.csv": "unrecognised", "things/c.csv": "loaded"}


def test_the_sensor_scan_passes_over_an_unreadable_file(
    landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable = landing / "things" / "b.csv"
    unreadable.write_text("v\nb1\n")
    refuse_to_open(monkeypatch, unreadable)

    snapshot = snapshot_landing(landing, {}, ["things"])

    # Listed (so a run starts and records why), the readable files hashed as usual.
    assert snapshot["things"]["things/b.csv"][0] == "unreadable"
    expected = hashlib.sha256((landing / "things" / "c.csv").read_bytes()).hexdigest()
    assert snapshot["things"]["things/c.csv"][0] == expected


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode-000 files; the patched test covers this")
def test_mode_000_file_as_a_user(store: Path, landing: Path) -> None:
    unreadable = landing / "things" / "b.csv"
    unreadable.write_text("v\nb1\n")
    unreadable.chmod(0)
    try:
        ingest(store, landing)
    finally:
        unreadable.chmod(0o600)
    assert rows(store) == GOOD_ROWS
    assert ledger(store)["things/b.csv"][2] == "things/b.csv: cannot read: permission denied"


def test_temporary_and_hidden_names_are_never_read(store: Path, landing: Path) -> None:
    for name in ("b.csv.part", "~$b.csv", ".~lock.b.csv#", ".b.csv", "b.csv.crdownload"):
        (landing / "things" / name).write_text("v\nb1\n")
    (landing / "things" / ".hidden").mkdir()
    (landing / "things" / ".hidden" / "b.csv").write_text("v\nb1\n")

    outcomes = ingest(store, landing)

    assert rows(store) == GOOD_ROWS
    assert set(outcomes) == set(ledger(store)) == {"things/a.csv", "things/c.csv"}


def test_a_file_modified_within_the_settle_interval_waits(
    store: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = time.time() - 3600
    for name in ("a.csv", "c.csv"):
        os.utime(landing / "things" / name, (old, old))
    growing = landing / "things" / "b.csv"
    growing.write_text('v\nb1\n"b2 cut mid-fie')
    future = time.time() + 3600  # "modified just now" however long the wait: still inside the interval
    os.utime(growing, (future, future))
    monkeypatch.setenv("CHORUS_SETTLE_SECONDS", "1")

    outcomes = ingest(store, landing)

    assert rows(store) == GOOD_ROWS
    assert outcomes["things/b.csv"] == "waiting"
    assert "things/b.csv" not in ledger(store)  # not a failure: read on a later pass
    assert [p.name for p in scan_landing(landing, "things", settle=1).unsettled] == ["b.csv"]


def test_the_ledger_hash_is_of_exactly_the_bytes_loaded(
    store: Path, landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(store, landing)
    with open_store(store, read_only=True) as con:
        hashes = dict(con.execute("SELECT path, sha256 FROM meta.ingest_ledger").fetchall())
    for name in ("a.csv", "c.csv"):
        assert (
            hashes[f"things/{name}"] == hashlib.sha256((landing / "things" / name).read_bytes()).hexdigest()
        )


def test_a_file_that_grows_while_it_is_read_is_not_loaded(store: Path, landing: Path) -> None:
    growing = landing / "things" / "b.csv"
    growing.write_text("v\nb1\n")

    def load_while_appended(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> LoadCounts:
        counts = load_things(con, landing_file)
        if landing_file.path == growing:  # the copy into the folder goes on while the file is read
            with growing.open("a") as handle:
                handle.write("b2\n")
            os.utime(growing, ns=(time.time_ns(), landing_file.mtime_ns + 1_000_000))
        return counts

    layout = Layout("things", "things", "toy", ("staged.things",), load_while_appended, frozenset({"v"}))
    with open_store(store) as con:
        report = ingest_source(con, landing, "things", [layout])
    outcomes = {o.rel_path: (o.status, o.error) for o in report.outcomes}

    assert rows(store) == GOOD_ROWS  # b1 rolled back: its hash would not describe b1 + b2
    assert outcomes["things/b.csv"][0] == "waiting"
    assert "changed while it was read" in outcomes["things/b.csv"][1]
    assert "things/b.csv" not in ledger(store)


def test_the_working_store_and_its_spill_folder_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # a typical umask that would make both world-readable
    try:
        warehouse = tmp_path / "store" / "w.duckdb"
        with open_store(warehouse, memory_limit="1GB") as con:
            con.execute("CREATE TABLE raw.t AS SELECT 'unredacted text' AS x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "store" / "w.tmp").stat().st_mode) == 0o700


def test_the_same_file_name_in_two_sub_folders_gives_unique_comment_ids(tmp_path: Path) -> None:
    from pipelines.sources.fft.readers import FFT_LAYOUTS
    from tests.fft.helpers import ingest as ingest_fft
    from tests.fft.helpers import rows as fft_rows

    export = (
        "comment_id,date,location_1,location_2,location_3,fft,comment,question\n"
        "1,25/07/2025,Ward 2,,,1,Lovely staff,Overall?\n"
        "2,26/07/2025,Ward 3,,,2,Kind nurses,Overall?\n"
    )
    for month in ("2025-07", "2025-08"):
        folder = tmp_path / "landing" / "fft" / month
        folder.mkdir(parents=True)
        (folder / "comments.csv").write_text(export, encoding="utf-8")
    # The second copy differs by a trailing blank line only, so it is not refused as identical content.
    with (tmp_path / "landing" / "fft" / "2025-08" / "comments.csv").open("a") as handle:
        handle.write("\n")

    report = ingest_fft(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)

    assert {o.rel_path: o.status for o in report.outcomes} == {
        "fft/2025-07/comments.csv": "loaded",
        "fft/2025-08/comments.csv": "loaded",
    }
    ids = fft_rows(tmp_path / "w.duckdb", "SELECT comment_id FROM raw.comment_text ORDER BY 1")
    assert len(ids) == 4 and len(set(ids)) == 4
    assert ids[0][0].startswith("fft:2025-07/comments:")
