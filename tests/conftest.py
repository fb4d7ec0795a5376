"""Shared fixtures: the real published files in ../shared/data, a landing folder, a store under tmp_path."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests write a landing file and read it at once: no settle interval (tests/ops/test_landing_folder.py sets one).
os.environ.setdefault("CHORUS_SETTLE_SECONDS", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


# The files that take longest (whole pipeline runs; each measured at minutes on a loaded 2-core machine),
# longest first. `make test` runs them first (pytest-xdist --dist loadfile --no-loadscope-reorder keeps
# this order), so the two workers share them out instead of one worker finishing them alone at the end.
# The session's sample build (``sample_pipeline``) comes second, from test_contracts; its other users
# come after the longest files, by when it is built. Files not named here follow in their usual order.
LONGEST_FIRST = (
    "tests/ops/test_ui_and_cli_together.py",
    "tests/test_contracts.py",
    "tests/test_cli.py",
    "tests/ops/test_crash_safety.py",
    "tests/validation/test_corpus_feedback.py",
    "tests/validation/test_corpus.py",
    "tests/marts/test_marts_without_survey_data.py",
    "tests/reference/test_reference_pipeline.py",
    "tests/ops/test_incremental.py",
    "tests/sources/test_source_registry.py",
    "tests/ops/test_withdrawal_published.py",
    "tests/healthwatch/test_healthwatch_pipeline.py",
    "tests/ops/test_postgres_instance.py",
    "tests/gpps/test_sample.py",
    "tests/report/test_sample_published.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the ``LONGEST_FIRST`` files first, in that order (a stable sort keeps each file's own order)."""
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


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
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise the assets (of ``groups``, with their checks) against ``landing`` into ``warehouse``, in a
    run with ``tags``."""
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
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, tags=tags
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


def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this test session shares: under pytest-xdist each worker has its own
    base temp (``pytest-N/popen-gwK``), and ``pytest-N`` is theirs in common; without xdist, the base temp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def session_lock(root: Path, name: str) -> Iterator[None]:
    """Hold ``root/name.lock`` (an exclusive ``flock``): one process of the session at a time."""
    import fcntl

    with (root / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits on the other process finishing, however long it takes
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def sample_pipeline(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dg.AssetMaterialization], Path]:
    """The whole pipeline on the generated sample, once per test session: (its materialisations, the
    working store). The published store, Parquet and reports are beside the working store.

    Built by whichever test process asks first, under a lock; the others wait for it and read the same
    files (the full pipeline takes minutes on a loaded machine, and every worker used to build its own).
    Every test that uses it only reads; a test that needs to change the store copies it
    (``copy_sample_build``), and a module that changes the landing folder builds its own."""
    folder = session_root(tmp_path_factory) / "sample_pipeline"
    warehouse = folder / "w.duckdb"
    materialisations = folder / "materialisations.json"
    with session_lock(session_root(tmp_path_factory), "sample_pipeline"):
        if not materialisations.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build in another process left
            folder.mkdir()
            result = materialize(all_definitions, sample_landing, warehouse)
            assert result.success, step_failures(result)
            assert not failed_checks(result)
            events = [
                e.step_materialization_data.materialization for e in result.get_asset_materialization_events()
            ]
            # Written last: its presence says the build is complete.
            materialisations.write_text(dg.serialize_value(events))
    return dg.deserialize_value(materialisations.read_text(), as_type=list), warehouse


def copy_sample_build(warehouse: Path, to: Path) -> dict[str, Path]:
    """A writable copy of the sample build at ``warehouse`` (its working store, published store, Parquet
    and reports) laid out under ``to`` as ``materialize(..., to/"warehouse"/"chorus.duckdb",
    published=to/"published"/"published.duckdb")`` lays them out. Copying files takes seconds; a build
    takes minutes."""
    paths = {
        "warehouse": to / "warehouse" / "chorus.duckdb",
        "published": to / "published" / "published.duckdb",
        "parquet": to / "published" / "parquet",
        "reports": to / "warehouse" / "reports",
    }
    paths["warehouse"].parent.mkdir(parents=True)
    paths["published"].parent.mkdir(parents=True)
    shutil.copy(warehouse, paths["warehouse"])
    published = warehouse.with_name("published.duckdb")
    shutil.copy(published, paths["published"])
    for sidecar in published.parent.glob(f"{published.name}.*.json"):  # the publish audit's records
        shutil.copy(sidecar, paths["published"].with_name(sidecar.name))
    shutil.copytree(warehouse.with_name("parquet"), paths["parquet"])
    shutil.copytree(warehouse.with_name("reports"), paths["reports"])
    return paths


@pytest.fixture(scope="session")
def sample_published(sample_pipeline: tuple[list[dg.AssetMaterialization], Path]) -> Path:
    """The published store of the sample run (its reports are in ``reports/`` beside it)."""
    return sample_pipeline[1].with_name("published.duckdb")
