"""The Dagster resource that gives assets their settings and a connection to the working store."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.store import open_store
from schemas.settings import ChorusSettings


class ChorusResource(dg.ConfigurableResource):
    """Paths from ``ChorusSettings`` (``CHORUS_*`` variables); tests pass their own.

    Empty strings mean "take the setting from the environment at run time", so a definitions object
    built once still honours variables set later (tests, the CLI).
    """

    landing_dir: str = ""
    warehouse: str = ""
    published: str = ""

    def settings(self) -> ChorusSettings:
        overrides = {
            key: Path(value)
            for key, value in {
                "landing_dir": self.landing_dir,
                "warehouse": self.warehouse,
                "published": self.published,
            }.items()
            if value
        }
        return ChorusSettings(**overrides)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection to the working store (read-write: schemas created on first use).

        Waits up to ``CHORUS_LOCK_WAIT_SECONDS`` for another process holding the file, then fails with
        ``StoreLocked``: one line naming that process and what to do.
        """
        settings = self.settings()
        with open_store(
            settings.warehouse,
            read_only=read_only,
            memory_limit=settings.memory_limit,
            lock_wait_seconds=settings.lock_wait_seconds,
        ) as con:
            yield con
