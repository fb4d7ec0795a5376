"""The ``.sql`` files kept beside the code: slots filled with SQL fragments, values bound as parameters, and
the house rule that a long statement does not sit in a Python string."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import duckdb
import pytest

from pipelines.core.sql import quote_identifier, sql_file

REPO = Path(__file__).resolve().parents[2]
# "A statement longer than a few lines": six lines or more of SQL goes in a .sql file.
LONGEST_INLINE = 5


def test_slots_take_fragments_and_parameters_take_values(tmp_path: Path) -> None:
    query = tmp_path / "people_over.sql"
    query.write_text(
        "-- People older than $age from {{table}}, kept where {{condition}}.\n"
        "SELECT name FROM {{table}}\n"
        "WHERE age > $age AND {{condition}}\n"
        "ORDER BY name\n"
    )
    con = duckdb.connect()
    table = quote_identifier('people "born" here')
    con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM (VALUES ('Ann', 70), ('Bob', 30), ('Cy', 80)) t(name, age)"
    )
    text = sql_file(query, table=table, condition="name <> 'Cy'")
    assert con.execute(text, {"age": 40}).fetchall() == [("Ann",)]
    # The header comment is left as written: a fragment there could end the comment early.
    assert text.splitlines()[0] == "-- People older than $age from {{table}}, kept where {{condition}}."


def test_a_slot_left_unfilled_or_unknown_fails_loudly(tmp_path: Path) -> None:
    query = tmp_path / "rows.sql"
    query.write_text("SELECT * FROM {{table}} WHERE {{condition}}\n")
    with pytest.raises(ValueError, match=r"not filled: \['condition'\]"):
        sql_file(query, table="t")
    with pytest.raises(ValueError, match=r"not in the file: \['tabel'\]"):
        sql_file(query, table="t", condition="TRUE", tabel="t")


def test_a_fragment_is_not_read_for_slots(tmp_path: Path) -> None:
    query = tmp_path / "literal.sql"
    query.write_text("SELECT {{value}} AS v\n")
    # One pass: text in a fragment that looks like a slot is kept as it is.
    assert duckdb.connect().execute(sql_file(query, value="'{{value}}'")).fetchone() == ("{{value}}",)


SQL_WORD = re.compile(r"\b(SELECT|INSERT|CREATE|UPDATE|DELETE)\b")


def _long_sql_strings(path: Path) -> list[str]:
    """Python strings in ``path`` holding an SQL statement of more than ``LONGEST_INLINE`` lines."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    inside_fstrings = {
        id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in ast.walk(node)
    } - {id(node) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)}
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
        if not is_text or id(node) in inside_fstrings or id(node) in docstrings:
            continue
        # The string's own text first (cheap); the source segment (which scans the file) only for SQL.
        own = (
            node.value
            if isinstance(node, ast.Constant)
            else "".join(
                part.value
                for part in node.values
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            )
        )
        if not SQL_WORD.search(own):
            continue
        text = ast.get_source_segment(source, node) or ""
        lines = [line for line in text.strip().strip("rf").strip('"').splitlines() if line.strip()]
        if len(lines) > LONGEST_INLINE:
            found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_no_long_statement_is_kept_in_a_python_string() -> None:
    modules = sorted((REPO / "pipelines").rglob("*.py"))
    assert modules, "no pipelines modules found"
    offenders = [where for path in modules for where in _long_sql_strings(path)]
    assert not offenders, f"statements of more than {LONGEST_INLINE} lines belong in a .sql file: {offenders}"
