"""One header-mapping mechanism for every source: a packaged CSV plus a ``CHORUS_<SOURCE>_HEADER_MAP`` override.

Trusts, Healthwatch and story collections name the same column differently ("Date Received", "received
date"; "story", "narrative"). Each source keeps its spellings as data in one CSV next to its reader
(``pipelines/sources/<source>/header_map.csv``, or ``fft/headers.csv``) with the columns::

    layout,header,field[,breakdown,category]

``header`` is the column name as normalised by ``pipelines.ingest.files.normalise_header`` (lower case,
trimmed); a ``header`` ending in ``*`` is a prefix whose remainder names a breakdown category (complaints
returns: ``subject: *``). A local layout is a config change, not a code change: point
``CHORUS_<SOURCE>_HEADER_MAP`` (e.g. ``CHORUS_STORIES_HEADER_MAP``) at a CSV with the same columns; its
rows are read first, so they win over the packaged ones.

The module also says, for a file no layout recognised, which mapped layout it came closest to
(:func:`closest_layout_hint`): sources register what each header-read layout needs with
:func:`register_expected_columns`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.detect import register_layout_expectation


@dataclass(frozen=True)
class HeaderRule:
    """One row of a header map."""

    layout: str
    header: str
    field: str
    breakdown: str = ""
    category: str = ""


def override_variable(source: str) -> str:
    """The environment variable naming a source's extra header map, e.g. ``CHORUS_STORIES_HEADER_MAP``."""
    return f"CHORUS_{source.upper()}_HEADER_MAP"


def map_files(source: str, packaged: Path) -> list[Path]:
    """The override file (when ``CHORUS_<SOURCE>_HEADER_MAP`` is set) and then the packaged one."""
    extra = os.environ.get(override_variable(source), "").strip()
    return [Path(extra), packaged] if extra else [packaged]


def header_rules(source: str, packaged: Path, layout: str) -> list[HeaderRule]:
    """Every rule of ``layout``: the override file's rows first, then the packaged CSV's."""
    rules: list[HeaderRule] = []
    for path in map_files(source, packaged):
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                if (row.get("layout") or "").strip() != layout:
                    continue
                rules.append(
                    HeaderRule(
                        layout,
                        (row.get("header") or "").strip().lower(),
                        (row.get("field") or "").strip(),
                        (row.get("breakdown") or "").strip(),
                        (row.get("category") or "").strip(),
                    )
                )
    return rules


def map_header(column: str, rules: Sequence[HeaderRule]) -> HeaderRule | None:
    """The rule for one normalised header: an exact row first, then a ``prefix: *`` row."""
    for rule in rules:
        if not rule.header.endswith("*") and rule.header == column:
            return rule
    for rule in rules:
        prefix = rule.header[:-1].strip()
        if rule.header.endswith("*") and column.startswith(prefix) and column[len(prefix) :].strip():
            return HeaderRule(rule.layout, column, rule.field, rule.breakdown, column[len(prefix) :].strip())
    return None


def field_map(source: str, packaged: Path, layout: str) -> dict[str, str]:
    """Normalised header → field for the exact (non-prefix) rows of ``layout``; earlier files win."""
    mapping: dict[str, str] = {}
    for rule in header_rules(source, packaged, layout):
        if not rule.header.endswith("*"):
            mapping.setdefault(rule.header, rule.field)
    return mapping


def columns_for_fields(header: Iterable[str], rules: Sequence[HeaderRule]) -> dict[str, str]:
    """Field → the first column of ``header`` mapped to it (columns in file order)."""
    chosen: dict[str, str] = {}
    for column in header:
        rule = map_header(column, rules) if column else None
        if rule is not None:
            chosen.setdefault(rule.field, column)
    return chosen


def spellings(rules: Sequence[HeaderRule], field: str) -> list[str]:
    """The headers the rules accept for ``field``, in map order."""
    return list(dict.fromkeys(r.header for r in rules if r.field == field))


def register_expected_columns(
    layout: str, source: str, packaged: Path, map_layout: str, required: Sequence[str]
) -> None:
    """Say which mapped fields a header-read layout needs, so an unrecognised file can be told what is missing."""

    def expected(header: Sequence[str]) -> tuple[int, list[str]]:
        rules = header_rules(source, packaged, map_layout)
        chosen = columns_for_fields(header, rules)
        missing = [
            f"{field} (one of: {', '.join(spellings(rules, field))})"
            for field in required
            if field not in chosen
        ]
        return len(required) - len(missing), missing

    register_layout_expectation(layout, expected)
