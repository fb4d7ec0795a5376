"""Publishing while analysts read: the atomic swap of the published file (issue 7, item 4).

A reader in another process holds ``duckdb.connect(published, read_only=True)``; the writer publishes a
new version; the reader keeps its snapshot, the writer succeeds, a new reader sees the new data. Real
processes, not threads: DuckDB's file locks are per process, and that is what analysts' tools are.
"""

import multiprocessing as mp
import os
from pathlib import Path

import duckdb
import pytest

from pipelines.publish.published_store import publish_store
from schemas.contracts import contract

# Waits end on events (the reader opened, the queue has its answer); this ceiling only stops a hung process.
HUNG = 600


def make_working_store(path: Path, version: int) -> None:
    """A tiny working store: marts and ref tables carrying ``version``, plus schemas never published."""
    with duckdb.connect(str(path)) as con:
        for schema in ("marts", "ref", "raw", "staged", "quarantine"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(
            "CREATE OR REPLACE TABLE marts.metric_by_group AS SELECT range AS id, ? AS version FROM range(100)",
            [version],
        )
        con.execute("COMMENT ON TABLE marts.metric_by_group IS 'test mart'")
        con.execute(
            "CREATE OR REPLACE TABLE ref.gp_practices AS SELECT 'A8100' || range AS code, ? AS version FROM range(3)",
            [version],
        )
        con.execute("CREATE OR REPLACE TABLE raw.secret AS SELECT 'patient text' AS t")
        con.execute("CREATE OR REPLACE TABLE quarantine.rows AS SELECT 1 AS x")


def versions(published: Path) -> set[int]:
    with duckdb.connect(str(published), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT DISTINCT version FROM marts.metric_by_group").fetchall()}


def reader(
    published: str, opened: "mp.synchronize.Event", go: "mp.synchronize.Event", out: "mp.Queue"
) -> None:
    """Open the published file read-only, read, wait while the writer publishes, read again."""
    con = duckdb.connect(published, read_only=True)
    before = con.execute("SELECT DISTINCT version, count(*) FROM marts.metric_by_group GROUP BY 1").fetchall()
    opened.set()
    go.wait(HUNG)
    after = con.execute("SELECT DISTINCT version, count(*) FROM marts.metric_by_group GROUP BY 1").fetchall()
    ref = con.execute("SELECT count(*) FROM ref.gp_practices").fetchone()
    con.close()
    out.put((before, after, ref))


@pytest.fixture
def stores(tmp_path: Path) -> tuple[Path, Path]:
    working, published = tmp_path / "work" / "chorus.duckdb", tmp_path / "pub" / "published.duckdb"
    working.parent.mkdir()
    make_working_store(working, version=1)
    publish_store(working, published)
    return working, published


def test_reader_keeps_its_snapshot_while_the_writer_publishes(stores: tuple[Path, Path]) -> None:
    working, published = stores
    ctx = mp.get_context("spawn")  # a clean process, as an analyst's tool would be
    opened, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=reader, args=(str(published), opened, go, out))
    proc.start()
    try:
        assert opened.wait(HUNG), "reader did not open the published file"
        old_inode = published.stat().st_ino
        make_working_store(working, version=2)
        tables = publish_store(working, published)  # must not wait for, or fail because of, the reader
        assert {t.name for t in tables} == {"marts.metric_by_group", "ref.gp_practices"}
        assert published.stat().st_ino != old_inode, "publish must swap in a new file, not write in place"
        assert versions(published) == {2}, "a new reader sees the new data"
        go.set()
        before, after, ref = out.get(timeout=HUNG)
    finally:
        go.set()
        proc.join(HUNG)
    assert proc.exitcode == 0
    assert before == [(1, 100)]
    assert after == [(1, 100)], "the old reader keeps a consistent snapshot until it reconnects"
    assert ref == (3,)


def test_published_file_opens_read_only_without_internal_schemas(stores: tuple[Path, Path]) -> None:
    _, published = stores
    with duckdb.connect(str(published), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        comment = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'metric_by_group'"
        ).fetchone()
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE marts.x AS SELECT 1")
    assert schemas == {"marts", "ref"}
    # Published descriptions come from the table's contract, whatever the working store says.
    assert comment == (contract("marts.metric_by_group").description,)


def test_published_file_is_readable_by_older_clients(stores: tuple[Path, Path]) -> None:
    """Written with storage compatibility v1.4.0, so pre-2.0 DuckDB clients (DBeaver, ODBC, R) open it."""
    _, published = stores
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{published}' AS p (READ_ONLY)")
        version = con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'p'"
        ).fetchone()
    assert version is not None
    # The working store is written in DuckDB 2.0's format ("v2.0.0+"); the published one must not be.
    assert version[0].startswith("v1."), version[0]


