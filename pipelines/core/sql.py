"""SQL text, said once: quoting identifiers and literals, and reading the ``.sql`` files kept beside the code.

Values a user or a file supplies are bound as parameters (``con.execute(sql, params)``) wherever DuckDB
allows; these helpers are for what it does not (identifiers, ``SET``, ``COMMENT ON``, ``IN`` lists built
from code constants).

A statement longer than a few lines lives in a ``.sql`` file beside the module that runs it. Where part of
the statement is composed in Python (a table name, a generated predicate, a subquery), the file marks the
place with a ``{{slot}}`` that :func:`sql_file` fills with that SQL fragment. Slots are for SQL text only,
never values: a value goes in as a ``$name`` parameter bound when the statement runs. (``{{ }}`` because
DuckDB itself uses ``{...}`` for struct literals and ``$name`` for parameters.)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import duckdb

# A slot: {{name}}, a lower-case identifier between double braces. A ``--`` comment is matched first so a
# slot named in a file's header comment is left alone (a multi-line fragment there would end the comment).
SLOT = re.compile(r"--[^\n]*|\{\{([a-z_][a-z0-9_]*)\}\}")


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
def _sql_file_text(path: Path) -> tuple[str, frozenset[str]]:
    """The text of a ``.sql`` file and the names of its slots, read once per process."""
    text = Path(path).read_text(encoding="utf-8")
    return text, frozenset(match.group(1) for match in SLOT.finditer(text) if match.group(1))


def sql_file(path: Path, **slots: str) -> str:
    """The text of a ``.sql`` file kept next to the code that runs it, its ``{{slot}}`` places filled.

    Each keyword fills the slot of that name with an SQL *fragment* composed in code (a quoted identifier, a
    generated predicate, a subquery), never a value: values are bound as ``$name`` parameters when the
    statement runs. Every slot of the file must be given and every one given must be in the file, so a
    renamed slot fails loudly instead of leaving ``{{...}}`` in the SQL.
    """
    text, wanted = _sql_file_text(Path(path))
    if wanted != slots.keys():
        missing, unknown = sorted(wanted - slots.keys()), sorted(slots.keys() - wanted)
        raise ValueError(f"{Path(path).name}: slots not filled: {missing}; slots not in the file: {unknown}")
    if not slots:
        return text
    return SLOT.sub(lambda match: slots[match.group(1)] if match.group(1) else match.group(0), text)


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, **params: object) -> None:
    """Run a ``.sql`` file; ``$name`` placeholders bind ``params``."""
    if params:
        con.execute(sql_file(path), params)
    else:
        con.execute(sql_file(path))
