"""The nightly refresh: every source, everything downstream, at 02:00 UK time."""

import dagster as dg

# Every executable asset and its checks. Ingestion skips files whose SHA-256 is already in the ledger,
# so a night with no new files re-reads nothing and finishes quickly; the marts and the published file
# are rebuilt from the (unchanged) store, which is cheap and keeps their freshness honest.
refresh_all_job = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Refresh every source from CHORUS_LANDING_DIR and rebuild everything downstream.",
    tags={"chorus/area": "automation"},
)

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=refresh_all_job,
    cron_schedule="0 2 * * *",
    # Europe/London, not UTC: 02:00 local all year round, so it stays clear of the working day in BST.
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    tags={"chorus/trigger": "nightly"},
    description="02:00 Europe/London: refresh all sources (unchanged files are skipped by hash) and rebuild downstream.",
)