def test_a_stale_wal_beside_the_target_does_not_break_publishing(stores: tuple[Path, Path]) -> None:
    working, published = stores
    # Leftovers of a writer killed mid-way: a WAL beside the published file and a half-written temp file.
    Path(str(published) + ".wal").write_bytes(os.urandom(4096))
    tmp = published.with_name(published.name + ".tmp")
    tmp.write_bytes(b"half a database")
    Path(str(tmp) + ".wal").write_bytes(os.urandom(512))
    make_working_store(working, version=3)
    publish_store(working, published)
    assert versions(published) == {3}
    assert not Path(str(published) + ".wal").exists()
    assert not tmp.exists()


def test_a_failed_publish_leaves_the_previous_file(
    stores: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the copy fails half-way, readers still get the previous good file."""
    working, published = stores
    make_working_store(working, version=4)
    import pipelines.publish.published_store as publish_module

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publish_module.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        publish_store(working, published)
    assert versions(published) == {1}


def storage_version(published: Path) -> str:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{published}' AS p (READ_ONLY)")
        return con.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'p'"
        ).fetchone()[0]


def test_a_republish_writes_again_only_the_tables_that_changed(tmp_path: Path) -> None:
    """A refresh that changed one mart rewrites that mart's copy and Parquet file, keeps the others exactly, and
    the file stays readable by older clients however many times it is republished."""
    working, published, parquet = tmp_path / "chorus.duckdb", tmp_path / "published.duckdb", tmp_path / "pq"
    make_working_store(working, version=1)
    publish_store(working, published, parquet)
    mart, ref = parquet / "marts.metric_by_group.parquet", parquet / "ref.gp_practices.parquet"
    ref_written, mart_written = ref.stat().st_mtime_ns, mart.stat().st_mtime_ns
    with duckdb.connect(str(working)) as con:
        con.execute("UPDATE marts.metric_by_group SET version = 2 WHERE id = 7")
    publish_store(working, published, parquet)
    assert ref.stat().st_mtime_ns == ref_written, "an unchanged table's Parquet file is kept"
    assert mart.stat().st_mtime_ns != mart_written, "the changed table's Parquet file is written again"
    assert versions(published) == {1, 2}
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ref.gp_practices").fetchone() == (3,)
        assert con.execute("SELECT version FROM marts.metric_by_group WHERE id = 7").fetchone() == (2,)
        comment = con.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'gp_practices'"
        ).fetchone()
    assert comment == (contract("ref.gp_practices").description,)
    assert storage_version(published).startswith("v1.")


def test_a_table_no_longer_published_leaves_the_republished_file(tmp_path: Path) -> None:
    working, published = tmp_path / "chorus.duckdb", tmp_path / "published.duckdb"
    make_working_store(working, version=1)
    publish_store(working, published)
    with duckdb.connect(str(working)) as con:
        con.execute("DROP TABLE ref.gp_practices")
    publish_store(working, published)
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"metric_by_group"}


def test_republishing_a_changing_mart_does_not_grow_the_file_without_bound(tmp_path: Path) -> None:
    """Each republish drops and writes the changed table inside a copy of the last file; the space of the
    dropped copy is reused, so ten refreshes leave a file about the size of one."""
    working, published = tmp_path / "chorus.duckdb", tmp_path / "published.duckdb"
    with duckdb.connect(str(working)) as con:
        con.execute("CREATE SCHEMA marts")
    sizes = []
    for version in range(10):
        with duckdb.connect(str(working)) as con:
            con.execute(
                "CREATE OR REPLACE TABLE marts.metric_by_group AS "
                "SELECT range AS id, ? AS version, md5(range::VARCHAR || ?) AS filler FROM range(200000)",
                [version, version],
            )
        publish_store(working, published)
        sizes.append(published.stat().st_size)
    assert versions(published) == {9}
    assert sizes[-1] <= 2.5 * sizes[0], sizes
