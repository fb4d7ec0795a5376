"""The production instance config (deploy/dagster.production.yaml) passes Dagster's own loader.

``dagster_instance_config`` is what ``DagsterInstance.get()`` runs on ``$DAGSTER_HOME/dagster.yaml``: it
checks the whole file against the instance schema (unknown keys fail, Postgres storage has a built-in
schema) plus the cross-field rules (e.g. ``concurrency.runs`` vs the coordinator's own limits). The
pluggable classes (run coordinator, launcher) are then imported and their ``config`` validated against
their ``config_type()``, as the instance does when it builds them. dagster-postgres need not be installed.
"""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import validate_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import class_from_code_pointer

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = REPO / "deploy" / "dagster.production.yaml"
DEVELOPMENT = REPO / "dagster.yaml"
PLUGGABLE = ("run_coordinator", "run_launcher")


def load_instance_config(text: str, home: Path) -> dict[str, Any]:
    """Validate ``text`` as ``$DAGSTER_HOME/dagster.yaml`` the way an instance would; raise if invalid."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(text)
    config, _ = dagster_instance_config(str(home))
    for field in PLUGGABLE:
        if field not in config:
            continue
        klass = class_from_code_pointer(config[field]["module"], config[field]["class"])
        result = validate_config(klass.config_type(), config[field].get("config") or {})
        if not result.success:
            raise DagsterInvalidConfigError(f"invalid {field} config", result.errors, config[field])
    return dict(config)


def mutated(path: list[str], value: Any, delete: str | None = None) -> str:
    """The production file with one value set (or one key renamed into a typo)."""
    data = yaml.safe_load(PRODUCTION.read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    if delete is not None:
        node[path[-1]] = node.pop(delete)
    else:
        node[path[-1]] = value
    return yaml.safe_dump(copy.deepcopy(data))


def test_production_config_loads(tmp_path: Path) -> None:
    config = load_instance_config(PRODUCTION.read_text(), tmp_path / "home")
    assert set(config["storage"]) == {"postgres"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["run_monitoring"]["enabled"] is True
    assert config["run_retries"] == {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False}
    assert config["telemetry"] == {"enabled": False}


def test_development_config_loads(tmp_path: Path) -> None:
    """The repo's own dagster.yaml (used by `make ui` / `make demo`) passes the same loader."""
    config = load_instance_config(DEVELOPMENT.read_text(), tmp_path / "home")
    assert config["concurrency"]["pools"]["default_limit"] == 1


def test_password_is_not_in_the_file() -> None:
    postgres = yaml.safe_load(PRODUCTION.read_text())["storage"]["postgres"]["postgres_db"]
    assert postgres["password"] == {"env": "DAGSTER_PG_PASSWORD"}


@pytest.mark.parametrize(
    ("path", "value", "rename_from"),
    [
        (["run_monitorin"], None, "run_monitoring"),  # top-level typo
        (["run_monitoring", "enabeld"], None, "enabled"),  # nested typo
        (["storage", "postgres", "postgres_db", "usernme"], None, "username"),  # Postgres schema
        (
            ["run_coordinator", "config", "dequeue_interval_secs"],
            None,
            "dequeue_interval_seconds",
        ),  # class config
        (["run_monitoring", "poll_interval_seconds"], "thirty", None),  # wrong type
        (["run_coordinator", "config", "max_concurrent_runs"], 2, None),  # conflicts with concurrency.runs
    ],
    ids=["top-level-typo", "nested-typo", "postgres-typo", "coordinator-typo", "wrong-type", "conflict"],
)
def test_a_broken_key_fails(tmp_path: Path, path: list[str], value: Any, rename_from: str | None) -> None:
    text = mutated(path, value, delete=rename_from)
    with pytest.raises(DagsterInvalidConfigError):
        load_instance_config(text, tmp_path / "home")


def test_the_mutation_helper_changes_nothing_when_asked_to_rename_a_key_to_itself(tmp_path: Path) -> None:
    """Guards the test above: a no-op mutation of the file must still load."""
    load_instance_config(mutated(["run_monitoring", "enabled"], None, delete="enabled"), tmp_path / "home")
