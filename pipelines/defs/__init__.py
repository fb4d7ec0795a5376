"""Dagster definitions, one folder per source or stage; loaded by ``pipelines.definitions``."""
