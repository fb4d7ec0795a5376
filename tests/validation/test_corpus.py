"""The bad-input corpus: every malformed file has exactly its documented outcome, and nothing else moves.

One warehouse is loaded from the good sample once per module; each case works on a copy of that file,
drops its bad file into a landing folder and ingests just that file through the same write-audit-publish
path the assets use (Great Expectations included), then compares every published table with the baseline.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import Layout, ingest_source
from pipelines.store import open_store
from pipelines.validation.audit import build_audit
from pipelines.validation.gx_resource import GreatExpectationsResource
from tests.validation.corpus import CASES, Case


def source_layouts(source: str) -> Sequence[Layout]:
    """Every layout a source knows (the corpus exercises detection as well as loading)."""
    if source == "reference":
        from pipelines.sources.reference.layouts import REFERENCE_LAYOUTS

        return REFERENCE_LAYOUTS
    if source == "gpps":
        from pipelines.sources.gpps.layouts import GPPS_LAYOUTS

        return GPPS_LAYOUTS
    raise KeyError(source)


def prepare(con: duckdb.DuckDBPyConnection, source: str) -> None:
    if source == "reference":
        from pipelines.sources.reference.layouts import ensure_reference_tables

        ensure_reference_tables(con)
    if source == "gpps":
        from pipelines.sources.gpps.layouts import prepare as prepare_gpps

        prepare_gpps(con)


# Reference first: other sources' loaders look practices and trusts up in it.
SOURCES = [
    s
    for s in ("reference", "gpps", "fft", "complaints", "healthwatch", "stories")
    if any(c.source == s for c in CASES)
]
WATCHED_SCHEMAS = ("raw", "staged", "ref", "quarantine")


def snapshot(con: duckdb.DuckDBPyConnection, exclude_file: str | None = None) -> dict[str, tuple]:
    """Row count and an order-independent digest of every watched table, optionally without one file's rows."""
    tables = con.execute(
        f"SELECT table_schema || '.' || table_name FROM information_schema.tables "
        f"WHERE table_schema IN {WATCHED_SCHEMAS} AND table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()
    result = {}
    for (table,) in tables:
        columns = [c for (c,) in con.execute(f"SELECT column_name FROM (DESCRIBE {table})").fetchall()]
        where = "WHERE source_file IS DISTINCT FROM ?" if exclude_file and "source_file" in columns else ""
        keep = [c for c in columns if c != "first_seen"]  # quarantine timestamps differ per run
        row = con.execute(
            f"SELECT count(*), coalesce(sum(hash({', '.join(keep)})), 0) FROM {table} {where}",
            [exclude_file] if where else [],
        ).fetchone()
        result[table] = (int(row[0]), int(row[1]))
    return result


def ledger(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    return {
        p: (s, st)
        for p, s, st in con.execute("SELECT path, sha256, status FROM meta.ingest_ledger").fetchall()
    }


@pytest.fixture(scope="module")
def gx() -> GreatExpectationsResource:
    return GreatExpectationsResource()


@pytest.fixture(scope="module")
def loaded(
    sample_landing: Path, tmp_path_factory: pytest.TempPathFactory, gx: GreatExpectationsResource
) -> dict:
    """A warehouse holding every good sample file of the corpus's sources, with its baseline."""
    warehouse = tmp_path_factory.mktemp("corpus") / "good.duckdb"
    audit, record = build_audit(gx)
    with open_store(warehouse) as con:
        for source in SOURCES:
            prepare(con, source)
            report = ingest_source(
                con, sample_landing, source, source_layouts(source), audit=audit, record_audit=record
            )
            assert not report.failed, report.summary_markdown()
            if source == "reference":
                # GPPS checks practice codes against the derived, versioned geography.
                from pipelines.sources.reference import layouts

                con.execute((Path(layouts.__file__).parent / "derived.sql").read_text())
        baseline = snapshot(con)
        good_ledger = ledger(con)
    return {"warehouse": warehouse, "baseline": baseline, "ledger": good_ledger, "sample": sample_landing}


def test_corpus_is_big_enough_and_names_are_unique() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_file_has_its_exact_outcome(
    case: Case, loaded: dict, tmp_path: Path, gx: GreatExpectationsResource
) -> None:
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(loaded["warehouse"], warehouse)
    landing = tmp_path / "landing"
    bad = landing / case.source / case.target
    bad.parent.mkdir(parents=True)
    bad.write_bytes(case.build(loaded["sample"]))
    audit, record = build_audit(gx)

    with open_store(warehouse) as con:
        prepare(con, case.source)
        report = ingest_source(
            con,
            landing,
            case.source,
            source_layouts(case.source),
            paths=[bad],
            audit=audit,
            record_audit=record,
        )
        status, error = con.execute(
            "SELECT status, error FROM meta.ingest_ledger WHERE path = ?", [case.rel_path]
        ).fetchone()
        quarantined = dict(
            con.execute(
                "SELECT rule, count(DISTINCT source_row) FROM quarantine.rows WHERE source_file = ? GROUP BY 1",
                [case.rel_path],
            ).fetchall()
        )
        after_all = snapshot(con)
        after_others = snapshot(con, exclude_file=case.rel_path)
        before_others = _baseline_without(loaded["warehouse"], case.rel_path, tmp_path)
        after_ledger = ledger(con)
        rows = con.execute(case.sql).fetchall() if case.sql else []

    assert len(report.outcomes) == 1
    # Every good file's ledger row is untouched (same content, still loaded).
    for path, entry in loaded["ledger"].items():
        if path != case.rel_path:
            assert after_ledger[path] == entry, path
    if case.outcome == "rejected":
        assert status == "failed"
        assert error.startswith(f"{case.rel_path}: "), error
        for fragment in case.message:
            assert fragment in error, f"{fragment!r} not in {error!r}"
        assert "Traceback" not in error
        # Nothing from the bad file is visible and everything published before is exactly as it was.
        assert after_all == loaded["baseline"]
        if case.rel_path in loaded["ledger"]:
            assert (
                after_ledger[case.rel_path][0] != loaded["ledger"][case.rel_path][0]
            )  # new content was tried
    else:
        assert (status, error) == ("loaded", None)
        assert quarantined == case.quarantined
        assert after_others == before_others
        assert rows == list(case.expect)


def _baseline_without(warehouse: Path, rel_path: str, tmp_path: Path) -> dict[str, tuple]:
    """The good warehouse's snapshot without ``rel_path``'s rows (what a replacing file may change)."""
    copy = tmp_path / "baseline.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        return snapshot(con, exclude_file=rel_path)
