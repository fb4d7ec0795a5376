"""The code location the Postgres test's daemon serves: Chorus's reference assets and their checks, with
one job, and no sensors or schedules (those would start runs of their own during the test)."""

import dagster as dg

import pipelines.definitions as chorus_definitions


def _reference_only() -> dg.Definitions:
    chorus = chorus_definitions.defs()
    return dg.Definitions(
        assets=chorus.assets,
        asset_checks=chorus.asset_checks,
        jobs=[dg.define_asset_job("reference_refresh", selection=dg.AssetSelection.groups("reference"))],
        resources=chorus.resources,
        executor=chorus.executor,
    )


defs = _reference_only()
