"""Readers for each source: layouts, their SQL, and the row rules they apply. No Dagster here."""
