"""The Dagster resource that gives assets their settings and a connection to the working store."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.store import open_store
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
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short read-write connection to the working store (schemas created on first use)."""
        settings = self.settings()
        with open_store(settings.warehouse, memory_limit=settings.memory_limit) as con:
            yield con
