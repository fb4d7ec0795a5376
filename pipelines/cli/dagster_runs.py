"""How the CLI runs Dagster: the persistent instance under DAGSTER_HOME, steps executed in this process
behind the live display, crashed CLI runs recovered, failures said in one line each, and one `chorus` run
at a time per store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # Dagster is imported when a command runs, to keep --help fast
    import dagster as dg
    from dagster_shared.error import SerializableErrorInfo

    from schemas.settings import ChorusSettings

CLI_HOST_TAG = "chorus/cli_host"
CLI_PID_TAG = "chorus/cli_pid"


def _dagster_home() -> Path:
    """``DAGSTER_HOME``, defaulting to the project's ``.dagster_home`` whatever the current folder.

    `chorus run` then shares the instance (run history, the ``duckdb_writer`` pool) with `make ui`, so
    its writing steps queue behind the UI's and the sensor's instead of colliding on the file lock.
    """
    import shutil

    from schemas.settings import PROJECT_ROOT

    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists() and (PROJECT_ROOT / "dagster.yaml").exists():
        shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _instance() -> dg.DagsterInstance:
    """The persistent instance under DAGSTER_HOME (the project's by default): runs show in the UI."""
    import dagster as dg

    _dagster_home()
    return dg.DagsterInstance.get()


def _last_run() -> dg.RunRecord | None:
    """The latest run in the instance (`chorus run`, the UI, the sensor or the schedule)."""
    import dagster as dg

    _dagster_home()
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(limit=1)
    return records[0] if records else None


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie or a reused pid of a non-Python process counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    return stat.rsplit(")", 1)[1].split()[0] != "Z" and (b"python" in cmdline or b"chorus" in cmdline)


def recover_crashed_cli_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark CLI runs whose process died (SIGKILL, OOM) as failed and free their pool slots.

    A run started by this CLI executes in this process, not under the daemon, so run monitoring never
    sees it die: its ``duckdb_writer`` slot would stay claimed and the next run would wait forever.
    Each CLI run is tagged with its host and pid; a run on this host whose pid is gone is over.
    """
    import socket

    import dagster as dg

    recovered = []
    active = dg.RunsFilter(
        statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED],
        tags={CLI_HOST_TAG: socket.gethostname()},
    )
    for run in instance.get_runs(filters=active):
        pid = run.tags.get(CLI_PID_TAG, "")
        if not pid.isdigit() or _pid_alive(int(pid)):
            continue
        instance.report_run_failed(run, f"the chorus process (pid {pid}) ended without finishing the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
    return recovered


def _execute(
    definitions: dg.Definitions,
    selection: dg.AssetSelection,
    job_name: str,
    extra_tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run ``selection`` in this process, after freeing what crashed earlier CLI runs left behind; the run
    carries ``extra_tags`` besides the CLI's own."""
    import socket

    import dagster as dg

    from pipelines.lib.dagster_sqlite import set_dagster_sqlite_sync

    # Only here, in the process `chorus` runs steps in: the UI's processes keep Dagster's own SQLite setting.
    set_dagster_sqlite_sync()
    instance = _instance()
    for run_id in recover_crashed_cli_runs(instance):
        typer.echo(
            f"note: run {run_id} was interrupted earlier; marked failed and its pool slot freed", err=True
        )
    from pipelines.run_display import chorus_run_logger

    job = dg.define_asset_job(job_name, selection=selection)
    resolved = dg.Definitions.merge(
        definitions, dg.Definitions(jobs=[job], loggers={"chorus_run": chorus_run_logger})
    ).resolve_job_def(job_name)
    tags = {**(extra_tags or {}), CLI_HOST_TAG: socket.gethostname(), CLI_PID_TAG: str(os.getpid())}
    # Dagster's event stream goes to the run's log file (and the live table), not the terminal.
    run_config = {
        "loggers": {"chorus_run": {"config": {"log_level": os.environ.get("CHORUS_LOG_LEVEL", "DEBUG")}}}
    }
    return resolved.execute_in_process(
        instance=instance, raise_on_error=False, tags=tags, run_config=run_config
    )


def _execute_shown(
    settings: ChorusSettings,
    definitions: dg.Definitions,
    selection: dg.AssetSelection,
    command: str,
    tags: dict[str, str] | None = None,
) -> tuple[dg.ExecuteInProcessResult, Path]:
    """``_execute`` behind the live progress display (one line per step with its state and elapsed time);
    Dagster's own event stream goes to ``<warehouse folder>/logs/chorus-<command>-<time>.log``, whose
    path is printed first. Returns the run's result and the log file's path.

    Every command that runs Dagster steps (run, publish, withdraw and readmit republishing) goes through
    here, so they all look the same while they work. ``tags`` are added to the run's own.
    """
    from pipelines.run_display import RunDisplay, log_path_for

    display = RunDisplay(log_path_for(settings.warehouse.parent / "logs", datetime.now(), command))
    typer.echo(f"Running; Dagster's full log: {display.log_path}", err=True)
    with display:
        result = _execute(definitions, selection, f"chorus_cli_{command}", tags)
    return result, display.log_path


def root_cause(error: SerializableErrorInfo) -> str:
    """The first line of the innermost error: what went wrong, not Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    lines = [line for line in (error.message or "").strip().splitlines() if line.strip()]
    first = lines[0] if lines else error.cls_name or "unknown error"
    # "pipelines.core.store.StoreLocked: /x is held by ..." -> the sentence itself; keep other classes' names.
    prefix = f"{error.cls_name}: " if error.cls_name else ""
    if error.cls_name in {"StoreLocked", "Failure"} and first.startswith(prefix):
        return first[len(prefix) :]
    return first


def _report_failures(result: dg.ExecuteInProcessResult) -> bool:
    """Print failed steps (their root cause) and failed checks, one line each; True when the run succeeded."""
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    failed_checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    for event in failures:
        typer.echo(f"FAILED {event.step_key}: {root_cause(event.event_specific_data.error)}", err=True)
    for check in failed_checks:
        typer.echo(
            f"CHECK FAILED {check.asset_key.to_user_string()} {check.check_name}: {check.description or ''}",
            err=True,
        )
    return bool(result.success)


@contextmanager
def one_cli_run_at_a_time(warehouse: Path) -> Iterator[None]:
    """Hold ``<warehouse>.run.lock`` for the whole run: a second `chorus run` (cron while someone runs it
    by hand) waits for the first to finish, then runs, instead of interleaving with it.

    Steps of runs started from the UI, the sensor or the schedule already take turns through the
    ``duckdb_writer`` pool of the shared instance; this lock adds the CLI's own reads before and after
    its run. The operating system releases it when the process ends, however it ends.
    """
    import fcntl

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open(warehouse.with_name(warehouse.name + ".run.lock"), "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            typer.echo(
                f"Waiting for the chorus run already refreshing {warehouse} (pid {holder}) to finish ...",
                err=True,
            )
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield
