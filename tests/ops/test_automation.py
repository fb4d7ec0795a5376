"""Automation: the nightly schedule, the landing sensor's cursor and run keys, freshness, conditions."""

import json
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.automation.schedules import nightly_refresh
from pipelines.defs.automation.sensors import MAX_ATTEMPTS, PENDING, landing_sensor, settle_pending
from pipelines.lib.resources import ChorusResource
from pipelines.sources.registry import source_names


def test_nightly_schedule_runs_at_two_in_the_morning_uk_time(all_definitions: dg.Definitions) -> None:
    schedule = all_definitions.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    job = all_definitions.resolve_job_def(schedule.job_name)
    graph = all_definitions.resolve_asset_graph()
    executable = {k for k in graph.get_all_asset_keys() if graph.get(k).is_executable}
    assert executable <= set(job.asset_layer.selected_asset_keys), "the nightly job must refresh every asset"
    assert nightly_refresh.name == "nightly_refresh"


def test_sensors_are_on_by_default(all_definitions: dg.Definitions) -> None:
    for name in ("landing_sensor", "chorus_automation_conditions"):
        assert all_definitions.resolve_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


def test_ingest_assets_have_a_36_hour_freshness_policy(all_definitions: dg.Definitions) -> None:
    graph = all_definitions.resolve_asset_graph()
    source_assets = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).group_name in source_names() and graph.get(k).is_executable
    ]
    assert source_assets
    for key in source_assets:
        policy = graph.get(key).freshness_policy
        assert policy is not None, key
        assert policy.fail_window.to_timedelta().total_seconds() == 36 * 3600, key


def test_derived_assets_are_eager_and_nothing_uses_auto_materialize_policy(
    all_definitions: dg.Definitions,
) -> None:
    graph = all_definitions.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in ("marts", "publish") and node.is_executable:
            assert node.automation_condition is not None, key
            assert node.automation_condition.get_label() == "eager", key
    assert graph.get(dg.AssetKey("published_store")).automation_condition is not None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A landing folder with reference files (the sensor reads CHORUS_LANDING_DIR at tick time)."""
    folder = tmp_path / "landing"
    _write(folder / "reference" / "epraccur.csv", "a,b\n1,2\n")
    _write(folder / "reference" / "etr.csv", "c,d\n3,4\n")
    _write(folder / "reference" / "README.txt.bak", "not a data file")
    monkeypatch.setenv("CHORUS_LANDING_DIR", str(folder))
    # No store yet (the first tick reads the store's ledger): never the project's own.
    monkeypatch.setenv("CHORUS_WAREHOUSE", str(tmp_path / "store" / "chorus.duckdb"))
    return folder


def tick(
    definitions: dg.Definitions, cursor: str | None, instance: dg.DagsterInstance | None = None
) -> dg.SensorResult:
    context = dg.build_sensor_context(
        cursor=cursor,
        definitions=definitions,
        resources={"chorus": ChorusResource()},
        instance=instance or dg.DagsterInstance.ephemeral(),
    )
    result = landing_sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def test_sensor_requests_new_sources_then_nothing_then_only_what_changed(
    all_definitions: dg.Definitions, landing: Path
) -> None:
    graph = all_definitions.resolve_asset_graph()
    first = tick(all_definitions, None)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert request.tags["chorus/sources"] == "reference"
    selected = set(request.asset_selection)
    reference = {k for k in graph.get_all_asset_keys() if graph.get(k).group_name == "reference"}
    assert reference <= selected
    cursor = json.loads(first.cursor)
    assert set(cursor["reference"]) == {"reference/epraccur.csv", "reference/etr.csv"}

    second = tick(all_definitions, first.cursor)
    assert not second.run_requests
    assert second.skip_reason

    # Touching a file without changing its content is not a change (content hash, not mtime).
    (landing / "reference" / "etr.csv").write_text("c,d\n3,4\n")
    assert not tick(all_definitions, second.cursor).run_requests

    (landing / "reference" / "etr.csv").write_text("c,d\n3,5\n")
    third = tick(all_definitions, second.cursor)
    assert len(third.run_requests) == 1
    assert third.run_requests[0].run_key != request.run_key
    assert third.run_requests[0].tags["chorus/sources"] == "reference"

    # Evaluating the same change again (a retried tick) gives the same run key: no duplicate work.
    again = tick(all_definitions, second.cursor)
    assert again.run_requests[0].run_key == third.run_requests[0].run_key


def test_sensor_selects_only_the_changed_source_and_its_downstream(
    all_definitions: dg.Definitions, landing: Path
) -> None:
    """With two sources watched, changing one file requests only that source's group (plus downstream)."""
    graph = all_definitions.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    other = next((s for s in source_names() if s != "reference" and s in groups), None)
    if other is None:
        pytest.skip("only the reference source has assets so far")
    _write(landing / other / "new.csv", "x\n1\n")
    first = tick(all_definitions, None)
    assert set(first.run_requests[0].tags["chorus/sources"].split(",")) == {"reference", other}

    (landing / other / "new.csv").write_text("x\n2\n")
    second = tick(all_definitions, first.cursor)
    assert second.run_requests[0].tags["chorus/sources"] == other
    selected = set(second.run_requests[0].asset_selection)
    expected = dg.AssetSelection.groups(other).downstream().resolve(graph)
    assert selected == {k for k in expected if graph.get(k).is_executable}
    assert not any(graph.get(k).group_name == "reference" for k in selected)


