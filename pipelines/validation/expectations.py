"""Expectation suites as plain data: reviewed like code, importable without Great Expectations.

A ``TableSuite`` says what a table's rows from one landing file must look like: required columns and
their DuckDB types, a row-count range (fixed, or computed for the file's level and year), and a list of
``Expect`` entries named after Great Expectations expectation types. The runner turns them into GX
expectations for a pandas batch, or into SQL when a file's rows are too many for a frame; both give the
same ``Outcome`` records, so suites never care which engine ran them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

# The expectation types a suite may use: each has a GX class and a SQL translation (runner.SQL_RULES).
SUPPORTED = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_table_row_count_to_be_between",
    }
)


@dataclass(frozen=True)
class Expect:
    """One expectation: a GX expectation type and its keyword arguments."""

    type: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in SUPPORTED:
            raise ValueError(
                f"expectation type {self.type!r} has no SQL translation; use one of {sorted(SUPPORTED)}"
            )

    @property
    def columns(self) -> list[str]:
        """Every column the expectation reads (for limiting the batch to what the suite needs)."""
        names = [self.kwargs.get(k) for k in ("column", "column_A", "column_B")]
        return [n for n in names if n] + list(self.kwargs.get("column_list", []))

    @property
    def label(self) -> str:
        """The column(s) it is about, as shown in results."""
        if "column_list" in self.kwargs:
            return ", ".join(self.kwargs["column_list"])
        if self.type == "expect_column_pair_values_to_be_equal":
            return f"{self.kwargs['column_A']} = {self.kwargs['column_B']}"
        if "column_A" in self.kwargs:
            return f"{self.kwargs['column_B']} <= {self.kwargs['column_A']}"
        return self.kwargs.get("column", "")


# Constructors with the house's names, so suites read as sentences.
def not_null(column: str) -> Expect:
    return Expect("expect_column_values_to_not_be_null", {"column": column})


def in_set(column: str, values: Sequence[Any]) -> Expect:
    return Expect("expect_column_values_to_be_in_set", {"column": column, "value_set": list(values)})


def between(column: str, low: float | str | None = None, high: float | str | None = None) -> Expect:
    return Expect(
        "expect_column_values_to_be_between", {"column": column, "min_value": low, "max_value": high}
    )


def matches(column: str, regex: str) -> Expect:
    # Capturing groups make pandas warn on every batch (str.contains); they capture nothing here.
    regex = re.sub(r"(?<!\\)\((?!\?)", "(?:", regex)
    return Expect("expect_column_values_to_match_regex", {"column": column, "regex": regex})


def unique(*columns: str) -> Expect:
    if len(columns) == 1:
        return Expect("expect_column_values_to_be_unique", {"column": columns[0]})
    return Expect("expect_compound_columns_to_be_unique", {"column_list": list(columns)})


def ordered(lower: str, upper: str) -> Expect:
    """``lower <= upper`` on every row where both are present (e.g. CI lower bound <= value)."""
    return Expect(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": upper, "column_B": lower, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    )


def equal(a: str, b: str) -> Expect:
    """``a = b`` on every row where both are present (e.g. a total and the sum of its parts)."""
    return Expect(
        "expect_column_pair_values_to_be_equal",
        {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"},
    )


def one_of(values: Sequence[str], unmapped: bool = False) -> str:
    """A regex matching exactly one of ``values`` (and 'Unmapped: ...' when ``unmapped``), for ``matches``.

    Harmonised vocabulary columns hold a known value or 'Unmapped: <as written>' (visible, never dropped):
    a value set cannot say "or anything flagged unmapped", a regex can.
    """
    special = set(".^$*+?()[]{}|\\")
    options = ["".join("\\" + ch if ch in special else ch for ch in v) for v in sorted(set(values))]
    if unmapped:
        options.append("Unmapped: .+")
    return "^(" + "|".join(options) + ")$"


def row_count(low: int, high: int) -> Expect:
    return Expect("expect_table_row_count_to_be_between", {"min_value": low, "max_value": high})


RowCountRule = Callable[[duckdb.DuckDBPyConnection, str, str], tuple[int, int]]
"""(connection, table, source_file) -> (min, max) rows expected for that file's level and year."""


@dataclass(frozen=True)
class Derived:
    """Expectations on a relation computed from the file's rows, for rules across rows or columns.

    ``sql`` is a SELECT over ``rows`` (the file's rows of the suite's table), e.g. one row per return with
    its summary items side by side, so "resolved = upheld + partially upheld + not upheld" becomes an
    ``equal`` on two columns. It runs through the same engines as the table's own expectations.
    """

    name: str
    sql: str
    expectations: tuple[Expect, ...]

    def relation(self, table: str) -> str:
        """The SQL with ``rows`` bound to ``table``'s rows of one file (one ``?``: the source file)."""
        return f"WITH rows AS (SELECT * FROM {table} WHERE source_file = ?) SELECT * FROM ({self.sql})"


@dataclass(frozen=True)
class TableSuite:
    """What one landing file's rows in ``table`` must satisfy before they are published.

    ``columns`` maps each required column to its DuckDB type (checked against the catalogue: a frame's
    dtypes are only an echo of it). ``rows`` is a fixed (min, max) or a function of the file.
    ``frame_limit``: above this many rows the expectations run as SQL instead of on a pandas frame.
    """

    table: str
    source: str
    columns: dict[str, str]
    expectations: tuple[Expect, ...]
    rows: tuple[int, int] | RowCountRule = (1, 10_000_000)
    frame_limit: int = 200_000
    description: str = ""
    derived: tuple[Derived, ...] = ()

    @property
    def name(self) -> str:
        return self.table

    def needed_columns(self) -> list[str]:
        """Columns the expectations read, in first-use order."""
        seen: dict[str, None] = {}
        for expectation in self.expectations:
            for column in expectation.columns:
                seen.setdefault(column, None)
        return list(seen)

    def row_range(self, con: duckdb.DuckDBPyConnection, source_file: str) -> tuple[int, int]:
        return self.rows(con, self.table, source_file) if callable(self.rows) else self.rows


@dataclass
class Outcome:
    """The result of one expectation on one file's rows (one row of ``meta.validation_results``)."""

    expectation: str
    column: str
    success: bool
    observed: str = ""
    unexpected_count: int | None = None
    examples: list[str] = field(default_factory=list)
    engine: str = "gx"  # gx | sql | catalogue

    def sentence(self) -> str:
        """One readable clause for a rejection message."""
        text = f"{self.expectation.removeprefix('expect_')}"
        if self.column:
            text += f" [{self.column}]"
        if self.unexpected_count:
            text += f": {self.unexpected_count} unexpected"
        if self.observed:
            text += f" (observed {self.observed})"
        if self.examples:
            text += f", e.g. {', '.join(self.examples[:3])}"
        return text
