"""The UI and the command line on one instance (issue 20, items 1 and 6).

Everything here is started as an operator starts it: `chorus ui` (what `make ui` runs), or the UI's
daemon (`dagster-daemon run`, on an instance readied the way `chorus ui` readies it), and `chorus run`
from a shell, all on a throwaway DAGSTER_HOME holding the project's dagster.yaml (the ``duckdb_writer``
pool, the queued run coordinator). Every wait ends on an event (a process exits, a run is recorded, a
log line appears, a cursor moves); the ceilings are only for a process that hangs.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import dagster as dg
import pytest

from pipelines.cli import prepare_ui_instance
from pipelines.lib.asset_checks import WRITER_POOL
from tests.ops.test_one_writer import cli_env, start_chorus_runs

HUNG = 600  # a ceiling for one awaited event
# How long Ctrl-C is given before the group is killed. No test here judges the shutdown, so a hung one (seen
# once under load: `dagster dev` waiting on its subprocesses) only costs this, never the whole ceiling.
STOP_GRACE = 90
# Three whole sample runs taking turns at the one writer slot: over ten minutes each was seen at load 16.
HUNG_RUNS = 3600
DAGSTER = Path(sys.executable).with_name("dagster")
T = TypeVar("T")


def wait_for(condition: Callable[[], T], what: str, ceiling: float = HUNG) -> T:
    """Look again every second until ``condition()`` is truthy; fail naming ``what`` after ``ceiling``."""
    deadline = time.monotonic() + ceiling
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not seen within {ceiling:.0f} s")
        time.sleep(1)
    return found


@contextmanager
def started(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    """``command`` in the background, its output to ``log``; on the way out its process group gets Ctrl-C, as
    at a terminal (where every process of the foreground group receives it, Dagster's webserver, daemon and
    code servers as well as `dagster dev`), and is waited for (the group killed if it has not stopped within
    ``STOP_GRACE`` seconds)."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=STOP_GRACE)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def ready_instance(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's DAGSTER_HOME, readied as `chorus ui` readies it before starting Dagster."""
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    return prepare_ui_instance()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def consumer_cursor(instance: dg.DagsterInstance) -> int:
    """Where the run-retry daemon has read the event log to (for run successes); -1 before its first pass."""
    from dagster._daemon.auto_run_reexecution.event_log_consumer import _create_cursor_key

    key = _create_cursor_key(dg.DagsterEventType.RUN_SUCCESS)
    return int(instance.daemon_cursor_storage.get_cursor_values({key}).get(key, -1))


def warnings_in(log: Path) -> list[str]:
    """Warning lines in ``log``. A code server starved of CPU long enough to miss its heartbeats says so
    and restarts: that is the machine's load, not the start, and a slow machine must not fail a test."""
    lines = log.read_text().splitlines()
    return [line for line in lines if "warn" in line.lower() and "No heartbeat received" not in line]


