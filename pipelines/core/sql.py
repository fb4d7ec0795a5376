"""SQL text, said once: quoting identifiers and literals, and reading the ``.sql`` files kept beside the code.

Values a user or a file supplies are bound as parameters (``con.execute(sql, params)``) wherever DuckDB
allows; these helpers are for what it does not (identifiers, ``SET``, ``COMMENT ON``, ``IN`` lists built
from code constants).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import duckdb


def quote_identifier(name: str) -> str:
    """A column or table name as a DuckDB identifier: ``"name"`` with inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    """A Python value as a DuckDB literal: NULL, TRUE/FALSE, a number, or a string with quotes doubled."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def literal_list(values: Iterable[object]) -> str:
    """``'a', 'b', 'c'``: values as a comma-separated list of literals (for ``IN (...)``)."""
    return ", ".join(quote_literal(value) for value in values)


@cache
def sql_file(path: Path) -> str:
    """The text of a ``.sql`` file kept next to the code that runs it (read once per process)."""
    return Path(path).read_text(encoding="utf-8")


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, **params: object) -> None:
    """Run a ``.sql`` file; ``$name`` placeholders bind ``params``."""
    if params:
        con.execute(sql_file(path), params)
    else:
        con.execute(sql_file(path))
