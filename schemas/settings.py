"""Chorus settings, read from ``CHORUS_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _project_root() -> Path:
    """The checkout holding ``pyproject.toml`` beside ``schemas/``; the current folder for a non-editable install."""
    checkout = Path(__file__).resolve().parents[1]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


# Relative settings (and the defaults) are read against this folder, not the shell's current folder, so
# `chorus status` from anywhere finds the same store and `chorus run` never starts a second one elsewhere.
PROJECT_ROOT: Path = _project_root()
# The embedded sample's landing folder: the only folder `chorus run` ever generates data into.
SAMPLE_LANDING: Path = PROJECT_ROOT / "data" / "sample"


@lru_cache(maxsize=32)
def _memory_limit_refusal(value: str) -> str | None:
    """DuckDB's reason for refusing ``value`` as a memory limit, or None. Asked once per value and process:
    settings are read by every step, and opening even an in-memory database costs ~50 ms."""
    import duckdb

    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as exc:
        return str(exc).strip().splitlines()[0].removeprefix("Parser Error: ")
    return None


class ChorusSettings(BaseSettings):
    """Where Chorus reads input and writes its stores.

    Every asset takes its paths from this model, so one environment variable moves a whole run.
    """

    model_config = SettingsConfigDict(env_prefix="CHORUS_", extra="ignore")

    landing_dir: Path = Field(
        default=Path("data/sample"),
        description="Input folder with one sub-folder per source (reference/, gpps/, fft/ ...).",
    )
    warehouse: Path = Field(
        default=Path("data/warehouse/chorus.duckdb"),
        description="The working DuckDB file. Only the pipeline opens it.",
    )
    published: Path = Field(
        default=Path("data/warehouse/published.duckdb"),
        description="The published read-only DuckDB file that analysts and BI tools open (default: "
        "published.duckdb beside the working store).",
    )
    memory_limit: str = Field(
        default="3GB",
        description="DuckDB memory cap for pipeline connections; larger work spills to disk beside the store.",
    )
    lock_wait_seconds: float = Field(
        default=300,
        ge=0,
        description="How long to wait for another process (an analyst's tool, a stray run) to let go of the "
        "working store before failing with one line naming it.",
    )
    parquet_dir: Path | None = Field(
        default=None,
        description="Folder for Parquet exports of the published tables (default: <published folder>/parquet).",
    )
    report_dir: Path | None = Field(
        default=None,
        description="Folder for HTML reports (default: <warehouse folder>/reports).",
    )

    dagster_sqlite_sync: Literal["OFF", "NORMAL", "FULL"] = Field(
        default="OFF",
        description="SQLite `synchronous` for Dagster's local run and event storage, in the runs a `chorus` "
        "command executes itself (the UI's processes keep Dagster's own setting). OFF skips the fsync "
        "Dagster's storage would otherwise make for each of a run's ~2,500 event writes (about 12 ms each "
        "here); a killed process loses nothing, an operating-system crash may lose the last events of the "
        "run history. Chorus's data is in DuckDB and is not affected; production uses Postgres.",
    )

    @field_validator("memory_limit")
    @classmethod
    def _duckdb_accepts_memory_limit(cls, value: str) -> str:
        """Ask DuckDB itself so a typo fails here, not mid-run."""
        reason = _memory_limit_refusal(value)
        if reason is not None:
            raise ValueError(f"{value!r} is not a memory size DuckDB accepts ({reason}); e.g. 3GB or 500MiB")
        return value

    @model_validator(mode="after")
    def _resolve_against_project_root(self) -> ChorusSettings:
        """Relative paths are relative to the project folder, whichever folder the command runs from; the
        published file sits beside the working store unless it is set (a store moved by CHORUS_WAREHOUSE
        alone never publishes over the sample's published file)."""
        if "published" not in self.model_fields_set:
            self.published = self.warehouse.parent / "published.duckdb"
        for name in ("landing_dir", "warehouse", "published", "parquet_dir", "report_dir"):
            value = getattr(self, name)
            if value is not None:
                value = value.expanduser()
                setattr(self, name, value if value.is_absolute() else PROJECT_ROOT / value)
        return self

    @property
    def parquet_path(self) -> Path:
        return self.parquet_dir or self.published.parent / "parquet"

    @property
    def report_path(self) -> Path:
        return self.report_dir or self.warehouse.parent / "reports"
