"""One materialised sample for every marts test module (the full pipeline takes a minute or two)."""

from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import failed_checks, materialize, step_failures


@pytest.fixture(scope="session")
def run(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dg.ExecuteInProcessResult, Path]:
    """The whole pipeline on the generated sample: (result, working store)."""
    warehouse = tmp_path_factory.mktemp("story") / "w.duckdb"
    result = materialize(all_definitions, sample_landing, warehouse)
    assert result.success, step_failures(result)
    assert not failed_checks(result)
    return result, warehouse


@pytest.fixture(scope="session")
def built(run: tuple[dg.ExecuteInProcessResult, Path]) -> Path:
    """The published store of the sample run."""
    return run[1].with_name("published.duckdb")
