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
    try:
        dagster_sqlite.set_dagster_sqlite_sync()
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


def test_loading_the_code_location_leaves_sqlite_alone(tmp_path: Path) -> None:
    """`dagster dev` loads the code location in its own processes; only `chorus` runs change the setting."""
    import subprocess
    import sys

    probe = (
        "import pipelines.definitions\n"
        "from sqlalchemy import create_engine, text\n"
        f"e = create_engine('sqlite:///{tmp_path / 'events.db'}')\n"
        "with e.connect() as c: print(c.execute(text('PRAGMA synchronous')).scalar_one())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=600
    )
    assert out.stdout.strip() == "2"  # SQLite's own default, FULL
