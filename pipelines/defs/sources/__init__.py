"""Ingest assets for every registered source, built from the registry."""
