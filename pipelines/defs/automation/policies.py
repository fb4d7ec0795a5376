"""Freshness policies and automation conditions, applied to other domains' assets in one place.

Applied from ``pipelines/definitions.py`` with ``Definitions.map_asset_specs`` so the ingest and mart
modules stay free of scheduling concerns, and the whole automation story is read in one folder.
"""

from datetime import timedelta

import dagster as dg

from pipelines.sources.registry import source_names

# A source that has not been looked at for 36 hours has missed a nightly run (02:00) and then some:
# the UI shows it as failing freshness. Warn after 26 hours, i.e. one missed night plus slack.
SOURCE_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=36), warn_window=timedelta(hours=26)
)

# Groups whose assets are derived from the sources: rebuilt eagerly when anything upstream updates, so
# a source materialised by hand in the UI still flows through to the marts and the published file.
DERIVED_GROUPS: tuple[str, ...] = ("marts", "publish")


def _with_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Keep a freshness policy someone set on purpose; otherwise add the 36-hour source policy."""
    if spec.freshness_policy is not None:
        return spec
    return spec.replace_attributes(freshness_policy=SOURCE_FRESHNESS)


def _with_eager(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Eager: run after any upstream update, never while upstream is missing or in progress.

    Safe alongside the schedule and the sensor, whose runs already include everything downstream: an
    asset materialised after its parents in the same run is "handled" and not requested again.
    """
    if spec.automation_condition is not None:
        return spec
    return spec.replace_attributes(automation_condition=dg.AutomationCondition.eager())


def _apply(spec: dg.AssetSpec) -> dg.AssetSpec:
    if spec.group_name in source_names():
        return _with_freshness(spec)
    if spec.group_name in DERIVED_GROUPS:
        return _with_eager(spec)
    return spec


def apply_policies(definitions: dg.Definitions) -> dg.Definitions:
    """Freshness on every executable asset of the source groups; eager conditions on derived groups.

    Rebuilds the ``Definitions`` with mapped assets rather than calling ``Definitions.map_asset_specs``
    (a preview API in 1.13). Placeholder specs (an asset another domain has not built yet) are left
    alone: they cannot be refreshed, so a freshness policy on them would only ever show red.
    """
    assets = [
        dg.map_asset_specs(_apply, [item])[0]
        if isinstance(item, dg.AssetsDefinition) and item.is_executable
        else item
        for item in definitions.assets or []
    ]
    return dg.Definitions(
        assets=assets,
        asset_checks=definitions.asset_checks,
        schedules=definitions.schedules,
        sensors=definitions.sensors,
        jobs=definitions.jobs,
        resources=definitions.resources,
        executor=definitions.executor,
        loggers=definitions.loggers,
        metadata=definitions.metadata,
    )
