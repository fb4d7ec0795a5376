"""What `chorus run` (and `chorus publish`, and `chorus withdraw` / `readmit` as they republish) shows
while it runs: one line per asset (done / running / unchanged / skipped / failed, with elapsed time) on
a terminal, and Dagster's full event stream in a log file.

Dagster hands its events to loggers named in the run config; ``chorus_run_logger`` is one that writes
every record (DEBUG and up, tracebacks included) to the run's log file and feeds the live table. Nothing
of Dagster's stream reaches the terminal, so an operator sees progress and, at the end, one line per
problem, never a 40-line traceback; the log file keeps everything for whoever needs to dig.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:  # rich is imported when the display first draws
    from rich.table import Table

LOGGER_NAME = "chorus_run"

# States a step can be in, in the order the table sorts them; their colour on a terminal.
STATE_STYLES: dict[str, str] = {
    "failed": "bold red",
    "running": "yellow",
    "waiting": "dim yellow",
    "done": "green",
    "unchanged": "cyan",
    "skipped": "dim",
}


@dataclass
class StepState:
    """One step (an asset, a multi-asset or a check) as the display knows it."""

    key: str
    state: str = "waiting"
    started: float | None = None
    finished: float | None = None
    detail: str = ""
    checks_passed: int = 0
    checks_failed: int = 0
    materialized: bool = False

    def elapsed(self, now: float) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or now) - self.started


@dataclass
class RunDisplay:
    """The live table and the log file of one `chorus run`; a context manager around the run.

    ``live``: draw the table (a terminal); off, only the log file is written (cron, tests, pipes).
    """

    log_path: Path
    live: bool = field(default_factory=lambda: sys.stderr.isatty())
    steps: dict[str, StepState] = field(default_factory=dict)
    _file: logging.Handler | None = None
    _live: object | None = None

    def __enter__(self) -> RunDisplay:
        global _ACTIVE
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._file = logging.FileHandler(self.log_path, encoding="utf-8")
        self._file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        # Library warnings (Dagster's beta/preview notices and the like) go to the log, not the terminal.
        logging.captureWarnings(True)
        logging.getLogger("py.warnings").addHandler(self._file)
        _ACTIVE = self
        if self.live:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                self._table(),
                console=Console(stderr=True),
                refresh_per_second=4,
                transient=False,
                vertical_overflow="visible",
            )
            self._live.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        global _ACTIVE
        _ACTIVE = None
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(exc_type, exc, tb)
        logging.getLogger("py.warnings").removeHandler(self._file)
        logging.captureWarnings(False)
        if self._file is not None:
            self._file.close()

    # -- fed by the Dagster logger -----------------------------------------------------------------

    def record(self, record: logging.LogRecord) -> None:
        """Write ``record`` to the log file and move the step it is about to its new state."""
        if self._file is not None:
            self._file.handle(record)
        meta = getattr(record, "dagster_meta", None)
        event = meta.get("dagster_event") if isinstance(meta, dict) else None
        if event is None or not event.step_key:
            return
        step = self.steps.setdefault(event.step_key, StepState(event.step_key))
        now = time.monotonic()
        kind = event.event_type_value
        if kind == "STEP_START":
            step.state, step.started = "running", now
        elif kind == "STEP_SUCCESS":
            step.state = "unchanged" if step.detail == "unchanged" else "done"
            step.finished = now
        elif kind == "STEP_FAILURE":
            step.state, step.finished = "failed", now
        elif kind == "STEP_SKIPPED":
            step.state, step.finished = "skipped", now
        elif kind == "ASSET_CHECK_EVALUATION":
            if event.event_specific_data.passed:
                step.checks_passed += 1
            else:
                step.checks_failed += 1
        elif kind == "ASSET_MATERIALIZATION":
            step.materialized = True
            values = event.event_specific_data.materialization.metadata
            loaded, unchanged = values.get("files_loaded"), values.get("files_unchanged")
            if loaded is not None and unchanged is not None and loaded.value == 0 and unchanged.value > 0:
                step.detail = "unchanged"
        if self._live is not None:
            self._live.update(self._table())

    def counts(self) -> dict[str, int]:
        """How many steps ended in each state."""
        out: dict[str, int] = {}
        for step in self.steps.values():
            out[step.state] = out.get(step.state, 0) + 1
        return out

    def _table(self) -> Table:
        from rich.table import Table

        now = time.monotonic()
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("step")
        table.add_column("state")
        table.add_column("elapsed", justify="right")
        order = list(STATE_STYLES)
        # One row per asset step; a check's own step (it only evaluates checks) shows while it runs or
        # if it failed, and is otherwise counted in the caption.
        shown = sorted(
            (
                s
                for s in self.steps.values()
                if not self._is_check_step(s) or s.state in {"running", "failed"}
            ),
            key=lambda s: (order.index(s.state), s.key),
        )
        for step in shown:
            table.add_row(
                step.key,
                f"[{STATE_STYLES[step.state]}]{step.state}[/]",
                f"{step.elapsed(now):6.1f} s" if step.started else "",
            )
        counts = self.counts()
        passed = sum(s.checks_passed for s in self.steps.values())
        failed = sum(s.checks_failed for s in self.steps.values())
        table.caption = (
            "  ".join(f"{state}: {counts[state]}" for state in order if counts.get(state))
            + f"   checks passed: {passed}"
            + (f", failed: {failed}" if failed else "")
            + f"   log: {self.log_path}"
        )
        return table

    @staticmethod
    def _is_check_step(step: StepState) -> bool:
        """A step that evaluated checks and materialised nothing (asset steps report their checks too)."""
        return (step.checks_passed + step.checks_failed) > 0 and not step.materialized


_ACTIVE: RunDisplay | None = None


class _ToDisplay(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if _ACTIVE is not None:
            _ACTIVE.record(record)


@dg.logger(
    config_schema={"log_level": dg.Field(str, default_value="DEBUG", is_required=False)},
    description="chorus run: every event to the run's log file, step states to the live table.",
)
def chorus_run_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    # A fresh Logger object per run (not logging.getLogger): Dagster may initialise loggers more than
    # once per run, and a shared named logger would then write every record twice.
    logger = logging.Logger(LOGGER_NAME, level=init_context.logger_config["log_level"])
    logger.addHandler(_ToDisplay())
    return logger


def log_path_for(folder: Path, started: datetime, command: str = "run") -> Path:
    """``<folder>/chorus-<command>-YYYYmmdd-HHMMSS.log`` (``command``: run, publish, republish)."""
    return folder / f"chorus-{command}-{started:%Y%m%d-%H%M%S}.log"
