"""`chorus run`: bring the store up to date with the landing folder, doing only what changed, and say
how it went in one line per problem."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipelines.cli.common import EXIT_FAILED, EXIT_FILES_REJECTED, EXIT_OK, EXIT_USAGE, _local, _settings
from pipelines.cli.dagster_runs import _execute_shown, _report_failures, one_cli_run_at_a_time
from pipelines.cli.sample_data import _ensure_sample
from pipelines.cli.store_status import _print_summary

if TYPE_CHECKING:  # imported when the command runs, to keep --help fast
    import dagster as dg

    from pipelines.ingest.changes import RefreshPlan
    from schemas.settings import ChorusSettings


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
        help="Run every asset even when nothing changed since the last complete run, and rebuild "
        "marts.metric_by_group whole rather than only its changed families.",
    ),
) -> None:
    """Bring the store up to date with the landing folder; say what was built.

    Does only what changed since the last complete run: nothing when no file is new, changed or removed
    (and Chorus's code, settings and store are as that run left them), else the changed sources and what
    depends on them. ``--all`` runs everything (and rebuilds ``marts.metric_by_group`` whole, not only the
    families whose files changed); ``--source`` runs the sources named.

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

        from pipelines.core.fingerprint import FULL_REBUILD_TAG
        from pipelines.definitions import defs

        definitions = defs()
        if source:
            selection = dg.AssetSelection.groups(*groups).downstream()
        elif plan.sources is not None:
            selection = dg.AssetSelection.groups(*plan.sources).downstream()
        else:
            selection = dg.AssetSelection.all()
        started = datetime.now()
        # --all: incrementally built tables are rebuilt whole too (the escape hatch if one ever drifts).
        tags = {FULL_REBUILD_TAG: "true"} if everything else None
        result, log_path = _execute_shown(settings, definitions, selection, "run", tags)
        code = _finish_run(settings, result, started, log_path, plan)
    raise typer.Exit(code)


def _apply_run_options(landing: Path | None, warehouse: Path | None) -> None:
    """``--landing`` / ``--warehouse`` as CHORUS_* variables (absolute), so every step sees them."""
    if landing is not None:
        os.environ["CHORUS_LANDING_DIR"] = str(landing.expanduser().resolve())
    if warehouse is not None:
        warehouse = warehouse.expanduser().resolve()
        os.environ["CHORUS_WAREHOUSE"] = str(warehouse)
        # Never publish another store's data over the sample's published file.
        os.environ.setdefault("CHORUS_PUBLISHED", str(warehouse.with_name("published.duckdb")))


def _check_store_is_for(settings: ChorusSettings) -> None:
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


def _output_settings(settings: ChorusSettings) -> dict[str, object]:
    """The settings that shape what a run produces (not how much memory or patience it has)."""
    return settings.model_dump(exclude={"memory_limit", "lock_wait_seconds"})


def _plan_refresh(settings: ChorusSettings, everything: bool) -> RefreshPlan:
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


def _nothing_to_do(settings: ChorusSettings, plan: RefreshPlan) -> int:
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


def _rejected_files(settings: ChorusSettings, since: datetime) -> list[tuple[str, str]]:
    """(path, the ledger's reason) for each file rejected or not recognised since ``since``, once each."""
    from pipelines.core.store import open_store

    with open_store(settings.warehouse, read_only=True, lock_wait_seconds=settings.lock_wait_seconds) as con:
        return con.execute(
            """SELECT path, coalesce(error, 'rejected') FROM meta.ingest_ledger
               WHERE status = 'failed' AND started_at >= ? ORDER BY path""",
            [since],
        ).fetchall()


def _finish_run(
    settings: ChorusSettings,
    result: dg.ExecuteInProcessResult,
    started: datetime,
    log_path: Path,
    plan: RefreshPlan | None = None,
) -> int:
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
