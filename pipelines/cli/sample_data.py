"""`chorus sample`, and the embedded sample generated on first use so a fresh clone just works."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # imported when the command runs, to keep --help fast
    from rich.status import Status


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


def _tick_elapsed(status: Status, text: str, started: float) -> threading.Event:
    """Update ``status`` with the seconds elapsed, every second, until the returned event is set."""
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(1):
            status.update(f"{text} ... {time.perf_counter() - started:.0f} s")

    threading.Thread(target=tick, daemon=True).start()
    return stop
