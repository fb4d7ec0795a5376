"""The Healthwatch report register (``healthwatch_register``): the CSV describing every report file (file,
local Healthwatch, local authority, publication date, service type, title) → ``staged.healthwatch_register``.
"""

import duckdb

from pipelines.core.sql import quote_literal
from pipelines.ingest.csv_staging import reject_missing_columns
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.readers.common import (
    HEADER_MAP,
    SOURCE,
    _mapped,
    date_sql,
    ensure_healthwatch_tables,
)
from pipelines.sources.healthwatch.readers.lookup import la_join
from pipelines.sources.shared.as_arrived import join_notes, stage_incremental_csv
from pipelines.sources.shared.codes import ENGLISH_LAD_CODE
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
        f"""
        CREATE OR REPLACE TEMP VIEW _hwreg_typed AS
        SELECT source_row, trim({c["file"]}) AS file_name,
               lower(regexp_extract(replace(trim({c["file"]}), chr(92), '/'), '([^/]+)$', 1)) AS file_key,
               nullif(trim({c["local_healthwatch"]}), '') AS local_healthwatch,
               nullif(trim({c["local_authority"]}), '') AS local_authority,
               {c["publication_date"]} AS publication_date_text, {date_sql(c["publication_date"])} AS publication_date,
               nullif(trim({c["service_type"]}), '') AS service_type, nullif(trim({c["title"]}), '') AS title
        FROM _hwreg
        """
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


# Each described file with its geography; a file described differently by two rows is ambiguous.
REGISTER_GEO_SQL = f"""
    SELECT r.file_key, r.local_healthwatch, r.local_authority,
           coalesce(la.local_authority_code,
                    CASE WHEN regexp_full_match(upper(trim(r.local_authority)), {quote_literal(ENGLISH_LAD_CODE)})
                         THEN upper(trim(r.local_authority)) END) AS local_authority_code,
           coalesce(la.local_authority_name, r.local_authority) AS local_authority_name,
           la.sub_icb_code, la.icb_code, r.publication_date, r.service_type, r.title,
           r.source_file AS register_file
    FROM staged.healthwatch_register r {la_join("la", "r.local_authority")}
"""
DESCRIPTION_COLUMNS = ("local_healthwatch", "local_authority", "publication_date", "service_type", "title")


REGISTER = Layout(
    name="healthwatch_register", source=SOURCE,
    description="Register of report files: file, local Healthwatch, local authority, publication date, service type, title",
    tables=("staged.healthwatch_register",), load=load_register, sniff=_looks_like_register,
)  # fmt: skip
register_expected_columns(REGISTER.name, SOURCE, HEADER_MAP, "register", REGISTER_REQUIRED)
