"""The corpus harness: load the good sample once, then drop one bad file at a time into a copy of it.

Each case ingests just its file through the same write-audit-publish path the assets use (Great
Expectations included) and compares every published table with the baseline. Split across two test
modules (reference + GPPS, and the feedback sources) so ``-n 2 --dist loadfile`` runs them side by side.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

from pipelines.core.sql import run_sql_file
from pipelines.core.store import open_store
from pipelines.ingest.detect import Layout
from pipelines.ingest.loop import ingest_source
from pipelines.sources.reference.readers import DERIVED_SQL
from pipelines.validation.audit import SqlRunner, SuiteRunner, build_audit
from tests.validation.corpus import Case


def source_layouts(source: str) -> Sequence[Layout]:
    """Every layout a source knows (the corpus exercises detection as well as loading)."""
    if source == "reference":
        from pipelines.sources.reference.readers import REFERENCE_LAYOUTS

        return REFERENCE_LAYOUTS
    if source == "gpps":
        from pipelines.sources.gpps.readers import GPPS_LAYOUTS

        return GPPS_LAYOUTS
    if source == "fft":
        from pipelines.sources.fft.readers import FFT_LAYOUTS

        return FFT_LAYOUTS
    if source == "complaints":
        from pipelines.sources.complaints.readers import COMPLAINT_LAYOUTS

        return COMPLAINT_LAYOUTS
    if source == "healthwatch":
        from pipelines.sources.healthwatch.readers import HEALTHWATCH_LAYOUTS

        return HEALTHWATCH_LAYOUTS
    if source == "stories":
        from pipelines.sources.stories.readers import STORY_LAYOUTS

        return STORY_LAYOUTS
    raise KeyError(source)


def prepare(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """What each source's asset does before ingesting (its ``prepare``)."""
    if source == "reference":
        from pipelines.sources.reference.readers import ensure_reference_tables

        ensure_reference_tables(con)
    if source == "gpps":
        from pipelines.sources.gpps.readers import prepare as prepare_gpps

        prepare_gpps(con)
    if source == "fft":
        from pipelines.sources.fft.common import ensure_fft_tables

        ensure_fft_tables(con)
    if source == "complaints":
        from pipelines.sources.complaints.readers import ensure_complaint_tables

        ensure_complaint_tables(con)
    if source == "healthwatch":
        from pipelines.sources.healthwatch.readers import ensure_healthwatch_tables

        ensure_healthwatch_tables(con)
    if source == "stories":
        from pipelines.sources.stories.readers import apply_story_geography, ensure_story_tables

        ensure_story_tables(con)
        apply_story_geography(con)


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


def load_baseline(
    sample_landing: Path,
    warehouse: Path,
    sources: Sequence[str],
    gx: SuiteRunner,
    support: Sequence[str] = (),
) -> dict:
    """A warehouse holding every good sample file of ``support`` and ``sources``, with its baseline.

    ``sources`` are validated with ``gx`` (the sample must pass every suite through Great Expectations);
    ``support`` sources (the reference other loaders look practices and trusts up in) with the SQL engine.
    Each source gets its own connection, as each asset does.
    """
    for source in [*support, *sources]:
        audit, record = build_audit(gx if source in sources else SqlRunner())
        with open_store(warehouse) as con:
            prepare(con, source)
            report = ingest_source(
                con, sample_landing, source, source_layouts(source), audit=audit, record_audit=record
            )
            assert not report.failed, report.summary_markdown()
            if source == "reference":
                # GPPS and the feedback sources check codes against the derived, versioned geography.
                run_sql_file(con, DERIVED_SQL)
    with open_store(warehouse) as con:
        failed = con.execute("SELECT count(*) FROM meta.validation_results WHERE NOT success").fetchone()[0]
        assert failed == 0, "the good sample failed an expectation"
        return {
            "warehouse": warehouse,
            "baseline": snapshot(con),
            "ledger": ledger(con),
            "sample": sample_landing,
        }


def run_case(case: Case, loaded: dict, tmp_path: Path, gx: SuiteRunner) -> None:
    """Drop the case's file into a copy of the loaded warehouse and assert its exact outcome."""
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
        ledger_counts = con.execute(
            "SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger WHERE path = ?",
            [case.rel_path],
        ).fetchone()
        held_rules = sorted({h[0] for h in case.held})
        held = (
            con.execute(
                f"""SELECT rule, source_row, column_name, value FROM quarantine.rows
                    WHERE source_file = ? AND rule IN ({", ".join("?" for _ in held_rules)}) ORDER BY 1, 2, 3""",
                [case.rel_path, *held_rules],
            ).fetchall()
            if held_rules
            else []
        )
        duplicated = duplicated_policy_keys(con, case)
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
        assert status == "failed", error
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
        assert status == "loaded", error
        if case.note:
            for fragment in case.note:
                assert fragment in (error or ""), f"{fragment!r} not in {error!r}"
        else:
            assert error is None, error
        assert quarantined == case.quarantined, quarantined
        assert held == sorted(case.held), held
        if case.counts is not None:
            assert ledger_counts == case.counts, ledger_counts
        # A file sound except for its bad rows never comes out with nothing loaded.
        assert ledger_counts[0] == 0 or ledger_counts[1] > 0, ledger_counts
        assert ledger_counts[0] == ledger_counts[1] + ledger_counts[2]
        assert duplicated == {}, duplicated
        assert after_others == before_others
        assert rows == list(case.expect), rows


def duplicated_policy_keys(con: duckdb.DuckDBPyConnection, case: Case) -> dict[str, list]:
    """Keys of the source's policies that more than one row of the case's file holds after loading (the
    table's uniqueness checks would fail on them): none, since every row sharing a key is quarantined."""
    from pipelines.core.store import table_exists
    from pipelines.lib.asset_checks import duplicated_keys_sql
    from pipelines.sources.policy import all_policies

    found = {}
    for policy in all_policies():
        table = policy.key_table or policy.table
        if policy.source != case.source or not policy.key or not table_exists(con, table):
            continue
        rows = con.execute(
            duplicated_keys_sql(table, policy.key, "source_file = ?"), [case.rel_path]
        ).fetchall()
        if rows:
            found[table] = rows
    return found


def _baseline_without(warehouse: Path, rel_path: str, tmp_path: Path) -> dict[str, tuple]:
    """The good warehouse's snapshot without ``rel_path``'s rows (what a replacing file may change)."""
    copy = tmp_path / "baseline.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        return snapshot(con, exclude_file=rel_path)
