"""What every `chorus` command shares: the exit codes, the settings (or one line saying which is bad), and
how a time is shown."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # pydantic and the settings are imported when a command runs, to keep --help fast
    from schemas.settings import ChorusSettings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_FILES_REJECTED = 0, 1, 2, 3
EXIT_CODES = (
    "Exit codes: 0 all good; 3 the run finished but some files were rejected or not recognised (each "
    "listed once, with the reason from the ledger); 1 a step failed; 2 bad settings or arguments."
)


def _settings(**overrides: object) -> ChorusSettings:
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


def _local(moment: datetime | float | None) -> str:
    """A time in the machine's local zone, with the zone's name: '2026-12-02 17:04:13 GMT'."""
    if moment is None:
        return "-"
    if isinstance(moment, float | int):
        moment = datetime.fromtimestamp(moment)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