def test_sensor_treats_a_removed_file_as_a_change(all_definitions: dg.Definitions, landing: Path) -> None:
    first = tick(all_definitions, None)
    (landing / "reference" / "etr.csv").unlink()
    second = tick(all_definitions, first.cursor)
    assert len(second.run_requests) == 1
    assert "reference/etr.csv" not in json.loads(second.cursor)["reference"]
    # The run withdraws the file (the source's ingest assets) and republishes everything built from it.
    selected = set(second.run_requests[0].asset_selection)
    assert dg.AssetKey(["ref", "nhs_trusts"]) in selected
    assert {dg.AssetKey("published_store"), dg.AssetKey("inequalities_report")} <= selected
    assert dg.AssetKey(["meta", "validation_report"]) in selected
    assert second.run_requests[0].tags["chorus/removed_files"] == "1"


def test_sensor_skips_when_the_landing_folder_is_missing(
    all_definitions: dg.Definitions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUS_LANDING_DIR", str(tmp_path / "nowhere"))
    result = tick(all_definitions, None)
    assert not result.run_requests
    assert result.skip_reason is not None
    assert "does not exist" in (result.skip_reason.skip_message or "")


def record_run(instance: dg.DagsterInstance, run_key: str, succeed: bool) -> None:
    """A finished run carrying ``run_key``, as the daemon would have launched for the request."""

    @dg.op
    def refresh() -> None:
        if not succeed:
            raise RuntimeError('IO Error: Could not set lock on file "chorus.duckdb"')

    @dg.job
    def landing_run() -> None:
        refresh()

    landing_run.execute_in_process(instance=instance, tags={"dagster/run_key": run_key}, raise_on_error=False)


def test_sensor_requests_a_change_again_when_its_run_failed(
    all_definitions: dg.Definitions, landing: Path
) -> None:
    """A run that failed (e.g. on a held lock) does not swallow the change: the next tick asks again."""
    with dg.DagsterInstance.ephemeral() as instance:
        first = tick(all_definitions, None, instance)
        key = first.run_requests[0].run_key
        record_run(instance, key, succeed=False)

        retried = tick(all_definitions, first.cursor, instance)
        assert len(retried.run_requests) == 1, "the failed change must be requested again"
        retry = retried.run_requests[0]
        assert retry.run_key != key and retry.run_key.startswith(key), "a new key, or Dagster would skip it"
        assert retry.tags["chorus/sources"] == "reference"

        record_run(instance, retry.run_key, succeed=True)
        settled = tick(all_definitions, retried.cursor, instance)
        assert not settled.run_requests, "a change whose run succeeded is done"
        assert json.loads(settled.cursor)[PENDING] == {}


def test_sensor_gives_up_on_a_change_after_repeated_failures(
    all_definitions: dg.Definitions, landing: Path
) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = tick(all_definitions, None, instance)
        keys = []
        while result.run_requests:
            keys.append(result.run_requests[0].run_key)
            record_run(instance, keys[-1], succeed=False)
            result = tick(all_definitions, result.cursor, instance)
        assert len(keys) == MAX_ATTEMPTS, "bounded: a file that always fails is not retried every minute"


def test_sensor_waits_for_a_run_in_progress_before_requesting_its_sources_again(
    all_definitions: dg.Definitions, landing: Path
) -> None:
    def in_progress(run_key: str) -> str:
        return "STARTED"

    cursor = json.loads(tick(all_definitions, None).cursor)
    waiting, retry, given_up = settle_pending(cursor, in_progress)
    assert waiting == {"reference"} and not retry and not given_up
    assert len(cursor[PENDING]) == 1, "still pending while the run is in progress"


def test_the_first_tick_requests_nothing_the_store_already_loaded(
    all_definitions: dg.Definitions, landing: Path, tmp_path: Path
) -> None:
    """`make ui` after `make demo`: files the ledger holds as loaded (same content) are not rebuilt."""
    from pipelines.core.store import open_store
    from pipelines.ingest.files import sha256_of

    store = tmp_path / "store" / "chorus.duckdb"
    with open_store(store) as con:
        for rel in ("reference/epraccur.csv", "reference/etr.csv"):
            con.execute(
                """INSERT INTO meta.ingest_ledger (path, source, sha256, bytes, started_at, status)
                   VALUES (?, 'reference', ?, 1, now(), 'loaded')""",
                [rel, sha256_of(landing / rel)],
            )
    first = tick(all_definitions, None)
    assert not first.run_requests, "the demo's files were requested again"
    assert set(json.loads(first.cursor)["reference"]) == {"reference/epraccur.csv", "reference/etr.csv"}

    # A file whose content differs from what the store loaded is a change, even on the first tick.
    (landing / "reference" / "etr.csv").write_text("c,d\n3,9\n")
    with open_store(store) as con:
        con.execute("DELETE FROM meta.ingest_ledger WHERE path = 'reference/epraccur.csv'")
    again = tick(all_definitions, None)
    assert len(again.run_requests) == 1 and again.run_requests[0].tags["chorus/sources"] == "reference"
