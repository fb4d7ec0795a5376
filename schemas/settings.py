"""Chorus settings, read from ``CHORUS_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Landing sub-folders, one per source. A file's layout inside a folder is detected from its content.
SOURCES: tuple[str, ...] = ("reference", "gpps", "fft", "complaints", "healthwatch", "stories")


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
        description="The published read-only DuckDB file that analysts and BI tools open.",
    )
    memory_limit: str = Field(
        default="3GB",
        description="DuckDB memory cap for pipeline connections; larger work spills to disk beside the store.",
    )
    parquet_dir: Path | None = Field(
        default=None,
        description="Folder for Parquet exports of the published tables (default: <published folder>/parquet).",
    )
    report_dir: Path | None = Field(
        default=None,
        description="Folder for HTML reports (default: <warehouse folder>/reports).",
    )

    def source_dir(self, source: str) -> Path:
        """The landing sub-folder of one source."""
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
        return self.landing_dir / source

    @property
    def parquet_path(self) -> Path:
        return self.parquet_dir or self.published.parent / "parquet"

    @property
    def report_path(self) -> Path:
        return self.report_dir or self.warehouse.parent / "reports"
