"""`chorus status`, and the summary of the store every command that changes it ends with."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from pipelines.cli.common import EXIT_FAILED, EXIT_FILES_REJECTED, _local, _settings
from pipelines.cli.dagster_runs import _last_run

if TYPE_CHECKING:  # imported when the command runs, to keep --help fast
    from schemas.settings import ChorusSettings


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


def _print_summary(settings: ChorusSettings) -> None:
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
