"""The landing sensor: a run for the sources whose files are new, changed or removed.

A removed file is withdrawn by the run it triggers: its source's ingest assets find it gone and take its
rows out (``pipelines/withdraw.py``), and the marts, published file and reports downstream are rebuilt.

The cursor remembers, per source, each file's SHA-256 (with its size and mtime so an untouched file is
not re-hashed every tick: national files are gigabytes). A tick compares the landing folder with the
cursor, requests one run selecting the changed sources' groups plus everything downstream, and moves the
cursor. The run key is a hash of the changed files and their new hashes, so the same change never
launches the same work twice, even if a tick is evaluated again.
"""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from pipelines.chorus_resource import ChorusResource
from pipelines.defs.automation.schedules import refresh_all_job
from pipelines.ingest import scan_landing, sha256_of
from schemas.settings import SOURCES

# Per source: relative path -> [sha256, bytes, mtime_ns].
Snapshot = dict[str, dict[str, list]]


def load_cursor(cursor: str | None) -> Snapshot:
    """The cursor as a snapshot; an empty or unreadable cursor means "nothing seen yet"."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def snapshot_landing(landing_dir: Path, previous: Snapshot, sources: Iterable[str] = SOURCES) -> Snapshot:
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
    watched = [source for source in SOURCES if source in groups]
    previous = load_cursor(context.cursor)
    current = snapshot_landing(landing, previous, watched)
    changes = changed_files({s: previous.get(s, {}) for s in watched}, current)
    cursor = json.dumps(current, sort_keys=True)
    if not changes:
        return dg.SensorResult(skip_reason="no new or changed files", cursor=cursor)

    sources = sorted(changes)
    selected = dg.AssetSelection.groups(*sources).downstream().resolve(graph)
    keys = sorted((k for k in selected if graph.get(k).is_executable), key=lambda k: k.to_user_string())
    files = sum(len(v) for v in changes.values())
    # A removed file is withdrawn by its source's ingest assets in this run (pipelines/withdraw.py).
    removed = sum(1 for v in changes.values() for sha in v.values() if sha is None)
    context.log.info(
        f"{files} changed file(s) ({removed} removed, to be withdrawn) in {', '.join(sources)}: "
        f"requesting {len(keys)} asset(s)"
    )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key_for(changes),
                asset_selection=keys,
                tags={
                    "chorus/trigger": "landing",
                    "chorus/sources": ",".join(sources),
                    "chorus/removed_files": str(removed),
                },
            )
        ],
        cursor=cursor,
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
