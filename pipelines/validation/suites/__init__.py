"""The suite registry: one module per source, each listing ``SUITES`` (one ``TableSuite`` per table)."""

from __future__ import annotations

import importlib

from pipelines.validation.expectations import TableSuite

SOURCE_MODULES = ("reference", "gpps", "fft", "complaints", "healthwatch", "stories", "comments")


def all_suites() -> dict[str, TableSuite]:
    """Every suite kept in code, by table name."""
    suites: dict[str, TableSuite] = {}
    for module_name in SOURCE_MODULES:
        module = importlib.import_module(f"pipelines.validation.suites.{module_name}")
        for suite in module.SUITES:
            if suite.table in suites:
                raise ValueError(f"two suites for {suite.table}")
            suites[suite.table] = suite
    return suites


_SUITES: dict[str, TableSuite] | None = None


def suite_for(table: str) -> TableSuite | None:
    """The suite for ``schema.table``, or ``None`` when none is kept for it."""
    global _SUITES
    if _SUITES is None:
        _SUITES = all_suites()
    return _SUITES.get(table)
