"""One ingest asset per table of every registered source (``pipelines.sources.registry``), in its group."""

import dagster as dg

from pipelines.lib.ingest_asset import source_ingest_asset
from pipelines.sources.registry import ingest_tables


def ingest_assets() -> list[dg.AssetsDefinition]:
    """The ingest assets of every registered source: files of a table's layouts → that table."""
    return [source_ingest_asset(spec, table) for spec, table in ingest_tables()]


defs = dg.Definitions(assets=ingest_assets())
