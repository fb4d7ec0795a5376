"""`chorus report`: the inequalities report, one self-contained HTML page per ICB."""

from __future__ import annotations

from pathlib import Path

import typer

from pipelines.cli.common import _settings


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
