"""`chorus ui`: the Dagster UI on the instance `chorus run` uses, readied for a quiet start."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipelines.cli.dagster_runs import _dagster_home

if TYPE_CHECKING:  # Dagster is imported when a command runs, to keep --help fast
    import dagster as dg


def start_event_log_cursors(instance: dg.DagsterInstance) -> None:
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
