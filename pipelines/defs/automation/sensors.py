"""The landing sensor: a run for the sources whose files are new, changed or removed.

A removed file is withdrawn by the run it triggers: its source's ingest assets find it gone and take its
rows out (``pipelines/ingest/withdraw.py``), and the marts, published file and reports downstream are rebuilt.

The cursor remembers, per source, each file's SHA-256 (with its size and mtime so an untouched file is
not re-hashed every tick: national files are gigabytes). A tick compares the landing folder with the
cursor, requests one run selecting the changed sources' groups plus everything downstream, and moves the
cursor. The run key is a hash of the changed files and their new hashes, so the same change never
launches the same work twice, even if a tick is evaluated again.

A change is only settled when its run succeeds. The cursor keeps each requested run's key with the
sources' previous files (``_pending``); a later tick looks the run up: while it is queued or running, its
sources wait; when it succeeded, the change is done; when it failed (a held lock, a crash), the sources go
back to their previous files so the same change is requested again, under a new key, up to
``MAX_ATTEMPTS`` times. Then the sensor gives up on it, says so, and leaves it to the nightly refresh.
"""

import hashlib
import json
from collections.abc import Callable

import dagster as dg

from pipelines.defs.automation.schedules import refresh_all_job
from pipelines.ingest.changes import (
    Snapshot,
    baseline_from_ledger,
    changed_files,
    loaded_in_ledger,
    snapshot_landing,
)
from pipelines.lib.resources import ChorusResource
from pipelines.sources.registry import source_names

# Cursor key (beside the sources) for runs requested but not yet known to have succeeded:
# run key -> {"sources": {source: files before the change}, "base": run key of the change, "attempt": n}.
PENDING = "_pending"
MAX_ATTEMPTS = 3
IN_FLIGHT = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING", "MANAGED"}
FAILED = {"FAILURE", "CANCELED"}


def load_cursor(cursor: str | None) -> Snapshot:
    """The cursor as a snapshot; an empty or unreadable cursor means "nothing seen yet"."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def settle_pending(
    cursor: dict, run_status: Callable[[str], str | None]
) -> tuple[set[str], list[tuple[str, int]], list[str]]:
    """Look up the runs the cursor is waiting for; roll back the sources of failed ones (in place).

    ``run_status(run_key)`` is the latest run's status name for that key, ``None`` if there is none.
    Returns the sources still waiting on a run, the (base key, next attempt) of changes to retry, and
    the base keys given up on after ``MAX_ATTEMPTS``.
    """
    waiting: set[str] = set()
    retry: list[tuple[str, int]] = []
    given_up: list[str] = []
    for key, entry in list(cursor.get(PENDING, {}).items()):
        status = run_status(key)
        if status in IN_FLIGHT:
            waiting.update(entry["sources"])
            continue
        del cursor[PENDING][key]
        if status not in FAILED:  # succeeded, or never launched (nothing to wait for)
            continue
        if entry["attempt"] + 1 >= MAX_ATTEMPTS:
            given_up.append(entry["base"])
            continue
        for source, files in entry["sources"].items():
            if files:
                cursor[source] = files
            else:
                cursor.pop(source, None)
        retry.append((entry["base"], entry["attempt"] + 1))
    return waiting, retry, given_up


def _latest_run_status(context: dg.SensorEvaluationContext) -> Callable[[str], str | None]:
    def status(run_key: str) -> str | None:
        runs = context.instance.get_runs(filters=dg.RunsFilter(tags={"dagster/run_key": run_key}), limit=1)
        return runs[0].status.value if runs else None

    return status


def run_key_for(changes: dict[str, dict[str, str | None]]) -> str:
    """A stable key for a set of changes: the same files with the same content give the same key."""
    digest = hashlib.sha256(json.dumps(changes, sort_keys=True).encode()).hexdigest()
    return f"landing-{digest[:32]}"


@dg.sensor(
    name="landing_sensor",
    job=refresh_all_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches CHORUS_LANDING_DIR: when a source's files are new, changed (by SHA-256) or removed, "
        "starts one run of those sources' groups and everything downstream."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, chorus: ChorusResource) -> dg.SensorResult:
    landing = chorus.settings().landing_dir
    if not landing.is_dir():
        return dg.SensorResult(
            skip_reason=f"landing folder {landing} does not exist (set CHORUS_LANDING_DIR)"
        )
    graph = context.repository_def.asset_graph
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    # Only sources with an asset group are watched: files for a domain not built yet stay "unseen", so
    # they trigger a run as soon as the domain's assets exist rather than being silently absorbed.
    watched = [source for source in source_names() if source in groups]
    previous = load_cursor(context.cursor)
    if context.cursor is None:
        loaded = loaded_in_ledger(chorus.settings().warehouse)
        if loaded is None:
            return dg.SensorResult(skip_reason="the working store is busy; looking again on the next tick")
        previous = baseline_from_ledger(snapshot_landing(landing, {}, watched), loaded)
    waiting, retry, given_up = settle_pending(previous, _latest_run_status(context))
    for base in given_up:
        context.log.warning(f"{base}: failed {MAX_ATTEMPTS} times; left to the nightly refresh")
    attempts = dict(retry)
    pending = previous.get(PENDING, {})
    # Sources whose run is still queued or running are left as they are until it ends.
    free = [source for source in watched if source not in waiting]
    current = {s: previous[s] for s in watched if s in waiting and s in previous}
    current.update(snapshot_landing(landing, previous, free))
    changes = changed_files({s: previous.get(s, {}) for s in free}, {s: current.get(s, {}) for s in free})
    if not changes:
        cursor = json.dumps({**current, PENDING: pending}, sort_keys=True)
        reason = "no new or changed files" + (
            f" (runs in progress for {', '.join(sorted(waiting))})" if waiting else ""
        )
        return dg.SensorResult(skip_reason=reason, cursor=cursor)

    sources = sorted(changes)
    selected = dg.AssetSelection.groups(*sources).downstream().resolve(graph)
    keys = sorted((k for k in selected if graph.get(k).is_executable), key=lambda k: k.to_user_string())
    files = sum(len(v) for v in changes.values())
    base = run_key_for(changes)
    attempt = attempts.get(base, 0)
    # A retried change needs a new key: Dagster never launches a run key twice.
    run_key = base if attempt == 0 else f"{base}-retry{attempt}"
    pending[run_key] = {
        "sources": {s: previous.get(s, {}) for s in sources},
        "base": base,
        "attempt": attempt,
    }
    # A removed file is withdrawn by its source's ingest assets in this run (pipelines/ingest/withdraw.py).
    removed = sum(1 for v in changes.values() for sha in v.values() if sha is None)
    context.log.info(
        f"{files} changed file(s) ({removed} removed, to be withdrawn) in {', '.join(sources)}: "
        f"requesting {len(keys)} asset(s)"
        + (f" (attempt {attempt + 1} after a failed run)" if attempt else "")
    )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key,
                asset_selection=keys,
                tags={
                    "chorus/trigger": "landing",
                    "chorus/sources": ",".join(sources),
                    "chorus/removed_files": str(removed),
                },
            )
        ],
        cursor=json.dumps({**current, PENDING: pending}, sort_keys=True),
    )


# Evaluates the assets' AutomationConditions (the eager marts and published store, see policies.py).
# Declared here so it is on by default under `make ui` and visible beside the other automation.
automation_conditions = dg.AutomationConditionSensorDefinition(
    "chorus_automation_conditions",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Runs derived assets (marts, published store) after anything upstream of them updates.",
)
