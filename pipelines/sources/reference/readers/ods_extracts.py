"""ODS extracts, all header-less: ``epraccur.csv`` (GP practices and other prescribing settings, 27 quoted
fields) → ``ref.gp_practices``, ``etr.csv`` (NHS trusts) → ``ref.nhs_trusts``, and ``succ.csv`` (successor
organisations: predecessor, successor, reason, effective date) → ``ref.organisation_successors``.
"""

from __future__ import annotations

import re

import duckdb

from pipelines.core.sql import quote_literal, run_sql_file, sql_file
from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.reference import policy as P
from pipelines.sources.reference.readers.common import (
    HERE,
    READERS_DIR,
    _first_fields,
    _layout,
    _stage,
    ensure_reference_tables,
)
from pipelines.sources.shared.as_arrived import first_row_is_label_line, join_notes, readable_csv
from pipelines.sources.shared.codes import EPRACCUR_ORGANISATION_CODE, ETR_TRUST_CODE, ODS_CODE

EPRACCUR_COLUMNS = [
    "organisation_code", "name", "national_grouping", "high_level_health_geography",
    "address_line_1", "address_line_2", "address_line_3", "address_line_4", "address_line_5",
    "postcode", "open_date", "close_date", "status_code", "organisation_sub_type_code", "commissioner",
    "join_provider_date", "left_provider_date", "contact_telephone_number", "null_19", "null_20",
    "null_21", "amended_record_indicator", "null_23", "provider_purchaser", "null_25",
    "prescribing_setting", "null_27",
]  # fmt: skip


def _epraccur_row(fields: list[str]) -> bool:
    """One epraccur row: an ODS code first (capitals, 5+ characters) and an open date YYYYMMDD in field 11."""
    fields = [f.strip() for f in fields]
    if len(fields) < 12 or not fields[0] or not fields[0][:1].isalpha() or len(fields[0]) < 5:
        return False
    return fields[10].isdigit() and len(fields[10]) == 8 and fields[0].upper() == fields[0]


def _looks_like_epraccur(landing_file: LandingFile) -> bool:
    """No header; first field an ODS code; open date YYYYMMDD in field 11 (when the row is long enough).

    A label line someone typed above the data in Excel ("Organisation Code, Name, …") is allowed: the
    second line must then be an epraccur row.
    """
    return _epraccur_row(_first_fields(landing_file)) or first_row_is_label_line(landing_file, _epraccur_row)


def _looks_like_etr(landing_file: LandingFile) -> bool:
    """ODS etr.csv: no header, 3-character trust code first, open date YYYYMMDD in field 11."""
    fields = [f.strip() for f in _first_fields(landing_file)]
    return (
        len(fields) >= 12
        and len(fields[0]) == 3
        and fields[0].isalnum()
        and fields[0].upper() == fields[0]
        and fields[10].isdigit()
        and len(fields[10]) == 8
    )


def _looks_like_succ(landing_file: LandingFile) -> bool:
    """ODS succ.csv: no header, 4 to 6 fields; two ODS codes first (predecessor, successor) and the effective
    date YYYYMMDD in field 4. Too short to be epraccur or etr (12+ fields)."""
    fields = [f.strip() for f in _first_fields(landing_file)]
    return (
        4 <= len(fields) <= 6
        and all(re.fullmatch(ODS_CODE, code) for code in fields[:2])
        and fields[3].isdigit()
        and len(fields[3]) == 8
    )


def _stage_headerless(
    con: duckdb.DuckDBPyConnection, f: LandingFile, table: str, typed_sql: str
) -> tuple[int, list]:
    """Stage an ODS extract without a header (``field_1`` … as many fields as its first row has) into
    ``table`` and type it with ``typed_sql``. Returns the rows read and the staging notes."""
    ensure_reference_tables(con)
    columns = [f"field_{i}" for i in range(1, len(_first_fields(f)) + 1)]
    rows_read, notes = _stage(con, f, table, columns=columns, header=False)
    run_sql_file(con, READERS_DIR / typed_sql)
    return rows_read, notes


