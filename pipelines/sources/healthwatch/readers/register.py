"""The Healthwatch report register (``healthwatch_register``): the CSV describing every report file (file,
local Healthwatch, local authority, publication date, service type, title) → ``staged.healthwatch_register``.
"""

import duckdb

from pipelines.core.sql import sql_file
from pipelines.ingest.csv_staging import reject_missing_columns
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.readers.common import (
    HEADER_MAP,
    READERS_DIR,
    SOURCE,
    _mapped,
    date_sql,
    ensure_healthwatch_tables,
)
from pipelines.sources.healthwatch.readers.lookup import la_join
from pipelines.sources.shared.as_arrived import join_notes, stage_incremental_csv
from pipelines.sources.shared.header_map import register_expected_columns

REGISTER_REQUIRED = ("file", "local_authority", "publication_date")
REGISTER_FIELDS = (
    "file",
    "local_healthwatch",
    "local_authority",
    "publication_date",
    "service_type",
    "title",
)


def _looks_like_register(f: LandingFile) -> bool:
    """A register: its header maps every required register field."""
    return _mapped(f.csv_header(), "register", REGISTER_REQUIRED) is not None


def load_register(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """The report register CSV → ``staged.healthwatch_register`` (one row per described file)."""
    ensure_healthwatch_tables(con)
    columns = _mapped(f.csv_header(), "register", REGISTER_REQUIRED)
    if columns is None:
        reject_missing_columns(f, f.csv_header(), REGISTER_REQUIRED, "Healthwatch report register")
    c = {field: (columns or {}).get(field, "NULL::VARCHAR") for field in REGISTER_FIELDS}
    rows_read, notes = stage_incremental_csv(con, f, "_hwreg")
    con.execute(
        sql_file(
            READERS_DIR / "register_typed.sql", **c, publication_date_parsed=date_sql(c["publication_date"])
        )
    )
    rules = [
        RowRule("file_named", "file_name", "file_name IS NULL OR file_key = ''", "the register row names no file"),
        RowRule("publication_date_format", "publication_date_text", "publication_date IS NULL",
                "publication date is missing or not a date (2025-03-31, 31/03/2025, 31 March 2025)"),
        RowRule("local_authority_present", "local_authority", "local_authority IS NULL",
                "no local authority: the report could not be placed"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_hwreg_typed", rules, f, policy=P.REGISTER)
    con.execute(
        f"""INSERT INTO staged.healthwatch_register BY NAME
            SELECT * EXCLUDE (source_row, publication_date_text), ? AS source_file, ? AS file_sha256, source_row
            FROM _hwreg_typed WHERE {passing_rows(rules)}""",
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


# Each described file with its geography (register_geography.sql); a statement using it binds $english_lad_code.
REGISTER_GEO_SQL = sql_file(
    READERS_DIR / "register_geography.sql", la_join=la_join("la", "r.local_authority")
)
DESCRIPTION_COLUMNS = ("local_healthwatch", "local_authority", "publication_date", "service_type", "title")


REGISTER = Layout(
    name="healthwatch_register", source=SOURCE,
    description="Register of report files: file, local Healthwatch, local authority, publication date, service type, title",
    tables=("staged.healthwatch_register",), load=load_register, sniff=_looks_like_register,
)  # fmt: skip
register_expected_columns(REGISTER.name, SOURCE, HEADER_MAP, "register", REGISTER_REQUIRED)
