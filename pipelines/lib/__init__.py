"""Dagster glue shared by the definitions: resources, the ingest-asset factory, SQL asset checks, metadata."""
