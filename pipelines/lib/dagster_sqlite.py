"""Dagster's local SQLite storage without an fsync per event.

On the local instance (SQLite under DAGSTER_HOME) Dagster opens a connection, commits and closes for every
event it stores: ~2,500 per `chorus run`, each costing a disk flush of ~12 ms on this machine's disk, which
was a third of a run's time on small inputs. ``CHORUS_DAGSTER_SQLITE_SYNC`` (default OFF) sets SQLite's
``synchronous`` on every SQLite connection SQLAlchemy opens in the process of a `chorus` command that runs
steps. Loading the code location does not install it, so the processes `dagster dev` starts (webserver,
daemon, code server, the runs the UI launches) keep Dagster's own setting; Postgres storage is untouched.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.engine import Engine

from schemas.settings import ChorusSettings

LEVELS = ("OFF", "NORMAL", "FULL")
_installed: list[str] = []


def set_dagster_sqlite_sync(level: str | None = None) -> None:
    """Set ``PRAGMA synchronous`` (``level``, else the setting) on SQLite connections opened from now on.

    Called by the CLI before it runs steps in its own process. A bad setting elsewhere is not this function's to report (the
    command line names it in one line): the default applies until it is fixed."""
    if level is None:
        try:
            level = ChorusSettings().dagster_sqlite_sync
        except ValidationError:
            level = ChorusSettings.model_fields["dagster_sqlite_sync"].default
    if level not in LEVELS:
        raise ValueError(f"SQLite synchronous level {level!r}: expected one of {', '.join(LEVELS)}")
    if _installed:
        _installed[0] = level
        return
    _installed.append(level)

    @event.listens_for(Engine, "connect")
    def _synchronous(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(f"PRAGMA synchronous={_installed[0]}")
