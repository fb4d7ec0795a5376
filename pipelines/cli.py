"""The ``chorus`` command line: run the pipeline, regenerate the sample, inspect the store.

Exit codes are meant for schedulers (see ``EXIT_CODES``): 0 all good, 3 the run finished but some files
were rejected or not recognised, 1 a step failed, 2 bad settings or arguments.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import typer

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_FILES_REJECTED = 0, 1, 2, 3
EXIT_CODES = (
    "Exit codes: 0 all good; 3 the run finished but some files were rejected or not recognised (each "
    "listed once, with the reason from the ledger); 1 a step failed; 2 bad settings or arguments."
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help=f"Chorus: patient experience from every channel.\n\n{EXIT_CODES}",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"chorus {version('chorus')}")
        except PackageNotFoundError:  # running from a checkout that was never installed
            typer.echo("chorus (not installed)")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(
    show_version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Chorus: patient experience from every channel."""


def _settings(**overrides: object):  # noqa: ANN202 - imported lazily to keep --help fast
    """The settings, or exit 2 with one line naming the bad variable and why."""
    from pydantic import ValidationError

    from schemas.settings import ChorusSettings

    try:
        return ChorusSettings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = f"CHORUS_{str(error['loc'][0]).upper()}" if error["loc"] else "settings"
        typer.echo(f"error: {name}: {error['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _ensure_sample(landing: Path) -> None:
    """The embedded sample is generated on first use (deterministic), so a fresh clone just works.

    Only into the project's own sample folder: a landing folder anyone named is never filled with it.
    """
    from pipelines.sample.generate import generate_sample
    from schemas.settings import SAMPLE_LANDING

    if landing.resolve() == SAMPLE_LANDING.resolve() and not (landing / "reference").exists():
        from rich.console import Console

        started = time.perf_counter()
        # A minute or more on a slow machine: a spinner with the clock, so it is plainly not stuck.
        with Console(stderr=True).status(
            f"Generating the sample data in {landing}/ (first run) ..."
        ) as status:
            ticker = _tick_elapsed(status, f"Generating the sample data in {landing}/ (first run)", started)
            try:
                written = generate_sample(landing)
            finally:
                ticker.set()
        typer.echo(
            f"Sample data generated in {landing}/: {sum(written.values())} files in "
            f"{time.perf_counter() - started:.0f} s",
            err=True,
        )


def _tick_elapsed(status, text: str, started: float):  # noqa: ANN001, ANN202 - rich Status, threading.Event
    """Update ``status`` with the seconds elapsed, every second, until the returned event is set."""
    import threading

    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(1):
            status.update(f"{text} ... {time.perf_counter() - started:.0f} s")

    threading.Thread(target=tick, daemon=True).start()
    return stop


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


def start_event_log_cursors(instance) -> None:  # noqa: ANN001 - a DagsterInstance
    """Start the run-retry daemon's event-log cursors at the newest event, as its first tick would.

    Dagster's event-log consumer (it re-executes failed runs: ``run_retries`` in dagster.yaml) reads the
    event log from one cursor per event type. On an instance without them its first tick warns "No
    cursor for event type RUN_FAILURE / RUN_SUCCESS, ignoring older events" and starts from the newest
    event. Setting them before the daemon starts makes the same choice with nothing to warn about: runs
    that ended before the UI started are not retried, either way. Cursors already set are left alone.
    """
    from dagster._daemon.auto_run_reexecution.event_log_consumer import (
        DAGSTER_EVENT_TYPES,
        _create_cursor_key,
    )

    keys = {_create_cursor_key(event_type) for event_type in DAGSTER_EVENT_TYPES}
    missing = keys - set(instance.daemon_cursor_storage.get_cursor_values(keys))
    if missing:
        newest = instance.event_log_storage.get_maximum_record_id() or 0
        instance.daemon_cursor_storage.set_cursor_values(dict.fromkeys(missing, str(newest)))


def prepare_ui_instance() -> Path:
    """The instance the UI's daemon will use, ready for a quiet start: DAGSTER_HOME (the project's by
    default) with the project's dagster.yaml, and the daemon's cursors set (``start_event_log_cursors``)."""
    import dagster as dg

    home = _dagster_home()
    with dg.DagsterInstance.get() as instance:
        start_event_log_cursors(instance)
    return home


@app.command()
def ui(
    port: int = typer.Option(3000, "--port", help="Port for the web UI."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (127.0.0.1: this machine only)."
    ),
) -> None:
    """The Dagster UI (schedule and sensors on) on the instance `chorus run` uses; `make ui` runs this."""
    home = prepare_ui_instance()
    dagster = Path(sys.executable).with_name("dagster")
    # Started from inside DAGSTER_HOME: from the project folder Dagster warns that the project's
    # dagster.yaml is not the instance's (Chorus's settings do not depend on the current folder).
    os.chdir(home)
    # `dagster dev` says "use dg dev"; dg (dagster-dg-cli) is not a dependency, so that notice is noise.
    os.environ.setdefault("PYTHONWARNINGS", "ignore:Function `dev_command` is superseded")
    os.execv(dagster, [str(dagster), "dev", "-m", "pipelines.definitions", "-h", host, "-p", str(port)])


@app.command()
def sample(
    out: Path = typer.Option(None, help="Folder to write the sample landing files to (default data/sample)."),
) -> None:
    """Regenerate the synthetic sample data (fixed seed, real published formats)."""
    from pipelines.sample.generate import generate_sample
    from schemas.settings import SAMPLE_LANDING

    out = out or SAMPLE_LANDING

    written = generate_sample(out)
    for source, count in written.items():
        typer.echo(f"  {source:<12} {count:>3} file(s)")
    typer.echo(f"Sample data written to {out}/")


@app.command()
def run(
    source: list[str] = typer.Option(
        None, "--source", "-s", help="Only these sources' assets and what depends on them."
    ),
    landing: Path = typer.Option(
        None, "--landing", help="Landing folder (default CHORUS_LANDING_DIR); relative to the current folder."
    ),
    warehouse: Path = typer.Option(
        None,
        "--warehouse",
        help="Working DuckDB file (default CHORUS_WAREHOUSE); relative to the current folder. Publishes "
        "beside it unless CHORUS_PUBLISHED is set.",
    ),
    everything: bool = typer.Option(
        False,
        "--all",
        help="Run every asset even when nothing changed since the last complete run.",
    ),
) -> None:
    """Bring the store up to date with the landing folder; say what was built.

    Does only what changed since the last complete run: nothing when no file is new, changed or removed
    (and Chorus's code, settings and store are as that run left them), else the changed sources and what
    depends on them. ``--all`` runs everything; ``--source`` runs the sources named.

    Exit 0 all good; 3 finished but some files were rejected or not recognised; 1 a step failed; 2 bad
    settings or arguments.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _apply_run_options(landing, warehouse)
    settings = _settings()
    _ensure_sample(settings.landing_dir)
    if not settings.landing_dir.is_dir():
        typer.echo(
            f"error: landing folder {settings.landing_dir} does not exist (set CHORUS_LANDING_DIR or --landing)",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    if source:
        import dagster as dg

        from pipelines.definitions import defs

        definitions = defs()
        graph = definitions.resolve_asset_graph()
        groups = {s.lower() for s in source}
        known = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
        unknown = groups - known
        if unknown:
            typer.echo(
                f"error: unknown source(s) {', '.join(sorted(unknown))}; valid: {', '.join(sorted(known))}",
                err=True,
            )
            raise typer.Exit(EXIT_USAGE)
    with one_cli_run_at_a_time(settings.warehouse):
        _check_store_is_for(settings)
        plan = None if source else _plan_refresh(settings, everything)
        if plan is not None and plan.sources == []:
            raise typer.Exit(_nothing_to_do(settings, plan))
        import dagster as dg  # after the plan: a run with nothing to do never pays for loading Dagster

        from pipelines.definitions import defs

        definitions = defs()
        if source:
            selection = dg.AssetSelection.groups(*groups).downstream()
        elif plan.sources is not None:
            selection = dg.AssetSelection.groups(*plan.sources).downstream()
        else:
            selection = dg.AssetSelection.all()
        started = datetime.now()
        result, log_path = _execute_shown(settings, definitions, selection, "run")
        code = _finish_run(settings, result, started, log_path, plan)
    raise typer.Exit(code)


def _output_settings(settings) -> dict[str, object]:  # noqa: ANN001 - ChorusSettings
    """The settings that shape what a run produces (not how much memory or patience it has)."""
    return settings.model_dump(exclude={"memory_limit", "lock_wait_seconds"})


def _plan_refresh(settings, everything: bool):  # noqa: ANN001, ANN202 - ChorusSettings -> RefreshPlan
    """What this run has to do (``pipelines.ingest.changes``), said in one or two lines before it starts."""
    from pipelines.core.store import open_store
    from pipelines.ingest.changes import RefreshPlan, plan_refresh, snapshot_landing
    from pipelines.sources.registry import source_names

    if everything:
        snapshot = snapshot_landing(settings.landing_dir, {}, source_names(), settle=0)
        return RefreshPlan(None, "--all", snapshot)
    if not settings.warehouse.exists():
        return plan_refresh(None, settings.landing_dir, source_names(), {}, False)
    with open_store(settings.warehouse, read_only=True, lock_wait_seconds=settings.lock_wait_seconds) as con:
        plan = plan_refresh(
            con, settings.landing_dir, source_names(), _output_settings(settings), settings.published.exists()
        )
    if plan.sources:
        for name, files in plan.changes.items():
            new = sum(1 for sha in files.values() if sha is not None)
            removed = len(files) - new
            parts = [f"{new} new or changed file(s)"] * bool(new) + [f"{removed} removed"] * bool(removed)
            typer.echo(f"Changed since the last complete run: {name}: {', '.join(parts)}", err=True)
        typer.echo(
            "Running those sources and what depends on them (`chorus run --all` for everything).", err=True
        )
    elif plan.sources is None and plan.last_run is not None:
        typer.echo(f"Running everything: {plan.reason}.", err=True)
    return plan


def _nothing_to_do(settings, plan) -> int:  # noqa: ANN001 - ChorusSettings, RefreshPlan
    """Say that the store is current, list files still rejected from earlier runs, return the exit code."""
    from pipelines.core.store import open_store
    from pipelines.ingest.changes import rejected_in_landing

    files = sum(len(f) for f in plan.snapshot.values())
    typer.echo(
        f"Nothing to do: none of the {files:,} files in {settings.landing_dir} is new, changed or removed since "
        f"the last complete run ({_local(plan.last_run)}), and Chorus's code, settings and store are as it left "
        "them.\n`chorus run --all` runs everything anyway."
    )
    with open_store(settings.warehouse, read_only=True, lock_wait_seconds=settings.lock_wait_seconds) as con:
        rejected = rejected_in_landing(con, plan.snapshot)
    for _path, reason in rejected:
        typer.echo(f"REJECTED (by an earlier run; the file has not changed) {reason}", err=True)
    if settings.published.exists():
        typer.echo(f"Published store: {settings.published}  (current)")
    if rejected:
        typer.echo(
            f"\n{len(rejected)} file(s) in the landing folder are still rejected (listed above).", err=True
        )
        return EXIT_FILES_REJECTED
    return EXIT_OK


def _execute_shown(settings, definitions, selection, command: str):  # noqa: ANN001, ANN202
    """``_execute`` behind the live progress display (one line per step with its state and elapsed time);
    Dagster's own event stream goes to ``<warehouse folder>/logs/chorus-<command>-<time>.log``, whose
    path is printed first. Returns the run's result and the log file's path.

    Every command that runs Dagster steps (run, publish, withdraw and readmit republishing) goes through
    here, so they all look the same while they work.
    """
    from pipelines.run_display import RunDisplay, log_path_for

    display = RunDisplay(log_path_for(settings.warehouse.parent / "logs", datetime.now(), command))
    typer.echo(f"Running; Dagster's full log: {display.log_path}", err=True)
    with display:
        result = _execute(definitions, selection, f"chorus_cli_{command}")
    return result, display.log_path


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


def _apply_run_options(landing: Path | None, warehouse: Path | None) -> None:
    """``--landing`` / ``--warehouse`` as CHORUS_* variables (absolute), so every step sees them."""
    if landing is not None:
        os.environ["CHORUS_LANDING_DIR"] = str(landing.expanduser().resolve())
    if warehouse is not None:
        warehouse = warehouse.expanduser().resolve()
        os.environ["CHORUS_WAREHOUSE"] = str(warehouse)
        # Never publish another store's data over the sample's published file.
        os.environ.setdefault("CHORUS_PUBLISHED", str(warehouse.with_name("published.duckdb")))


def _check_store_is_for(settings) -> None:  # noqa: ANN001
    """Exit 2 when the working store was built from another landing folder (sample vs real files)."""
    from pipelines.core.store import StoreLocked, bind_landing, open_store

    try:
        with open_store(
            settings.warehouse,
            memory_limit=settings.memory_limit,
            lock_wait_seconds=settings.lock_wait_seconds,
        ) as con:
            other = bind_landing(con, settings.landing_dir)
    except StoreLocked as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from None
    if other is not None:
        typer.echo(
            f"error: {settings.warehouse} holds data from the landing folder {other}, not "
            f"{settings.landing_dir.resolve()}; give these files their own store "
            "(--warehouse FILE or CHORUS_WAREHOUSE)",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)


def _rejected_files(settings, since: datetime) -> list[tuple[str, str]]:  # noqa: ANN001
    """(path, the ledger's reason) for each file rejected or not recognised since ``since``, once each."""
    from pipelines.core.store import open_store

    with open_store(settings.warehouse, read_only=True, lock_wait_seconds=settings.lock_wait_seconds) as con:
        return con.execute(
            """SELECT path, coalesce(error, 'rejected') FROM meta.ingest_ledger
               WHERE status = 'failed' AND started_at >= ? ORDER BY path""",
            [since],
        ).fetchall()


def _finish_run(settings, result, started: datetime, log_path: Path, plan=None) -> int:  # noqa: ANN001
    """Say how the run went, one line per problem, and return the exit code.

    With a ``plan`` (a `chorus run` without ``--source``), files rejected by earlier runs that are still in
    the landing folder unchanged count too, and a run that finished is recorded as complete, so the next
    run does only what changes after it.
    """
    from pipelines.core.store import open_store
    from pipelines.ingest.changes import record_complete_run, rejected_in_landing, state_fingerprint

    ok = _report_failures(result)
    rejected = _rejected_files(settings, started)
    for _path, reason in rejected:
        typer.echo(f"REJECTED {reason}", err=True)
    if not ok:
        typer.echo(f"Run failed; full log: {log_path}", err=True)
        return EXIT_FAILED
    if plan is not None:
        with open_store(settings.warehouse, lock_wait_seconds=settings.lock_wait_seconds) as con:
            earlier = [r for r in rejected_in_landing(con, plan.snapshot) if r not in rejected]
            record_complete_run(con, state_fingerprint(con, _output_settings(settings)), plan.snapshot)
        for _path, reason in earlier:
            typer.echo(f"REJECTED (by an earlier run; the file has not changed) {reason}", err=True)
        rejected += earlier
    _print_summary(settings)
    if rejected:
        typer.echo(
            f"\n{len(rejected)} file(s) were rejected or not recognised (listed above); the rest loaded.",
            err=True,
        )
        return EXIT_FILES_REJECTED
    return EXIT_OK


def _instance():  # noqa: ANN202 - dagster imported lazily
    """The persistent instance under DAGSTER_HOME (the project's by default): runs show in the UI."""
    import dagster as dg

    _dagster_home()
    return dg.DagsterInstance.get()


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


def recover_crashed_cli_runs(instance) -> list[str]:  # noqa: ANN001
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


CLI_HOST_TAG = "chorus/cli_host"
CLI_PID_TAG = "chorus/cli_pid"


def _execute(definitions, selection, job_name: str):  # noqa: ANN001, ANN202
    """Run ``selection`` in this process, after freeing what crashed earlier CLI runs left behind."""
    import socket

    import dagster as dg

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
    tags = {CLI_HOST_TAG: socket.gethostname(), CLI_PID_TAG: str(os.getpid())}
    # Dagster's event stream goes to the run's log file (and the live table), not the terminal.
    run_config = {
        "loggers": {"chorus_run": {"config": {"log_level": os.environ.get("CHORUS_LOG_LEVEL", "DEBUG")}}}
    }
    return resolved.execute_in_process(
        instance=instance, raise_on_error=False, tags=tags, run_config=run_config
    )


def root_cause(error) -> str:  # noqa: ANN001 - a SerializableErrorInfo
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


def _report_failures(result) -> bool:  # noqa: ANN001
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


@app.command()
def publish() -> None:
    """Copy marts and ref from the working store into CHORUS_PUBLISHED (atomic swap) and Parquet."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import dagster as dg

    from pipelines.definitions import defs

    settings = _settings()
    if not settings.warehouse.exists():
        typer.echo(f"error: no working store at {settings.warehouse}: run `chorus run` first", err=True)
        raise typer.Exit(2)
    # Through Dagster, not publish_store directly: the step takes the duckdb_writer pool slot (so it
    # never races a refresh) and the materialisation shows in the UI.
    with one_cli_run_at_a_time(settings.warehouse):
        selection = dg.AssetSelection.assets(dg.AssetKey("published_store"))
        result, log_path = _execute_shown(settings, defs(), selection, "publish")
        if not _report_failures(result):
            typer.echo(f"Publish failed; full log: {log_path}", err=True)
            raise typer.Exit(EXIT_FAILED)
        _print_summary(settings)


def _ledger_path(path: Path, landing: Path) -> str:
    """The ledger's name for ``path``: relative to the landing folder, whether given that way or not."""
    try:
        return path.resolve().relative_to(landing.resolve()).as_posix()
    except ValueError:
        return path.as_posix().removeprefix("./")


def _source_of(rel: str) -> str:
    """The landing sub-folder (source) a ledger path belongs to, or exit 2 naming the known ones."""
    from pipelines.sources.registry import source_names

    source = rel.split("/", 1)[0]
    if source not in source_names() or "/" not in rel:
        typer.echo(
            f"error: {rel} is not a file of a source folder ({', '.join(source_names())}); give it as <source>/<file>",
            err=True,
        )
        raise typer.Exit(2)
    return source


@contextmanager
def _working_store(settings) -> Iterator:  # noqa: ANN001
    """A short write connection to the working store, or exit 1 with one line when a refresh holds it."""
    import duckdb

    from pipelines.core.store import ensure_store

    try:
        con = duckdb.connect(str(settings.warehouse))
    except duckdb.IOException as exc:  # another process (a running refresh) holds the file
        typer.echo(f"error: the working store is busy ({str(exc).splitlines()[0]}); try again", err=True)
        raise typer.Exit(1) from None
    try:
        ensure_store(con)
        yield con
    finally:
        con.close()


def _republish(settings, source: str) -> None:  # noqa: ANN001
    """Run ``source``'s assets and everything downstream: marts, published file, Parquet, reports."""
    import dagster as dg

    from pipelines.definitions import defs

    selection = dg.AssetSelection.groups(source).downstream()
    result, log_path = _execute_shown(settings, defs(), selection, "republish")
    if not _report_failures(result):
        typer.echo(
            f"error: republishing failed; the withdrawal stands and the next run retries it (full log: {log_path})",
            err=True,
        )
        raise typer.Exit(1)
    _print_summary(settings)


@app.command()
def withdraw(
    path: Path = typer.Argument(
        ..., help="The file, as a path or relative to the landing folder (gpps/x.csv)."
    ),
    reason: str = typer.Option(
        ..., "--reason", help="Why (recorded in the ledger), e.g. 'personal data in row 12'."
    ),
    republish: bool = typer.Option(
        True, "--republish/--no-republish", help="Rebuild the marts, published file, Parquet and reports now."
    ),
) -> None:
    """Withdraw a landing file: its rows leave the store and everything published; it is not loaded again.

    The file may stay in the landing folder: its content is held until it changes or `chorus readmit`.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from pipelines.ingest.files import sha256_of
    from pipelines.ingest.withdraw import WithdrawalError, ledger_paths_like, withdraw_file

    settings = _settings()
    if not reason.strip():
        typer.echo("error: --reason must say why the file is withdrawn", err=True)
        raise typer.Exit(2)
    if not settings.warehouse.exists():
        typer.echo(f"error: no working store at {settings.warehouse}: nothing was loaded yet", err=True)
        raise typer.Exit(2)
    rel = _ledger_path(path, settings.landing_dir)
    source = _source_of(rel)
    on_disk = settings.landing_dir / rel
    with _working_store(settings) as con:
        try:
            withdrawal = withdraw_file(
                con,
                rel,
                reason=reason.strip(),
                deliberate=True,
                source=source,
                sha256=sha256_of(on_disk) if on_disk.is_file() else None,
                size=on_disk.stat().st_size if on_disk.is_file() else None,
            )
        except WithdrawalError as exc:
            similar = ledger_paths_like(con, Path(rel).name)
            hint = f" (did you mean {', '.join(similar)}?)" if similar else ""
            typer.echo(f"error: {exc}{hint}", err=True)
            raise typer.Exit(2) from None
    typer.echo(withdrawal.sentence())
    if on_disk.is_file():
        typer.echo(
            f"  {rel} stays in the landing folder but is not loaded again until it changes or `chorus readmit {rel}`"
        )
    if republish:
        _republish(settings, withdrawal.source)
        typer.echo(f"Republished without {rel}: {settings.published}")


@app.command()
def readmit(
    path: Path = typer.Argument(
        ..., help="A file withdrawn with `chorus withdraw` (path or relative to the landing folder)."
    ),
    run_now: bool = typer.Option(True, "--run/--no-run", help="Load it and republish now."),
) -> None:
    """Lift a withdrawal: the file (if in the landing folder) loads again on the next run of its source."""
    from pipelines.ingest.withdraw import readmit as lift

    settings = _settings()
    if not settings.warehouse.exists():
        typer.echo(f"error: no working store at {settings.warehouse}", err=True)
        raise typer.Exit(2)
    rel = _ledger_path(path, settings.landing_dir)
    source = _source_of(rel)
    with _working_store(settings) as con:
        lifted = lift(con, rel)
    if not lifted:
        typer.echo(f"error: {rel} is not held by a withdrawal", err=True)
        raise typer.Exit(2)
    typer.echo(f"{rel}: readmitted; it loads on the next run of '{source}'")
    if run_now:
        _republish(settings, source)


def _print_summary(settings) -> None:  # noqa: ANN001
    """The tables built, then what an analyst opens next: the report and the published file."""
    from pipelines.core.store import open_store

    with open_store(settings.warehouse, read_only=True, lock_wait_seconds=settings.lock_wait_seconds) as con:
        tables = con.execute(
            """SELECT schema_name || '.' || table_name FROM duckdb_tables()
               WHERE schema_name IN ('staged', 'ref', 'marts', 'quarantine', 'meta') ORDER BY 1"""
        ).fetchall()
        counts = [(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for (t,) in tables]
        withdrawn = con.execute(
            """SELECT path, withdrawn_at, withdrawal_reason FROM meta.ingest_ledger
               WHERE status = 'withdrawn' ORDER BY path"""
        ).fetchall()
    typer.echo("\nTables built (rows):")
    for table, count in counts:
        typer.echo(f"  {table:<45} {count:>10,}")
    for path, at, why in withdrawn:
        typer.echo(f"  file withdrawn:  {path} ({at:%Y-%m-%d %H:%M}: {why})")
    typer.echo(f"\nWorking store:   {settings.warehouse}  (the pipeline's own; analysts never open it)")
    index = settings.report_path / "index.html"
    if index.exists():
        typer.echo(f"Report:          {index}")
    if settings.published.exists():
        typer.echo(
            f"Published store: {settings.published}  (open read-only: duckdb -readonly {settings.published})"
        )
    typer.echo("Dagster UI:      make ui   -> http://127.0.0.1:3000")


def _local(moment: datetime | float | None) -> str:
    """A time in the machine's local zone, with the zone's name: '2026-12-02 17:04:13 GMT'."""
    if moment is None:
        return "-"
    if isinstance(moment, float | int):
        moment = datetime.fromtimestamp(moment)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _last_run():  # noqa: ANN202 - a dagster RunRecord or None
    """The latest run in the instance (`chorus run`, the UI, the sensor or the schedule)."""
    import dagster as dg

    _dagster_home()
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records(limit=1)
    return records[0] if records else None


@app.command()
def status() -> None:
    """The last run (start, end, outcome, files rejected), the last load, and per source: files, rows
    read / loaded / quarantined, failures. Exit 0 all good; 3 files are rejected; 1 the last run failed."""
    from pipelines.core.store import open_store

    settings = _settings()
    if not settings.warehouse.exists():
        typer.echo(f"No store yet at {settings.warehouse}: run `chorus run` first.", err=True)
        raise typer.Exit(EXIT_FAILED)
    record = _last_run()
    with open_store(settings.warehouse, read_only=True, lock_wait_seconds=settings.lock_wait_seconds) as con:
        rows = con.execute(
            """SELECT source, count(*) AS files, count(*) FILTER (status = 'failed') AS failed,
                      count(*) FILTER (status = 'withdrawn') AS withdrawn,
                      sum(rows_read) FILTER (status <> 'withdrawn'), sum(rows_loaded) FILTER (status <> 'withdrawn'),
                      sum(rows_quarantined) FILTER (status <> 'withdrawn'), max(finished_at) FILTER (status = 'loaded')
               FROM meta.ingest_ledger GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        rejected = con.execute(
            "SELECT path, coalesce(error, 'rejected') FROM meta.ingest_ledger WHERE status = 'failed' ORDER BY path"
        ).fetchall()
    run_failed = False
    if record is None:
        typer.echo("Last run:   none recorded in this Dagster instance")
    else:
        run = record.dagster_run
        run_failed = run.status.value in {"FAILURE", "CANCELED"}
        typer.echo(
            f"Last run:   {run.job_name} {run.status.value.lower()}, started {_local(record.start_time)}, "
            f"ended {_local(record.end_time)}, files rejected: {len(rejected)}"
        )
    last_load = max((r[7] for r in rows if r[7] is not None), default=None)
    typer.echo(f"Last load:  {_local(last_load)}\n")
    typer.echo(
        f"{'source':<12} {'files':>5} {'failed':>6} {'withdr.':>7} {'read':>10} {'loaded':>10} {'quarant.':>8}  last load"
    )
    for source, files, failed, withdrawn, read, loaded, quarantined, last in rows:
        typer.echo(
            f"{source:<12} {files:>5} {failed:>6} {withdrawn:>7} {read or 0:>10,} {loaded or 0:>10,} "
            f"{quarantined or 0:>8,}  {_local(last)}"
        )
    for _path, reason in rejected:
        typer.echo(f"REJECTED {reason}", err=True)
    if run_failed:
        raise typer.Exit(EXIT_FAILED)
    if rejected:
        raise typer.Exit(EXIT_FILES_REJECTED)


@app.command()
def report(
    icb: str = typer.Option(None, "--icb", help="Only this ICB (ODS code, e.g. QWE); default every ICB."),
    out: Path = typer.Option(None, "--out", help="Folder for the HTML files (default CHORUS_REPORT_DIR)."),
) -> None:
    """Write the inequalities report: one self-contained HTML page per ICB, from the published store."""
    from pipelines.publish.published_store import ICB_REPORT_FILES, remove_stale_files
    from pipelines.report import render_all_reports, render_icb_report
    from pipelines.report.data import list_icbs

    settings = _settings()
    out_dir = out or settings.report_path
    if not settings.published.exists():
        typer.echo(f"error: no published store at {settings.published}: run `chorus run` first", err=True)
        raise typer.Exit(2)
    try:
        icbs = list_icbs(settings.published)
        icb = icb.upper() if icb is not None else None  # ODS codes are upper case; `qwe` means QWE
        if icb is not None and icb not in icbs:
            known = ", ".join(icbs) or "none"
            typer.echo(f"error: ICB {icb} is not in the published store (ICBs present: {known})", err=True)
            raise typer.Exit(2)
        paths = (
            [render_icb_report(settings.published, icb, out_dir)]
            if icb
            else render_all_reports(settings.published, out_dir)
        )
        if not icb:  # an ICB no longer published (its files withdrawn) loses its page
            remove_stale_files(out_dir, [ICB_REPORT_FILES], keep=paths)
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - one line a person understands, for schedulers
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        typer.echo(f"error: report failed: {type(exc).__name__}: {first}", err=True)
        raise typer.Exit(1) from None
    for path in paths:
        typer.echo(f"  {path}")
    if not icb:
        typer.echo(f"Index: {out_dir / 'index.html'}")
    typer.echo(f"Wrote {len(paths)} report(s); open in any browser, no network needed.")


# --------------------------------------------------------------------------------------------------
# chorus text ...: code or retrain on CSV files, without running the pipeline
# --------------------------------------------------------------------------------------------------

text_app = typer.Typer(
    no_args_is_help=True,
    help="Redact and code a CSV of comments, or retrain the theme/sentiment model, without the pipeline.",
)
app.add_typer(text_app, name="text")


def _text_error(exc: BaseException, code: int) -> typer.Exit:
    """Print one line a person understands and return the exit to raise."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    typer.echo(f"error: {first}" if code == 2 else f"error: {type(exc).__name__}: {first}", err=True)
    return typer.Exit(code)


@text_app.command("code")
def text_code(
    in_csv: Path = typer.Argument(..., help="CSV of comments (UTF-8; one row per comment)."),
    out_csv: Path = typer.Argument(..., help="Where to write the coded CSV (same rows, same order)."),
    text_col: str = typer.Option("text", "--text-col", help="Column holding the comment."),
    question_col: str = typer.Option(
        None,
        "--question-col",
        help="Column holding the question answered (sharpens sentiment: 'Nothing' to 'what could be better?').",
    ),
    rating_col: str = typer.Option(
        None,
        "--rating-col",
        help="Column holding the score given with the comment, 1 very positive .. 5 very negative (FFT order); "
        "read with the question, it sharpens sentiment.",
    ),
    model: Path = typer.Option(
        None, "--model", help="Model folder from `chorus text train` (default: the shipped model)."
    ),
    names: bool = typer.Option(
        False, "--names", help="Also redact names after titles/cues (Dr Smith, 'my name is ...'); see README."
    ),
    drop_text: bool = typer.Option(
        False, "--drop-text", help="Leave the original (unredacted) text column out of the output."
    ),
    encoding: str = typer.Option(
        "utf-8-sig", "--encoding", help="Input encoding (e.g. cp1252 for some Excel exports)."
    ),
    batch_size: int = typer.Option(20_000, "--batch-size", min=1, help="Rows per batch (memory stays flat)."),
) -> None:
    """Redact personal data, then code themes (framework v7), topics and sentiment for every row of a CSV."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from pipelines.text.csv_coding import code_csv
    from pipelines.text.csv_io import CsvInputError

    progress = Progress(
        TextColumn("coding"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TextColumn("{task.fields[rows]:>12,} rows"),
        TimeElapsedColumn(), TimeRemainingColumn(), transient=True, console=None,
    )  # fmt: skip
    try:
        with progress:
            task = progress.add_task("code", total=None, rows=0)

            def report(rows: int, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, rows=rows)

            summary = code_csv(
                in_csv, out_csv, text_col=text_col, question_col=question_col, rating_col=rating_col, model_dir=model,
                names=names,
                drop_text=drop_text, encoding=encoding, batch_size=batch_size, progress=report,
            )  # fmt: skip
    except CsvInputError as exc:
        raise _text_error(exc, 2) from None
    except Exception as exc:  # noqa: BLE001 - one line for schedulers; exit 1
        raise _text_error(exc, 1) from None
    typer.echo(f"Coded {summary.rows:,} comments ({summary.redactions:,} redactions) -> {summary.out_path}")


@text_app.command("train")
def text_train(
    csv_path: Path = typer.Argument(..., metavar="CSV", help="Labelled comments, one row each."),
    out: Path = typer.Option(..., "--out", help="Folder to write the model (and evaluation.json / .md) to."),
    text_col: str = typer.Option("text", "--text-col", help="Column holding the comment."),
    labels: list[str] = typer.Option(
        None,
        "--labels",
        help="Label column(s); repeat for several. One column of labels joined by --label-sep, or one-hot 0/1 "
        "columns, or code columns. Default: one-hot columns named after framework v7 (or v6) labels.",
    ),
    label_format: str = typer.Option("auto", "--label-format", help="auto | onehot | list | code"),
    label_map: str = typer.Option(
        "auto", "--label-map", help="auto | v7 | v6 | phase1: the labels' scheme (mapped to v7)."
    ),
    label_sep: str = typer.Option("|", "--label-sep", help="Separator inside a list column."),
    sentiment_col: str = typer.Option(
        None, "--sentiment-col", help="Column with a 1 (very positive) .. 5 (very negative) score."
    ),
    question_col: str = typer.Option(None, "--question-col", help="Column holding the question answered."),
    group_col: str = typer.Option(
        None, "--group-col", help="Respondent id: held-out rows never share one with training rows."
    ),
    rating_col: str = typer.Option(
        None,
        "--rating-col",
        help="Score given with the comment, 1 very positive .. 5 very negative (FFT order): trains the sentiment "
        "context head.",
    ),
    holdout: float = typer.Option(
        0.2, "--holdout", help="Share of respondents (rows) held out for the evaluation report; 0 = none."
    ),
    phase1_dir: Path = typer.Option(
        None, "--add-phase1", help="Also train on the pxtextmining phase-1 files in this folder."
    ),
    no_refit: bool = typer.Option(
        False, "--no-refit", help="Save the evaluated model instead of refitting on every row."
    ),
) -> None:
    """Retrain the theme/sentiment model from a labelled CSV; writes the model folder and an evaluation report."""
    from pipelines.text.csv_io import CsvInputError
    from pipelines.text.training import train_csv

    if label_format not in {"auto", "onehot", "list", "code"} or label_map not in {
        "auto",
        "v7",
        "v6",
        "phase1",
    }:
        typer.echo(
            "error: --label-format is auto|onehot|list|code and --label-map is auto|v7|v6|phase1", err=True
        )
        raise typer.Exit(2)
    typer.echo(f"Training on {csv_path} ...", err=True)
    started = time.perf_counter()

    def step(message: str) -> None:  # training takes minutes on a full file: say what it is doing
        typer.echo(f"  [{time.perf_counter() - started:5.0f} s] {message}", err=True)

    try:
        result = train_csv(
            csv_path, out, text_col=text_col, labels=labels or None, label_format=label_format, label_map=label_map,
            label_sep=label_sep, sentiment_col=sentiment_col, question_col=question_col, group_col=group_col,
            rating_col=rating_col, holdout=holdout, phase1_dir=phase1_dir, refit=not no_refit, progress=step,
        )  # fmt: skip
    except CsvInputError as exc:
        raise _text_error(exc, 2) from None
    except Exception as exc:  # noqa: BLE001 - one line for schedulers; exit 1
        raise _text_error(exc, 1) from None
    th, se = result.report["themes"], result.report["sentiment"]
    typer.echo(
        f"Trained on {result.rows:,} rows ({result.label_format} labels, {result.label_map} scheme). "
        f"Held-out theme micro-F1 {th['micro_f1']:.3f}, macro-F1 {th['macro_f1']:.3f}; "
        f"sentiment accuracy (3 classes) {se['accuracy_3class']:.3f}"
    )
    typer.echo(
        f"Model:  {result.model_dir}   (use: chorus text code IN.csv OUT.csv --model {result.model_dir})"
    )
    typer.echo(f"Report: {result.report_md}")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
