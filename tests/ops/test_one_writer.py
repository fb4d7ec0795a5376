"""One writer, whoever starts the run (issue 20, item 1).

DuckDB lets one process hold the working file at a time (a reader blocks a writer too). Every step that
opens it takes the ``duckdb_writer`` pool slot; a process outside Dagster holding it (an analyst's
notebook on the working store) is waited for, then answered in one line naming it; two `chorus run`s
started together both succeed, one after the other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.core.store import StoreLocked, open_store
from pipelines.lib.asset_checks import WRITER_POOL

REPO = Path(__file__).resolve().parents[2]
HUNG = 600  # a ceiling for a hung process only; every wait below ends on an event

# Holds the file until told to let go: prints READY once it holds it, closes on a line on stdin.
HOLDER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("READY", flush=True)
sys.stdin.readline()
con.close()
print("RELEASED", flush=True)
"""


def test_every_step_that_opens_the_working_store_takes_the_writer_pool(
    all_definitions: dg.Definitions,
) -> None:
    job = dg.Definitions.merge(
        all_definitions,
        dg.Definitions(jobs=[dg.define_asset_job("everything", selection=dg.AssetSelection.all())]),
    ).resolve_job_def("everything")
    outside = sorted(
        op.name
        for op in job.graph.iterate_op_defs()
        if "chorus" in op.required_resource_keys and op.pool != WRITER_POOL
    )
    assert not outside, f"steps that open the working store outside the {WRITER_POOL} pool: {outside}"


@pytest.fixture
def holder(tmp_path: Path, request: pytest.FixtureRequest):  # noqa: ANN201 - yields the process
    """Another process holding the working store (read-only, as an analyst's tool would)."""
    store = tmp_path / "chorus.duckdb"
    with open_store(store):
        pass
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store), getattr(request, "param", "ro")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    yield proc
    if proc.poll() is None:
        proc.communicate("\n", timeout=HUNG)


def test_a_held_store_is_answered_in_one_line_naming_the_holder(
    holder: subprocess.Popen, tmp_path: Path
) -> None:
    with pytest.raises(StoreLocked) as raised, open_store(tmp_path / "chorus.duckdb", lock_wait_seconds=0.5):
        pass
    message = str(raised.value)
    assert len(message.splitlines()) == 1
    assert f"process {holder.pid}" in message
    assert "published file" in message and "CHORUS_LOCK_WAIT_SECONDS" in message


def test_the_store_is_opened_as_soon_as_the_holder_lets_go(holder: subprocess.Popen, tmp_path: Path) -> None:
    """Within the wait, a released lock is taken: the run goes on instead of failing."""
    import threading

    assert holder.stdin is not None and holder.stdout is not None
    released = threading.Event()
    opened: list[bool] = []

    def open_it() -> None:
        with open_store(tmp_path / "chorus.duckdb", lock_wait_seconds=HUNG) as con:
            opened.append(released.is_set())
            con.execute("SELECT count(*) FROM meta.ingest_ledger").fetchone()

    opener = threading.Thread(target=open_it)
    opener.start()
    released.set()
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "RELEASED"
    opener.join(HUNG)
    assert opened == [True], "the store opened while another process still held it"


def cli_env(tmp_path: Path, landing: Path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
    return {
        **env,
        "DAGSTER_HOME": str(home),
        "CHORUS_LANDING_DIR": str(landing),
        "CHORUS_WAREHOUSE": str(tmp_path / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(tmp_path / "published.duckdb"),
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(REPO),
    }


def start_chorus_runs(
    env: dict[str, str], cwd: Path, count: int = 2, options: tuple[str, ...] = ()
) -> list[subprocess.Popen]:
    """``count`` `chorus run OPTIONS`s started together from a shell in ``cwd``, their output captured."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run", *options],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def test_chorus_run_against_a_held_store_fails_in_one_line(holder: subprocess.Popen, tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    env = {**cli_env(tmp_path, tmp_path / "landing"), "CHORUS_LOCK_WAIT_SECONDS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=HUNG, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert f"process {holder.pid}" in result.stderr
    assert "Traceback" not in result.stderr


def waits_for_the_run_lock(proc: subprocess.Popen) -> bool:
    """Read ``proc``'s stderr until it says it is waiting for another `chorus run` (True), or ends (False).
    A process that hangs before either is killed after ``HUNG`` seconds, so the test fails instead."""
    import threading

    assert proc.stderr is not None
    watchdog = threading.Timer(HUNG, proc.kill)
    watchdog.start()
    try:
        return any("Waiting for the chorus run" in line for line in proc.stderr)
    finally:
        watchdog.cancel()


def test_two_chorus_runs_started_together_both_succeed_one_after_the_other(tmp_path: Path) -> None:
    """Both runs meet the run lock held (here by the test, as by a third `chorus run`), wait, and once it
    is let go run one after the other. Holding it until both are seen waiting makes them meet it however
    slow the machine. The lock covers every `chorus run`, whatever it selects, so each run here is the
    one-step ``-s validation`` on an empty landing folder: seconds, where the whole sample took minutes."""
    import fcntl

    (tmp_path / "landing").mkdir()
    env = cli_env(tmp_path, tmp_path / "landing")
    warehouse = Path(env["CHORUS_WAREHOUSE"])
    # The file `chorus run` locks for its whole run (pipelines.cli.dagster_runs.one_cli_run_at_a_time).
    with warehouse.with_name(warehouse.name + ".run.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write(str(os.getpid()))
        lock.flush()
        runs = start_chorus_runs(env, tmp_path, options=("-s", "validation"))
        waiting = [waits_for_the_run_lock(proc) for proc in runs]
        fcntl.flock(lock, fcntl.LOCK_UN)
    outputs = [proc.communicate(timeout=HUNG) for proc in runs]
    assert waiting == [True, True], [err[-3000:] for _, err in outputs]
    for proc, (out, err) in zip(runs, outputs, strict=True):
        assert proc.returncode == 0, (out + err)[-3000:]
        assert "lock" not in (out + err).lower(), err

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        records = sorted(instance.get_run_records(), key=lambda r: r.start_time)
    assert [r.dagster_run.status for r in records] == [dg.DagsterRunStatus.SUCCESS] * 2
    first, second = records
    assert second.start_time >= first.end_time, "the second run started before the first had finished"
