"""Dagster's local SQLite storage is written without an fsync per event unless the operator asks for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from pipelines.lib import dagster_sqlite
from schemas.settings import ChorusSettings


def _synchronous(path: Path) -> int:
    # The way Dagster's SQLite storage connects: a fresh engine per use, no pool.
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    with engine.connect() as conn:
        level = conn.execute(text("PRAGMA synchronous")).scalar_one()
    engine.dispose()
    return level


def test_every_sqlite_connection_gets_the_configured_level(tmp_path: Path) -> None:
    import pipelines.definitions  # noqa: F401 - loading the code location installs the setting

    try:
        assert _synchronous(tmp_path / "events.db") == 0  # OFF, the default
        dagster_sqlite.set_dagster_sqlite_sync("FULL")
        assert _synchronous(tmp_path / "events.db") == 2
        dagster_sqlite.set_dagster_sqlite_sync("NORMAL")
        assert _synchronous(tmp_path / "events.db") == 1
    finally:
        dagster_sqlite.set_dagster_sqlite_sync()


def test_the_level_comes_from_the_setting_and_a_typo_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHORUS_DAGSTER_SQLITE_SYNC", "FULL")
    assert ChorusSettings().dagster_sqlite_sync == "FULL"
    monkeypatch.setenv("CHORUS_DAGSTER_SQLITE_SYNC", "sometimes")
    with pytest.raises(ValueError, match="dagster_sqlite_sync"):
        ChorusSettings()
    with pytest.raises(ValueError, match="expected one of OFF, NORMAL, FULL"):
        dagster_sqlite.set_dagster_sqlite_sync("sometimes")
