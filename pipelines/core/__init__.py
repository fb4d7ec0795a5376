"""The ground floor: the DuckDB store, SQL quoting, build fingerprints, Markdown tables, typed periods."""
