"""Shared helpers for the GPPS tests: a store with a tiny practice geography, and one-call ingests."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import duckdb

from pipelines.core.store import open_store
from pipelines.ingest.ledger import IngestReport
from pipelines.ingest.loop import ingest_source
from pipelines.sources.gpps import readers as L
from pipelines.sources.reference import readers as R

FIXTURES = Path(__file__).parent / "fixtures"
DERIVED_SQL = R.DERIVED_SQL

# (extract date, era, practice, sub-ICB / CCG, ICB / STP): the fixtures' practices are real ODS codes.
GEOGRAPHY = [
    ("2017-04-01", "CCG", code, "00K", "Q74") for code in ("A81001", "A81002", "A81003", "A81004")
] + [("2022-07-01", "ICB", code, "16C", "QHM") for code in ("A81001", "A81002", "A81003", "A81004")]


def seed_geography(
    con: duckdb.DuckDBPyConnection, rows: Iterable[tuple[str, str, str, str, str]] = GEOGRAPHY
) -> None:
    """Create the reference tables and a small practice geography with its validity spans."""
    R.ensure_reference_tables(con)
    con.executemany(
        """INSERT INTO ref.practice_geography (extract_date, geography_era, practice_code, pcn_code, sub_icb_code,
                                               icb_code, source_file, file_sha256, source_row)
           VALUES (?, ?, ?, 'U13401', ?, ?, 'test', 'test', 1)""",
        [(d, era, code, sub, icb) for d, era, code, sub, icb in rows],
    )
    con.execute(DERIVED_SQL.read_text())


def landing_with(tmp_path: Path, *files: Path | tuple[Path, str]) -> Path:
    """A landing folder holding copies of ``files`` under ``gpps/`` (optionally renamed)."""
    landing = tmp_path / "landing"
    (landing / "gpps").mkdir(parents=True, exist_ok=True)
    for item in files:
        source, name = item if isinstance(item, tuple) else (item, item.name)
        shutil.copy(source, landing / "gpps" / name)
    return landing


def ingest(warehouse: Path, landing: Path, geography: bool = True) -> IngestReport:
    """Run every GPPS layout over the landing folder, as the assets do."""
    with open_store(warehouse) as con:
        if (
            geography
            and not con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'practice_geography'"
            ).fetchone()[0]
        ):
            seed_geography(con)
        L.prepare(con)
        return ingest_source(con, landing, "gpps", L.GPPS_LAYOUTS)
