"""The ``chorus`` command line: run the pipeline, regenerate the sample, inspect the store.

Exit codes are meant for schedulers (see ``EXIT_CODES``): 0 all good, 3 the run finished but some files
were rejected or not recognised, 1 a step failed, 2 bad settings or arguments.

This module is the parser: every command is registered here, in the order `chorus --help` lists them; each
command family lives in its own module (``refresh``: run; ``publishing``: publish, withdraw, readmit;
``store_status``: status; ``reports``: report; ``text``: text code and train; ``dagster_ui``: ui;
``sample_data``: sample), over what they share (``common``: exit codes and settings; ``dagster_runs``:
running Dagster in this process). Only the standard library and typer are imported before a command runs,
so ``--help`` stays fast.
"""

from __future__ import annotations

import typer

from pipelines.cli.common import EXIT_CODES, EXIT_FAILED, EXIT_FILES_REJECTED, EXIT_OK, EXIT_USAGE
from pipelines.cli.dagster_runs import (
    CLI_HOST_TAG,
    CLI_PID_TAG,
    one_cli_run_at_a_time,
    recover_crashed_cli_runs,
    root_cause,
)
from pipelines.cli.dagster_ui import prepare_ui_instance, start_event_log_cursors, ui
from pipelines.cli.publishing import publish, readmit, withdraw
from pipelines.cli.refresh import run
from pipelines.cli.reports import report
from pipelines.cli.sample_data import sample
from pipelines.cli.store_status import status
from pipelines.cli.text import text_code, text_train

__all__ = [
    "CLI_HOST_TAG",
    "CLI_PID_TAG",
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_FILES_REJECTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "main",
    "one_cli_run_at_a_time",
    "prepare_ui_instance",
    "publish",
    "readmit",
    "recover_crashed_cli_runs",
    "report",
    "root_cause",
    "run",
    "sample",
    "start_event_log_cursors",
    "status",
    "text_app",
    "text_code",
    "text_train",
    "ui",
    "withdraw",
]

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


app.command()(ui)
app.command()(sample)
app.command()(run)
app.command()(publish)
app.command()(withdraw)
app.command()(readmit)
app.command()(status)
app.command()(report)

text_app = typer.Typer(
    no_args_is_help=True,
    help="Redact and code a CSV of comments, or retrain the theme/sentiment model, without the pipeline.",
)
text_app.command("code")(text_code)
text_app.command("train")(text_train)
app.add_typer(text_app, name="text")


def main() -> None:  # pragma: no cover - console entry point
    """Run the ``chorus`` command line (the installed `chorus` script calls ``app`` itself)."""
    app()
