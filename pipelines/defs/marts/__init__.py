"""Analyst-facing marts."""
