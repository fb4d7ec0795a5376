"""What every GPPS layout shares: the tables and parsing macros, the survey year of a file, the practice
geography of a year, and the suppression markers a published cell may hold.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb

from pipelines.core.sql import literal_list, run_sql_file, sql_file
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.sources.gpps.catalogue import load_catalogue
from pipelines.sources.shared.geography import GEOGRAPHY_SQL
from schemas.people import ensure_people_vocabulary

HERE = Path(__file__).parents[1]
READERS_DIR = Path(__file__).parent
TABLES_SQL = (HERE / "tables.sql").read_text()
HEADER_MAP_CSV = HERE / "respondent_headers.csv"

# Suppression markers, said once: a published cell holding one of these is a figure held back, not an
# error. As text: blank, an asterisk or a dash; as a number: one of the negative sentinel codes.
SUPPRESSION_TEXT = ("", "*", "-")
SUPPRESSION_CODES = (-97, -98, -99)
SUPPRESSION_TEXT_SQL = f"({literal_list(SUPPRESSION_TEXT)})"
SENTINELS = f"({literal_list(SUPPRESSION_CODES)})"
# The markers as a reader is told them: "-97/-98/-99, *, -, blank".
SUPPRESSION_MARKERS = ", ".join(
    ["/".join(str(code) for code in SUPPRESSION_CODES), *(m for m in SUPPRESSION_TEXT if m), "blank"]
)


def _migrate_wide_results(con: duckdb.DuckDBPyConnection) -> None:
    """Stores made before ``staged.gpps_organisations``: move the per-organisation columns out of the
    long table (names, parents, generation, file hash) and keep the slim shape; no file is re-read."""
    old = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'staged' "
        "AND table_name = 'gpps_results' AND column_name = 'file_sha256'"
    ).fetchone()[0]
    if not old:
        return
    con.execute("ALTER TABLE staged.gpps_results RENAME TO gpps_results_wide_old")
    con.execute(TABLES_SQL)
    con.execute(
        """INSERT INTO staged.gpps_organisations BY NAME
           SELECT DISTINCT survey_year, generation, series, level, org_code, org_name, pcn_code, ccg_code, ics_code,
                  source_file, file_sha256, source_row FROM staged.gpps_results_wide_old"""
    )
    con.execute("INSERT INTO staged.gpps_results BY NAME SELECT * EXCLUDE (generation, org_name, pcn_code, ccg_code, "
                "ics_code, file_sha256) FROM staged.gpps_results_wide_old")  # fmt: skip
    con.execute("DROP TABLE staged.gpps_results_wide_old")


def ensure_gpps_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the GPPS tables, the catalogue, the people vocabulary and the parsing macros."""
    _migrate_wide_results(con)
    con.execute(TABLES_SQL)
    con.execute(
        sql_file(
            READERS_DIR / "macros.sql", suppression_text=SUPPRESSION_TEXT_SQL, suppression_codes=SENTINELS
        )
    )


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Everything an ingest needs before the first file: tables, catalogue, vocabulary."""
    ensure_gpps_tables(con)
    load_catalogue(con)
    ensure_people_vocabulary(con)


def survey_year_of(landing_file: LandingFile) -> int | None:
    """The survey year written in the file name (GPPS_2023_Practice_data…); None when absent."""
    years = re.findall(r"(?<!\d)(20[1-3]\d)(?!\d)", landing_file.path.name)
    return int(years[0]) if years else None


def _require_year(landing_file: LandingFile) -> int:
    year = survey_year_of(landing_file)
    if year is None:
        raise FileRejected(
            f"{landing_file.rel_path}: the survey year is not in the file name; name GPPS files as published, "
            "e.g. GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv"
        )
    return year


def known_practices_sql(year_param: str = "$year") -> str:
    """Practices in the geography of a survey year (the ``practice_listed_in_year`` rule of
    sources/shared/geography.sql, whose macros must exist on the connection)."""
    return f"""
        SELECT DISTINCT practice_code FROM ref.practice_geography_versions
        WHERE practice_listed_in_year({year_param}, valid_from, valid_to)
    """


def _known_practices(con: duckdb.DuckDBPyConnection, landing_file: LandingFile, year: int) -> None:
    """Temp table ``_gpps_known`` of practice codes valid in ``year``; fails the file with no geography."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ref' AND table_name = 'practice_geography_versions'"
    ).fetchone()[0]
    rows = con.execute("SELECT count(*) FROM ref.practice_geography_versions").fetchone()[0] if exists else 0
    if not rows:
        raise FileRejected(
            f"{landing_file.rel_path}: no practice geography is loaded, so practice codes cannot be checked; "
            "materialise the reference group (ref.practice_geography_versions) first"
        )
    run_sql_file(con, GEOGRAPHY_SQL)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _gpps_known AS {known_practices_sql('$year')}", {"year": year})


def _header_of(landing_file: LandingFile) -> list[str]:
    """The CSV header of a file, or [] when it cannot be read as CSV text (then no layout sniffs it)."""
    try:
        return landing_file.csv_header()
    except (UnicodeDecodeError, csv.Error):
        return []
