"""Which engine validates a batch, GX objects built once, and results written in one statement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from pipelines.lib.gx_resource import GreatExpectationsResource
from pipelines.validation import gx_engine, runner
from pipelines.validation.expectations import Outcome, TableSuite, between, not_null, row_count, unique
from pipelines.validation.results import engine_summary, outcome_record, replace_results

SUITE = TableSuite(
    table="staged.engine_probe",
    source="test",
    columns={"id": "VARCHAR", "score": "INTEGER"},
    expectations=(not_null("id"), unique("id"), between("score", 1, 5)),
    rows=(1, 100),
)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    from pipelines.core.store import open_store

    with open_store(":memory:") as connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS staged")
        connection.execute(
            "CREATE TABLE staged.engine_probe (id VARCHAR, score INTEGER, source_file VARCHAR)"
        )
        yield connection


@pytest.fixture(autouse=True)
def fresh_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts as a new process would: no suite validated by GX yet."""
    monkeypatch.setattr(runner, "_PROVEN_BY_GX", set())


def add_rows(con: duckdb.DuckDBPyConnection, file: str, rows: int, bad: int = 0) -> None:
    con.execute(
        "INSERT INTO staged.engine_probe SELECT 'r' || i, CASE WHEN i < ? THEN 9 ELSE 3 END, ? FROM range(?) t(i)",
        [bad, file, rows],
    )


def engines(outcomes: list[Outcome]) -> set[str]:
    return {o.engine for o in outcomes if o.engine != "catalogue"}


def test_engine_rule() -> None:
    assert runner.choose_engine(SUITE, 10, gx_available=False, gx_min_rows=0) == "sql"
    assert runner.choose_engine(SUITE, SUITE.frame_limit + 1, gx_available=True) == "sql"
    # A small batch goes through GX only until GX has validated the suite in this pass.
    assert runner.choose_engine(SUITE, 10, gx_available=True, gx_min_rows=2_000) == "gx"
    proven = {SUITE.table}
    assert runner.choose_engine(SUITE, 10, True, gx_min_rows=2_000, proven=proven) == "sql"
    assert runner.choose_engine(SUITE, 2_000, True, gx_min_rows=2_000, proven=proven) == "gx"
    assert runner.choose_engine(SUITE, 10, True, gx_min_rows=0, proven=proven) == "gx"


def test_resource_runs_first_and_big_batches_in_gx_small_ones_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    gx = GreatExpectationsResource(gx_min_rows=50)
    add_rows(con, "a.csv", 3)
    add_rows(con, "b.csv", 4, bad=1)
    add_rows(con, "c.csv", 60)
    first = gx.run_suite(con, SUITE, "a.csv")
    second = gx.run_suite(con, SUITE, "b.csv")
    big = gx.run_suite(con, SUITE, "c.csv")
    assert (engines(first), engines(second), engines(big)) == ({"gx"}, {"sql"}, {"gx"})
    assert all(o.success for o in first)
    failed = [o for o in second if not o.success]
    assert [(o.column, o.unexpected_count, o.examples) for o in failed] == [("score", 1, ["9"])]
    # The row count is GX's observation of this file's batch.
    assert [o.observed for o in big if o.expectation == "expect_table_row_count_to_be_between"] == ["60"]
    assert engines(GreatExpectationsResource(enabled=False).run_suite(con, SUITE, "a.csv")) == {"sql"}


def test_gx_objects_are_built_once_and_row_bounds_vary_per_run() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "b"], "score": [1, 2, 9]})
    expectations = [*SUITE.expectations, row_count(1, 2)]
    first = gx_engine.validate_frame("engine_probe_once", frame, expectations)
    definition = gx_engine._DEFINITIONS["engine_probe_once"][1]
    second = gx_engine.validate_frame("engine_probe_once", frame, [*SUITE.expectations, row_count(3, 3)])
    assert gx_engine._DEFINITIONS["engine_probe_once"][1] is definition  # reused, bounds as parameters
    assert [(o.column, o.success, o.observed) for o in first][1:] == [
        ("id", False, ""),
        ("score", False, ""),
        ("", False, "3"),
    ]
    assert [o.success for o in second] == [True, False, False, True]
    # Other expectations under the same name: the definition is rebuilt, not silently reused.
    third = gx_engine.validate_frame("engine_probe_once", frame, [not_null("id")])
    assert gx_engine._DEFINITIONS["engine_probe_once"][1] is not definition
    assert [o.success for o in third] == [True]


def test_gx_and_sql_agree_on_every_outcome(con: duckdb.DuckDBPyConnection) -> None:
    add_rows(con, "a.csv", 30, bad=4)
    con.execute("INSERT INTO staged.engine_probe VALUES ('r1', 2, 'a.csv'), (NULL, 2, 'a.csv')")
    sql = runner.run_suite(con, SUITE, "a.csv", None)
    gx = runner.run_suite(con, SUITE, "a.csv", gx_engine.validate_frame)
    assert engines(sql) == {"sql"} and engines(gx) == {"gx"}
    assert [(o.expectation, o.column, o.success, o.unexpected_count, o.observed) for o in sql] == [
        (o.expectation, o.column, o.success, o.unexpected_count, o.observed) for o in gx
    ]


def test_results_are_replaced_in_one_statement(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    at = datetime(2025, 1, 2, 3, 4, 5)
    outcomes = [
        Outcome(
            "expect_column_values_to_be_unique", "id", False, unexpected_count=2, examples=["x"], engine="sql"
        ),
        Outcome("expect_table_row_count_to_be_between", "", True, observed="3", engine="gx"),
    ]
    records = [
        outcome_record(o, source="s", source_file="f.csv", sha256="abc", layout="l", table="t.x", at=at)
        for o in outcomes
    ]
    replace_results(con, "f.csv", records, published=False)
    replace_results(con, "f.csv", records, published=True)
    rows = con.execute(
        "SELECT expectation, column_name, observed_value, unexpected_count, examples, success, engine, "
        "published, validated_at FROM meta.validation_results ORDER BY expectation"
    ).fetchall()
    assert rows == [
        ("expect_column_values_to_be_unique", "id", "", 2, json.dumps(["x"]), False, "sql", True, at),
        ("expect_table_row_count_to_be_between", "", "3", None, "[]", True, "gx", True, at),
    ]
    assert engine_summary(con, ["f.csv"], ["t.x"]) == (
        "gx: 1 file-table batch(es), 1 outcome(s); sql: 1 file-table batch(es), 1 outcome(s)"
    )
