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
from collections.abc import Callable, Iterable
from pathlib import Path

import dagster as dg

from pipelines.defs.automation.schedules import refresh_all_job
from pipelines.ingest.files import scan_landing, sha256_of
from pipelines.lib.resources import ChorusResource
from pipelines.sources.registry import source_names

# Per source: relative path -> [sha256, bytes, mtime_ns].
Snapshot = dict[str, dict[str, list]]

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


def loaded_in_ledger(warehouse: Path) -> dict[str, str] | None:
    """Path -> SHA-256 of every file the store has loaded; ``{}`` without a store, ``None`` while it is busy.

    Read-only and without waiting: a sensor tick must be quick, and a busy store is simply tried again
    on the next tick.
    """
    from pipelines.core.store import StoreLocked, open_store

    if not warehouse.exists():
        return {}
    try:
        with open_store(warehouse, read_only=True, lock_wait_seconds=0) as con:
            return dict(
                con.execute("SELECT path, sha256 FROM meta.ingest_ledger WHERE status = 'loaded'").fetchall()
            )
    except StoreLocked:
        return None


def baseline_from_ledger(current: Snapshot, loaded: dict[str, str]) -> Snapshot:
    """The first tick's "already seen": each file the ledger holds as loaded with the same content.

    So `make ui` after `make demo` requests nothing for what the demo just built, and only files the
    store does not hold (new, changed, rejected) start a run.
    """
    baseline: Snapshot = {}
    for source, files in current.items():
        seen = {rel: entry for rel, entry in files.items() if loaded.get(rel) == entry[0]}
        if seen:
            baseline[source] = seen
    return baseline


def _latest_run_status(context: dg.SensorEvaluationContext) -> Callable[[str], str | None]:
    def status(run_key: str) -> str | None:
        runs = context.instance.get_runs(filters=dg.RunsFilter(tags={"dagster/run_key": run_key}), limit=1)
        return runs[0].status.value if runs else None

    return status


def snapshot_landing(
    landing_dir: Path, previous: Snapshot, sources: Iterable[str] = source_names()
) -> Snapshot:
    """Each source's data files with their hashes, re-hashing only files whose size or mtime moved.

    The scan is the ingest's own (``scan_landing``): links out of the landing folder and temporary names
    are not read (the link is listed as refused, so a run records the refusal). A file still changing
    (inside the settle interval) keeps what the cursor knew of it (nothing, if new), so it is seen as
    changed on the tick after it settles. A file that cannot be read is listed as unreadable (a run
    records why) and never stops the scan of the others.
    """
    snapshot: Snapshot = {}
    for source in sources:
        seen = previous.get(source, {})
        files: dict[str, list] = {}
        scan = scan_landing(landing_dir, source)
        for path in scan.unsettled:
            rel = path.relative_to(landing_dir).as_posix()
            if rel in seen:
                files[rel] = seen[rel]
        for refused in scan.refused:  # a run records the refusal in the ledger
            files[refused.rel_path] = ["refused: link out of the landing folder", 0, 0]
        for path in scan.files:
            rel = path.relative_to(landing_dir).as_posix()
            old = seen.get(rel)
            stat = path.stat()
            if old and old[1] == stat.st_size and old[2] == stat.st_mtime_ns:
                files[rel] = old
                continue
            try:
                files[rel] = [sha256_of(path), stat.st_size, stat.st_mtime_ns]
            except OSError:  # unreadable: a run records why in the ledger; readable later, it changes again
                files[rel] = ["unreadable", stat.st_size, stat.st_mtime_ns]
        if files:
            snapshot[source] = files
    return snapshot


def changed_files(previous: Snapshot, current: Snapshot) -> dict[str, dict[str, str | None]]:
    """Per changed source: relative path -> new sha256 (``None`` for a removed file). By content only."""
    changes: dict[str, dict[str, str | None]] = {}
    for source in sorted(set(previous) | set(current)):
        old = {rel: entry[0] for rel, entry in previous.get(source, {}).items()}
        new = {rel: entry[0] for rel, entry in current.get(source, {}).items()}
        diff = {rel: new.get(rel) for rel in sorted(set(old) | set(new)) if old.get(rel) != new.get(rel)}
        if diff:
            changes[source] = diff
    return changes


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
