"""What a source is, as plain data: its landing folder, readers, the tables they fill, suites and sample.

Each source folder declares one ``SourceSpec`` in its ``source.py``; ``pipelines.sources.registry`` lists
them. Everything that used to be a hand-kept list (landing folders, suites, sample writers, the validation
report's inputs, the comment writers) is read from the registry, and the Dagster ingest assets are built
from it (``pipelines/defs/sources``), so adding a source is one folder and one registry line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.ingest.detect import Layout
from pipelines.sample.ics import SyntheticICS
from pipelines.validation.expectations import TableSuite


@dataclass(frozen=True)
class IngestTable:
    """One ingest asset: the source's files of ``layouts`` loaded into ``table`` (asset key ``schema/table``).

    ``deps`` are asset keys as ``schema/table`` strings; ``writes_comments`` marks a table whose files also
    write ``staged.comments`` and ``raw.comment_text`` (the text stage reads after it).
    """

    table: str
    layouts: tuple[Layout, ...]
    description: str
    kinds: frozenset[str] = frozenset({"duckdb", "csv"})
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None
    deps: tuple[str, ...] = ()
    preview_order: str | None = None
    validate: bool = True
    writes_comments: bool = False


@dataclass(frozen=True)
class SourceSpec:
    """A source: its landing sub-folder ``name`` (also its Dagster group), readers, tables, suites, sample."""

    name: str
    layouts: tuple[Layout, ...]  # every layout of the folder, in detection order
    tables: tuple[IngestTable, ...]
    suites: tuple[TableSuite, ...]
    write_sample: Callable[[SyntheticICS, Path], list[Path]]
    description: str = ""
    extra_reported: tuple[str, ...] = field(
        default=()
    )  # other assets whose files the validation report covers