def test_chorus_ui_starts_on_a_fresh_instance_without_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make ui` on a fresh clone: the webserver, the daemon's first ticks (the landing sensor, the
    automation conditions, the run-retry consumer) and not one warning (there were "No cursor for event
    type RUN_FAILURE / RUN_SUCCESS" from the run-retry daemon, and Dagster's own notices)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    env = cli_env(tmp_path, landing)
    home = Path(env["DAGSTER_HOME"])
    log = tmp_path / "ui.log"
    command = [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(free_port())]
    with started(command, env, tmp_path, log):
        wait_for(lambda: "Serving dagster-webserver" in log.read_text(), "the webserver")
        wait_for(
            lambda: "Sensor landing_sensor skipped" in log.read_text(), "the landing sensor's first tick"
        )
        wait_for(lambda: "Finished auto-materialization tick" in log.read_text(), "the automation tick")
        # The run-retry consumer warned on its first pass. Its cursor moves past a run that ends now only
        # on a later pass, so once it has moved the first pass is over.
        with dg.DagsterInstance.from_config(str(home)) as instance:
            before = consumer_cursor(instance)

            @dg.op
            def nothing() -> None:
                pass

            @dg.job
            def finished() -> None:
                nothing()

            finished.execute_in_process(instance=instance)
            wait_for(
                lambda: consumer_cursor(instance) > before, "the run-retry consumer reading the event log"
            )
        # The start is judged here, before Ctrl-C: under load, `dagster dev`'s own shutdown once hung for
        # the whole ceiling (its subprocesses' exit, not Chorus's start), so shutting down is not the test.
        assert not warnings_in(log), warnings_in(log)


def writer_steps(definitions: dg.Definitions) -> set[str]:
    """Step keys of every op in the ``duckdb_writer`` pool (the ones that open the working store)."""
    job = dg.Definitions.merge(
        definitions,
        dg.Definitions(jobs=[dg.define_asset_job("everything", selection=dg.AssetSelection.all())]),
    ).resolve_job_def("everything")
    return {op.name for op in job.graph.iterate_op_defs() if op.pool == WRITER_POOL}


def step_spans(instance: dg.DagsterInstance, run_id: str, steps: set[str]) -> list[tuple[float, float, str]]:
    """(start, end, run:step) of each of ``steps`` that ran in ``run_id``, from its recorded events."""
    begun: dict[str, float] = {}
    spans = []
    types = {
        dg.DagsterEventType.STEP_START,
        dg.DagsterEventType.STEP_SUCCESS,
        dg.DagsterEventType.STEP_FAILURE,
    }
    for entry in instance.all_logs(run_id, of_type=types):
        if entry.step_key not in steps:
            continue
        if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
            begun[entry.step_key] = entry.timestamp
        else:
            spans.append((begun.pop(entry.step_key), entry.timestamp, f"{run_id[:8]}:{entry.step_key}"))
    return spans


def test_the_daemon_its_sensor_and_two_chorus_runs_take_turns(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sensor's run (launched by the daemon) and two `chorus run`s started together while it is
    queued: all three succeed, their store-opening steps take turns at the ``duckdb_writer`` pool, and
    nothing anywhere fails on DuckDB's lock.

    The reference files are enough: every asset still runs (on empty sources), so each run has dozens of
    writer steps for the others to take turns with; the whole sample only made each step longer.

    Taking turns is shown by the runs' writer steps interleaving, not by "no two steps' spans ever
    overlap": Dagster's pool on this instance's SQLite storage is not a strict mutex across processes
    (its claim reads a free slot and then takes it in two statements, and SQLite ignores FOR UPDATE), so
    now and then two steps are admitted at once (seen on a loaded machine: two of ~270 steps). They
    cannot both hold the store: DuckDB's own file lock lets one in, and ``open_store`` makes the other
    wait for it (CHORUS_LOCK_WAIT_SECONDS), which is what the last assertions check."""
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    env = {**cli_env(tmp_path, landing), "CHORUS_LOCK_WAIT_SECONDS": str(HUNG)}
    home = ready_instance(env, monkeypatch)
    daemon_log = tmp_path / "daemon.log"
    landing_run = dg.RunsFilter(tags={"chorus/trigger": "landing"})
    with (
        dg.DagsterInstance.from_config(str(home)) as instance,
        started([str(DAGSTER.with_name("dagster-daemon")), "run", "-m", "pipelines.definitions"], env, home,
                daemon_log),
    ):  # fmt: skip
        sensor_run = wait_for(lambda: instance.get_runs(filters=landing_run), "the landing sensor's run")[0]
        # --all: both really run (without it the second may find nothing left to do), so three runs' steps meet.
        cli_runs = start_chorus_runs(env, tmp_path, options=("--all",))
        outputs = [proc.communicate(timeout=HUNG_RUNS) for proc in cli_runs]
        wait_for(
            lambda: instance.get_run_by_id(sensor_run.run_id).is_finished,
            "the sensor's run ending",
            HUNG_RUNS,
        )
        records = instance.get_run_records()
        writers = writer_steps(all_definitions)
        spans = sorted(span for r in records for span in step_spans(instance, r.dagster_run.run_id, writers))

    for proc, (out, err) in zip(cli_runs, outputs, strict=True):
        assert proc.returncode == 0, (out + err)[-3000:]
    statuses = {r.dagster_run.run_id: (r.dagster_run.job_name, r.dagster_run.status) for r in records}
    assert statuses[sensor_run.run_id][1] == dg.DagsterRunStatus.SUCCESS, statuses
    assert sorted(job for job, _ in statuses.values()).count("chorus_cli_run") == 2, statuses
    assert all(status == dg.DagsterRunStatus.SUCCESS for _, status in statuses.values()), statuses
    # Every run ran writer steps, and runs took turns: in start order the store passed from one run to
    # another and back (not simply one run after the other). The sensor's run and the first `chorus run`
    # start together and each has dozens of writer steps, so they meet at the pool however slow the
    # machine is.
    run_order = [name.split(":")[0] for *_, name in spans]
    assert len(set(run_order)) == len(records)
    turns = [run for run, _ in itertools.groupby(run_order)]
    assert len(turns) > len(set(turns)), turns
    everything = daemon_log.read_text() + "".join(out + err for out, err in outputs)
    assert "Could not set lock" not in everything
