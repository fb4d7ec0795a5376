"""Every source Chorus reads, in load order: one ``SourceSpec`` each, declared in ``sources/<name>/source.py``.

Adding a source is a folder under ``pipelines/sources/`` and one line here (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from pipelines.sources.complaints.source import SOURCE as COMPLAINTS
from pipelines.sources.fft.source import SOURCE as FFT
from pipelines.sources.gpps.source import SOURCE as GPPS
from pipelines.sources.healthwatch.source import SOURCE as HEALTHWATCH
from pipelines.sources.reference.source import SOURCE as REFERENCE
from pipelines.sources.shared.comments_suite import SUITES as COMMENT_SUITES
from pipelines.sources.source_spec import IngestTable, SourceSpec
from pipelines.sources.stories.source import SOURCE as STORIES
from pipelines.validation.expectations import TableSuite

SOURCES: tuple[SourceSpec, ...] = (REFERENCE, GPPS, FFT, COMPLAINTS, HEALTHWATCH, STORIES)


def source_names() -> tuple[str, ...]:
    """The landing sub-folders, one per source."""
    return tuple(spec.name for spec in registered())


def registered() -> tuple[SourceSpec, ...]:
    """The registered sources, read when asked (a test may register one more before loading definitions)."""
    return SOURCES


def source(name: str) -> SourceSpec:
    """The registered source called ``name``; the error lists the valid names."""
    for spec in registered():
        if spec.name == name:
            return spec
    raise KeyError(f"unknown source {name!r}; expected one of {', '.join(source_names())}")


def ingest_tables() -> list[tuple[SourceSpec, IngestTable]]:
    """Every ingest asset to build: (source, table) pairs in registry order."""
    return [(spec, table) for spec in registered() for table in spec.tables]


def comment_writers() -> list[str]:
    """Asset keys (``schema/table``) of the ingest assets that write ``staged.comments``."""
    return [table.table.replace(".", "/") for _, table in ingest_tables() if table.writes_comments]


def all_suites() -> dict[str, TableSuite]:
    """Every suite kept in code, by table name (the shared comments suite included)."""
    suites: dict[str, TableSuite] = {}
    for suite in [*(s for spec in registered() for s in spec.suites), *COMMENT_SUITES]:
        if suite.table in suites:
            raise ValueError(f"two suites for {suite.table}")
        suites[suite.table] = suite
    return suites


def suite_for(table: str) -> TableSuite | None:
    """The suite for ``schema.table``, or ``None`` when none is kept for it."""
    return all_suites().get(table)
