"""Crash safety (issue 8, item 3): SIGKILL a real refresh at several points and recover.

A subprocess refreshes the reference source and then publishes, through the CLI's own execution path
(``pipelines.cli.dagster_runs._execute``) against a persistent Dagster instance configured with the repo's
``dagster.yaml``, so the ``duckdb_writer`` pool slot is really claimed. It is killed with SIGKILL:

1. inside a file's ingest transaction (new rows written, not committed),
2. as the sixth writing step of the run starts (the earlier ones have committed),
3. inside publish, after the temporary published file is complete and before the atomic replace.

After each kill: the working store opens and is consistent (ledger rows only for committed files, each
file's rows complete, no duplicate rows), and the published file is still the previous good one. The next
normal run completes (its pool slot is not stuck behind the dead run), with no duplicates.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
# Every wait below ends on an event (a marker line, the process exiting); this ceiling only stops a
# process that hangs. A slow or loaded machine takes longer, never fails.
HUNG = 600
CHANGED_FILE = "reference/gp-reg-pat-prac-all.csv"

# The run: reference group, then publish. CHORUS_CRASH_PAUSE makes it print a marker and stop at a
# chosen point so the test can kill it exactly there (the pause is inside the real code path).
RUNNER = r"""
import dataclasses, os, sys, time, types
import dagster as dg

pause_at = os.environ.get("CHORUS_CRASH_PAUSE", "")
# Dagster captures step output into compute-log files; markers go to a copy of the original stdout.
MARKS = os.dup(1)

def pause(label):
    os.write(MARKS, f"CRASHPOINT {label}\n".encode())
    time.sleep(600)

if pause_at == "ingest":
    import pipelines.ingest.loop as ingest
    original = ingest.ingest_file

    def paused_ingest_file(con, landing_file, layout, *args, **kwargs):
        def load(con_, file_):
            counts = layout.load(con_, file_)
            pause("ingest")  # old rows deleted, new rows inserted, transaction still open
            return counts
        return original(con, landing_file, dataclasses.replace(layout, load=load), *args, **kwargs)

    ingest.ingest_file = paused_ingest_file

if pause_at.startswith("step:"):
    from pipelines.lib.resources import ChorusResource
    original_connect = ChorusResource.connect
    calls = []

    def counting_connect(self):
        calls.append(1)
        if len(calls) == int(pause_at.split(":")[1]):
            pause("step")  # earlier steps of this run have committed; this one has not begun writing
        return original_connect(self)

    ChorusResource.connect = counting_connect

if pause_at == "publish":
    import pipelines.publish.published_store as publish
    real_os = publish.os

    def replace(src, dst):
        if str(dst).endswith(".duckdb"):
            pause("publish")  # the temporary file is complete; the swap has not happened
        real_os.replace(src, dst)

    publish.os = types.SimpleNamespace(**{**vars(real_os), "replace": replace})

from pipelines.cli.dagster_runs import _execute
from pipelines.definitions import defs

definitions = defs()
ok = _execute(definitions, dg.AssetSelection.groups("reference"), "crash_refresh").success
ok = ok and _execute(definitions, dg.AssetSelection.assets(dg.AssetKey("published_store")), "crash_publish").success
print("RUN FINISHED", ok, flush=True)
sys.exit(0 if ok else 1)
"""


def start(env: dict[str, str], pause_at: str = "") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER],
        cwd=REPO,
        env={**env, "CHORUS_CRASH_PAUSE": pause_at},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_until(env: dict[str, str], marker: str, pause_at: str = "") -> str:
    """Start a refresh, SIGKILL it when ``marker`` appears in its output; return the output.

    A watchdog kills a run that never reaches the marker (e.g. one stuck waiting for a pool slot a
    dead run still holds), so a regression fails the test instead of hanging it.
    """
    proc = start(env, pause_at)
    watchdog = threading.Timer(HUNG, proc.kill)
    watchdog.start()
    lines, seen = [], False
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            lines.append(line)
            if marker in line:
                seen = True
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=HUNG)
    finally:
        watchdog.cancel()
    output = "".join(lines)
    assert seen, f"the run never reached {marker!r}:\n{output[-3000:]}"
    assert proc.returncode == -signal.SIGKILL
    return output


def run_to_end(env: dict[str, str]) -> None:
    proc = start(env)
    output, _ = proc.communicate(timeout=HUNG)
    assert proc.returncode == 0, output[-3000:]


def checksum(path: Path) -> dict[str, tuple[int, int]]:
    """Every table's row count and order-independent content hash."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name <> 'meta'"
            ).fetchall()
        ]
        return {
            t: tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x").fetchone())
            for t in tables
        }


