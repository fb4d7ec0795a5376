"""`chorus publish`, `chorus withdraw` and `chorus readmit`: what reaches the published store, and
taking a landing file out of it (or letting it back in)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipelines.cli.common import EXIT_FAILED, _settings
from pipelines.cli.dagster_runs import _execute_shown, _report_failures, one_cli_run_at_a_time
from pipelines.cli.store_status import _print_summary

if TYPE_CHECKING:  # imported when the command runs, to keep --help fast
    import duckdb

    from schemas.settings import ChorusSettings


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
def _working_store(settings: ChorusSettings) -> Iterator[duckdb.DuckDBPyConnection]:
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


def _republish(settings: ChorusSettings, source: str) -> None:
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
