"""Shared fixtures: the real published files in ../shared/data, a landing folder, a store under tmp_path."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests write a landing file and read it at once: no settle interval (tests/ops/test_landing_folder.py sets one).
os.environ.setdefault("CHORUS_SETTLE_SECONDS", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real NHS files. Skips (saying why) only when the folder is genuinely absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-data folder {SHARED_DATA} is absent on this machine")
    return SHARED_DATA


@pytest.fixture(scope="session")
def all_definitions() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs()


def materialize(
    definitions: dg.Definitions,
    landing: Path,
    warehouse: Path,
    groups: Iterable[str] | None = None,
    published: Path | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise the assets (of ``groups``, with their checks) against ``landing`` into ``warehouse``."""
    from pipelines.lib.resources import ChorusResource

    graph = definitions.resolve_asset_graph()
    keys = [k for k in graph.get_all_asset_keys() if groups is None or graph.get(k).group_name in set(groups)]
    selection = dg.AssetSelection.assets(*keys)
    job = dg.define_asset_job("test_job", selection=selection)
    resources = {
        **(definitions.resources or {}),
        "chorus": ChorusResource(
            landing_dir=str(landing),
            warehouse=str(warehouse),
            published=str(published or warehouse.with_name("published.duckdb")),
        ),
    }
    scoped = dg.Definitions(
        assets=definitions.assets,
        asset_checks=definitions.asset_checks,
        jobs=[job],
        resources=resources,
        executor=dg.in_process_executor,
    )
    return scoped.resolve_job_def("test_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        f"{e.event_specific_data.asset_key.to_user_string()}:{e.event_specific_data.check_name}"
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]


def step_failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {
        e.step_key: e.event_specific_data.error.message
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    }


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample landing folder (generated once per test session)."""
    from pipelines.sample.generate import generate_sample

    folder = tmp_path_factory.mktemp("sample")
    generate_sample(folder)
    return folder


@pytest.fixture(scope="session")
def sample_pipeline(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dg.ExecuteInProcessResult, Path]:
    """The whole pipeline on the generated sample, once per test process: (result, working store).

    Shared by every test that only reads what the sample builds (marts, report); the full pipeline takes a
    minute or two, so a module that changes the landing folder builds its own instead."""
    warehouse = tmp_path_factory.mktemp("sample_pipeline") / "w.duckdb"
    result = materialize(all_definitions, sample_landing, warehouse)
    assert result.success, step_failures(result)
    assert not failed_checks(result)
    return result, warehouse


@pytest.fixture(scope="session")
def sample_published(sample_pipeline: tuple[dg.ExecuteInProcessResult, Path]) -> Path:
    """The published store of the sample run (its reports are in ``reports/`` beside it)."""
    return sample_pipeline[1].with_name("published.duckdb")
