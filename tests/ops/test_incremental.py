"""Incremental and idempotent refreshes (issue 8, item 2).

A second run with no new files re-reads nothing and changes nothing: same tables, same rows, same ledger,
same published contents. One new file touches only its own source's rows.
"""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import failed_checks, materialize, step_failures

SOURCES = ("reference", "complaints")
NEW_FILE = "complaints/ko41b_2025-26_q1.csv"
# Derived every run from the marts; the rest of meta is bookkeeping that legitimately grows per run.
IGNORED = {"meta.validation_results"}


def table_checksums(path: Path, schemas: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """table -> (rows, order-independent hash of all rows): equal checksums mean equal contents."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            f"""SELECT schema_name || '.' || table_name FROM duckdb_tables()
                WHERE schema_name IN ({", ".join(f"'{s}'" for s in schemas)}) ORDER BY 1"""
        ).fetchall()
        return {
            t: tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x").fetchone())
            for (t,) in tables
            if t not in IGNORED
        }


def rows_by_file(path: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """(table, source_file) -> (rows, hash): which files' rows changed between two runs."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            """SELECT DISTINCT table_schema || '.' || table_name FROM information_schema.columns
               WHERE column_name = 'source_file' AND table_schema IN ('raw', 'staged', 'ref')"""
        ).fetchall()
        for (t,) in tables:
            for source_file, rows, digest in con.execute(
                f"SELECT source_file, count(*), sum(hash(x)) FROM {t} x GROUP BY 1"
            ).fetchall():
                out[(t, source_file)] = (rows, digest)
    return out


def ledger(path: Path) -> dict[str, tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT path, sha256, status, rows_loaded, finished_at FROM meta.ingest_ledger"
            ).fetchall()
        }


def refresh(definitions: dg.Definitions, landing: Path, warehouse: Path, published: Path) -> None:
    """Ingest the sources, then publish (publish runs last, as after the marts in a full run)."""
    for groups in (SOURCES, ("publish",)):
        result = materialize(definitions, landing, warehouse, groups=groups, published=published)
        assert result.success, step_failures(result)
        assert not failed_checks(result)


@pytest.fixture
def landing(sample_landing: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    for source in SOURCES:
        shutil.copytree(sample_landing / source, folder / source)
    (folder / NEW_FILE).unlink()  # held back: it arrives later as "one new file"
    return folder


def test_no_change_rerun_changes_nothing_and_one_new_file_touches_only_its_rows(
    all_definitions: dg.Definitions, landing: Path, sample_landing: Path, tmp_path: Path
) -> None:
    warehouse, published = tmp_path / "w" / "chorus.duckdb", tmp_path / "w" / "published.duckdb"
    refresh(all_definitions, landing, warehouse, published)
    store_1 = table_checksums(warehouse, ("raw", "staged", "ref", "quarantine", "meta"))
    published_1 = table_checksums(published, ("marts", "ref"))
    ledger_1, files_1 = ledger(warehouse), rows_by_file(warehouse)
    assert ledger_1 and published_1

    # No new files: nothing re-read (ledger untouched, including finish times), nothing changed.
    refresh(all_definitions, landing, warehouse, published)
    assert ledger(warehouse) == ledger_1
    assert table_checksums(warehouse, ("raw", "staged", "ref", "quarantine", "meta")) == store_1
    assert table_checksums(published, ("marts", "ref")) == published_1

    # One new complaints file: only its ledger row and its own rows are new.
    shutil.copy(sample_landing / NEW_FILE, landing / NEW_FILE)
    refresh(all_definitions, landing, warehouse, published)
    ledger_3, files_3 = ledger(warehouse), rows_by_file(warehouse)
    assert set(ledger_3) - set(ledger_1) == {NEW_FILE}
    assert ledger_3[NEW_FILE][1] == "loaded"
    assert {p: v for p, v in ledger_3.items() if p != NEW_FILE} == ledger_1, "other files were re-read"
    assert {k for k in files_3 if k[1] == NEW_FILE}, "the new file's rows are missing"
    assert {k: v for k, v in files_3.items() if k[1] != NEW_FILE} == files_1, "other files' rows changed"
    store_3 = table_checksums(warehouse, ("ref",))
    assert store_3 == {t: v for t, v in store_1.items() if t.startswith("ref.")}, "reference data changed"