def load_succ(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """ODS succ.csv (successor organisations): predecessor, successor, reason, effective date; any later
    fields are not read (nothing here needs them)."""
    rows_read, notes = _stage_headerless(con, f, "_succ", "successors_typed.sql")
    rules = [
        RowRule("predecessor_code_shape", "predecessor_code", f"NOT regexp_full_match(predecessor_code, {quote_literal(ODS_CODE)})",
                "predecessor is not an ODS code (3-9 capital letters and digits)"),
        RowRule("successor_code_shape", "successor_code", f"NOT regexp_full_match(successor_code, {quote_literal(ODS_CODE)})",
                "successor is not an ODS code (3-9 capital letters and digits)"),
        RowRule("effective_date_format", "effective_date_text", "effective_date IS NULL",
                "effective date is not YYYYMMDD"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_succ_typed", rules, f, policy=P.ORGANISATION_SUCCESSORS)
    con.execute(
        f"""
        INSERT INTO ref.organisation_successors BY NAME
        SELECT predecessor_code, successor_code, succession_reason, effective_date,
               ? AS source_file, ? AS file_sha256, source_row
        FROM _succ_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


def load_etr(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """ODS etr.csv (NHS trusts): the epraccur field layout, unquoted, 24+ fields."""
    rows_read, notes = _stage_headerless(con, f, "_etr", "etr_typed.sql")
    rules = [
        RowRule("trust_code_shape", "trust_code", f"NOT regexp_full_match(trust_code, {quote_literal(ETR_TRUST_CODE)})",
                "trust code is not 3 capital letters or digits"),
        RowRule("open_date_format", "open_date_text", "open_date IS NULL AND nullif(trim(open_date_text), '') IS NOT NULL",
                "open date is not YYYYMMDD"),
        RowRule("close_date_format", "close_date_text", "close_date IS NULL AND nullif(trim(close_date_text), '') IS NOT NULL",
                "close date is not YYYYMMDD"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_etr_typed", rules, f, policy=P.NHS_TRUSTS)
    con.execute(
        f"""
        INSERT INTO ref.nhs_trusts BY NAME
        SELECT trust_code, trust_name, region_code, icb_code, postcode, open_date, close_date,
               close_date IS NULL AS is_open, ? AS source_file, ? AS file_sha256, source_row
        FROM _etr_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


def load_epraccur(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """ODS epraccur.csv: 27 quoted fields, no header."""
    ensure_reference_tables(con)
    label_line = first_row_is_label_line(f, _epraccur_row)
    label_note = None
    if label_line:
        labels = ", ".join(c.strip() for c in _first_fields(f)[:3])
        label_note = (
            f"line 1 ('{labels}, …') is a header line added above the ODS data, which has none "
            "(the file was opened and saved in Excel); it was skipped"
        )
    with readable_csv(f, skip_lines=1 if label_line else 0) as (readable, notes):
        rows_read = stage_csv(con, readable, "_epraccur", columns=EPRACCUR_COLUMNS, header=False)
    con.execute(
        "INSERT INTO raw.reference_epraccur BY NAME SELECT *, ? AS source_file, ? AS file_sha256 FROM _epraccur",
        [f.rel_path, f.sha256],
    )
    run_sql_file(con, HERE / "epraccur.sql")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _epraccur_keyed AS SELECT *, {P.GP_PRACTICES.key_count_sql()} FROM _epraccur_typed"
    )
    rules = [
        P.GP_PRACTICES.duplicate_key_rule(),
        RowRule("ods_code_shape", "practice_code", f"NOT regexp_full_match(practice_code, {quote_literal(EPRACCUR_ORGANISATION_CODE)})",
                "organisation code is not an ODS code (3-8 capital letters and digits)"),
        RowRule("status_known", "status_as_published", "status IS NULL",
                "status is not one of A/C/D/P or ACTIVE/INACTIVE/CLOSED/DORMANT/PROPOSED"),
        RowRule("open_date_format", "open_date_text", "open_date IS NULL AND nullif(trim(open_date_text), '') IS NOT NULL",
                "open date is not YYYYMMDD"),
        RowRule("close_date_format", "close_date_text", "close_date IS NULL AND nullif(trim(close_date_text), '') IS NOT NULL",
                "close date is not YYYYMMDD"),
        RowRule("prescribing_setting_integer", "prescribing_setting_text",
                "prescribing_setting IS NULL AND nullif(trim(prescribing_setting_text), '') IS NOT NULL",
                "prescribing setting is not a whole number"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_epraccur_keyed", rules, f, policy=P.GP_PRACTICES)
    con.execute(sql_file(READERS_DIR / "gp_practices.sql", passes=passing_rows(rules)), f.provenance_params())
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(label_note, *notes))


EPRACCUR = _layout(
    "ods_epraccur",
    "ODS epraccur.csv (27 fields, no header)",
    "ref.gp_practices",
    load_epraccur,
    sniff=_looks_like_epraccur,
    max_loss=P.GP_PRACTICES.max_loss,
)
ETR = _layout(
    "ods_etr", "ODS etr.csv NHS trusts (no header)", "ref.nhs_trusts", load_etr, sniff=_looks_like_etr
)
SUCC = _layout(
    "ods_succ",
    "ODS succ.csv successor organisations (no header)",
    "ref.organisation_successors",
    load_succ,
    sniff=_looks_like_succ,
)
