"""Chorus: patient experience from every channel, in one DuckDB store."""
