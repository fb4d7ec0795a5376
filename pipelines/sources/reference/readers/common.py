"""What every reference layout shares: the tables, staging a CSV without Excel's trailing blank rows, the
first row of a header-less file, and how a layout is declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import Layout, Loader
from pipelines.ingest.files import LandingFile, read_first_row
from pipelines.sources.shared.as_arrived import readable_csv

HERE = Path(__file__).parents[1]
READERS_DIR = Path(__file__).parent
TABLES_SQL = (HERE / "tables.sql").read_text()
# The reference tables derived from every loaded file (rebuilt by the derived_reference asset).
DERIVED_SQL = HERE / "derived.sql"


def _stage(
    con: duckdb.DuckDBPyConnection, f: LandingFile, target: str, **options: object
) -> tuple[int, list[str]]:
    """``stage_csv`` with trailing blank lines (Excel's empty ",,,," rows) cut off; returns rows and notes."""
    with readable_csv(f) as (readable, notes):
        return stage_csv(con, readable, target, **options), notes  # type: ignore[arg-type]


def ensure_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the reference tables if they are missing."""
    con.execute(TABLES_SQL)


def _first_fields(landing_file: LandingFile) -> list[str]:
    """The fields of a file's first row (ODS files have no header: this is their first record)."""
    return read_first_row(landing_file.path, landing_file.text_encoding())


def _layout(name: str, description: str, table: str, load: Loader, **kwargs: Any) -> Layout:
    """A reference layout writing ``table``; ``kwargs`` are Layout's other fields (signature, sniff ...)."""
    raw_tables = ("raw.reference_epraccur",) if name == "ods_epraccur" else ()
    return Layout(
        name=name,
        source="reference",
        description=description,
        tables=(*raw_tables, table),
        load=load,
        **kwargs,
    )