# Tables holding several rows per source row (one per category or question), with what tells them apart.
LONG_TABLE_KEYS = {
    "ref.lsoa_ethnic_group": ["category"],
    "staged.gpps_results": ["question", "response_option"],
}


def assert_consistent(warehouse: Path) -> dict[str, str]:
    """The working store opens; every loaded file's rows are all there, once. Returns path -> sha256."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                """SELECT DISTINCT table_schema || '.' || table_name FROM information_schema.columns
                   WHERE column_name = 'source_row' AND table_schema IN ('raw', 'staged', 'ref')"""
            ).fetchall()
        ]
        for table in tables:
            key = ", ".join(["source_file", "source_row", *LONG_TABLE_KEYS.get(table, [])])
            duplicates = con.execute(
                f"SELECT {key}, count(*) FROM {table} GROUP BY ALL HAVING count(*) > 1 LIMIT 3"
            ).fetchall()
            assert not duplicates, f"{table} has duplicate rows: {duplicates}"
        ledger = con.execute(
            "SELECT path, sha256, rows_loaded FROM meta.ingest_ledger WHERE status = 'loaded'"
        ).fetchall()
        for path, _, rows_loaded in ledger:
            counts = [
                con.execute(
                    f"SELECT count(DISTINCT source_row) FROM {t} WHERE source_file = ?"
                    if t in LONG_TABLE_KEYS
                    else f"SELECT count(*) FROM {t} WHERE source_file = ?",
                    [path],
                ).fetchone()[0]
                for t in tables
            ]
            assert rows_loaded in counts, (
                f"{path}: ledger says {rows_loaded} rows loaded, tables hold {counts}"
            )
        # No rows from a file the ledger does not know as loaded (a half-committed file).
        known = {path for path, _, _ in ledger}
        for table in tables:
            orphans = {
                r[0] for r in con.execute(f"SELECT DISTINCT source_file FROM {table}").fetchall()
            } - known
            assert not orphans, f"{table} holds rows of files not in the ledger: {orphans}"
        return {path: sha for path, sha, _ in ledger}


def claimed_slots(home: Path) -> list:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(instance.event_log_storage.get_concurrency_info("duckdb_writer").claimed_slots)


@pytest.fixture
def env(sample_landing: Path, tmp_path: Path) -> dict[str, str]:
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CHORUS_LANDING_DIR": str(landing),
        "CHORUS_WAREHOUSE": str(tmp_path / "w" / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(tmp_path / "pub" / "published.duckdb"),
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(REPO),
    }


def test_sigkill_at_several_points_leaves_everything_consistent(env: dict[str, str]) -> None:
    warehouse, published = Path(env["CHORUS_WAREHOUSE"]), Path(env["CHORUS_PUBLISHED"])
    landing, home = Path(env["CHORUS_LANDING_DIR"]), Path(env["DAGSTER_HOME"])
    run_to_end(env)
    good = checksum(published)
    ledger_0 = assert_consistent(warehouse)
    assert good and ledger_0

    # A changed file, so the next refresh has real work: re-ingest, rebuild derived data, republish.
    changed = landing / CHANGED_FILE
    text = changed.read_text().splitlines(keepends=True)
    head, *rows = text
    last = rows[0].rstrip("\n").split(",")
    last[-1] = str(int(last[-1]) + 1)
    changed.write_text(head + ",".join(last) + "\n" + "".join(rows[1:]))

    run_until(env, "CRASHPOINT ingest", pause_at="ingest")
    assert assert_consistent(warehouse)[CHANGED_FILE] == ledger_0[CHANGED_FILE], "uncommitted file in ledger"
    assert checksum(published) == good
    assert claimed_slots(home), "the killed run should still hold its pool slot (else this proves nothing)"

    run_until(env, "CRASHPOINT step", pause_at="step:6")
    assert_consistent(warehouse)
    assert checksum(published) == good

    output = run_until(env, "CRASHPOINT publish", pause_at="publish")
    assert "was interrupted earlier" in output, "the dead run's slot was not recovered"
    assert_consistent(warehouse)
    assert checksum(published) == good, "a killed publish changed the published file"
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ref.gp_practices").fetchone()[0] > 0

    run_to_end(env)
    ledger_4 = assert_consistent(warehouse)
    assert ledger_4[CHANGED_FILE] != ledger_0[CHANGED_FILE], "the changed file was loaded"
    assert {p: s for p, s in ledger_4.items() if p != CHANGED_FILE} == {
        p: s for p, s in ledger_0.items() if p != CHANGED_FILE
    }
    final = checksum(published)
    assert final != good and final["ref.registered_population"] != good["ref.registered_population"]
    assert checksum(warehouse)["ref.registered_population"] == final["ref.registered_population"]
    assert not claimed_slots(home), "a pool slot is still held after the recovery run"
    assert not published.with_name(published.name + ".tmp").exists()
