"""A store holding only reference data (no GPPS, FFT, complaints, comments landed yet): every mart builds
empty with a full build's columns, and `chorus run` says all is well (exit 0).

Reported: ``marts__metric_by_group`` failed there with 'Referenced column "worse_than_overall" not found',
so a new installation that lands its reference files first could not finish a single run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.test_cli import base_env, chorus

# Marts built only from what the sources land: with no source data, they have no rows.
BUILT_FROM_SOURCES = (
    "metric_by_group",
    "deprivation_gradient",
    "variation",
    "representation",
    "triangulation",
)


def mart_columns(store: Path) -> dict[str, list[tuple[str, str]]]:
    """Each ``marts`` table's (column, type) in column order."""
    with duckdb.connect(str(store), read_only=True) as con:
        rows = con.execute(
            """SELECT table_name, column_name, data_type FROM duckdb_columns()
               WHERE schema_name = 'marts' ORDER BY table_name, column_index"""
        ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        tables.setdefault(table, []).append((column, kind))
    return tables


@pytest.fixture(scope="module")
def reference_only_run(sample_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`chorus run` on a landing folder with only the sample's reference files."""
    work = tmp_path_factory.mktemp("reference_only")
    shutil.copytree(sample_landing / "reference", work / "landing" / "reference")
    store = work / "store" / "chorus.duckdb"
    result = chorus(
        "run", "--landing", "landing", "--warehouse", str(store), env=base_env(work), cwd=work
    )  # fmt: skip
    return {"result": result, "store": store}


def test_chorus_run_on_reference_data_alone_succeeds(reference_only_run: dict) -> None:
    result = reference_only_run["result"]
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "FAILED" not in output, output[-3000:]
    assert "Traceback" not in output
    # On a fresh DAGSTER_HOME, too, the run's full log holds no warning.
    (log,) = reference_only_run["store"].parent.glob("logs/chorus-run-*.log")
    assert [line for line in log.read_text().splitlines() if " WARNING " in line] == []


def test_every_mart_is_built_empty_with_a_full_builds_columns(
    reference_only_run: dict, sample_pipeline: tuple[list[dg.AssetMaterialization], Path]
) -> None:
    """Same tables, same columns in the same order, same types as the whole sample's build; no rows in
    the marts the sources feed. Queries and reports written against a full store then bind on this one."""
    store = reference_only_run["store"]
    assert store.exists(), reference_only_run["result"].stderr[-3000:]
    full = mart_columns(sample_pipeline[1])
    empty = mart_columns(store)
    assert sorted(empty) == sorted(full)
    for table, columns in full.items():
        assert empty[table] == columns, table
    with duckdb.connect(str(store), read_only=True) as con:
        for table in BUILT_FROM_SOURCES:
            assert con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0] == 0, table
    # What analysts open: the published file has the marts with the same columns.
    published = mart_columns(store.with_name("published.duckdb"))
    assert published["metric_by_group"] == full["metric_by_group"]
