"""NHS Digital's practice files: ``gp-reg-pat-prac-map`` (practice → PCN → CCG / sub-ICB → ICB → region,
both header eras) → ``ref.practice_geography``, and patients registered at a practice (totals and single
years of age) → ``ref.registered_population``.
"""

from __future__ import annotations

import duckdb

from pipelines.core.sql import quote_literal, sql_file
from pipelines.ingest.csv_staging import reject_missing_columns
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.reference import policy as P
from pipelines.sources.reference.readers.common import READERS_DIR, _layout, _stage, ensure_reference_tables
from pipelines.sources.shared.as_arrived import join_notes
from pipelines.sources.shared.codes import ICB_CODE, PRACTICE_CODE, SUB_ICB_CODE

# The three EXTRACT_DATE spellings NHS Digital has used: 01-Sep-20, 01JAN2021, 2026-04-01.
EXTRACT_DATE_SQL = (
    "coalesce(try_strptime(trim({c}), '%d-%b-%y'), try_strptime(trim({c}), '%d%b%Y'), "
    "try_strptime(trim({c}), '%Y-%m-%d'), try_strptime(trim({c}), '%d/%m/%Y'))::DATE"
)


MAP_ERAS = {
    # era: (sub-ICB code, ONS code, name), (ICB code, ONS, name)
    "CCG": (("ccg_code", "ons_ccg_code", "ccg_name"), ("stp_code", "ons_stp_code", "stp_name")),
    "ICB": (
        ("sub_icb_location_code", "ons_sub_icb_location_code", "sub_icb_location_name"),
        ("icb_code", "ons_icb_code", "icb_name"),
    ),
}


def _load_practice_map(con: duckdb.DuckDBPyConnection, f: LandingFile, era: str) -> LoadCounts:
    ensure_reference_tables(con)
    header = f.csv_header()
    (sub, sub_ons, sub_name), (icb, icb_ons, icb_name) = MAP_ERAS[era]
    reject_missing_columns(
        f, header, ["extract_date", "practice_code", "pcn_code", sub, icb], f"gp-reg-pat-prac-map ({era} era)"
    )

    def col(name: str) -> str:
        return name if name in header else "NULL"

    rows_read, notes = _stage(con, f, "_map")
    con.execute(
        sql_file(
            READERS_DIR / "practice_map_typed.sql",
            extract_date=EXTRACT_DATE_SQL.format(c="extract_date"),
            sub_icb_code=sub,
            icb_code=icb,
            practice_name=col("practice_name"),
            practice_postcode=col("practice_postcode"),
            pcn_name=col("pcn_name"),
            sub_icb_ons_code=col(sub_ons),
            sub_icb_name=col(sub_name),
            icb_ons_code=col(icb_ons),
            icb_name=col(icb_name),
            region_code=col("comm_region_code"),
            region_ons_code=col("ons_comm_region_code"),
            region_name=col("comm_region_name"),
        )
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _map_keyed AS SELECT *, {P.PRACTICE_GEOGRAPHY.key_count_sql()} FROM _map_typed"
    )
    rules = [
        P.PRACTICE_GEOGRAPHY.duplicate_key_rule("practice_code"),
        RowRule("extract_date_format", "extract_date_text", "extract_date IS NULL",
                "EXTRACT_DATE is not 01-Sep-20, 01JAN2021 or 2026-04-01"),
        RowRule("practice_code_shape", "practice_code", f"NOT regexp_full_match(practice_code, {quote_literal(PRACTICE_CODE)})",
                "practice code is not a letter and five digits"),
        RowRule("sub_icb_code_shape", "sub_icb_code", f"sub_icb_code IS NULL OR NOT regexp_full_match(sub_icb_code, {quote_literal(SUB_ICB_CODE)})",
                "CCG / sub-ICB code is not 3 characters (00K) or 5 (W2U3Z)"),
        RowRule("icb_code_shape", "icb_code", f"icb_code IS NULL OR NOT regexp_full_match(icb_code, {quote_literal(ICB_CODE)})",
                "STP / ICB code is not Q and two characters"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_map_keyed", rules, f, policy=P.PRACTICE_GEOGRAPHY)
    con.execute(
        f"""
        INSERT INTO ref.practice_geography BY NAME
        SELECT * EXCLUDE (extract_date_text, _key_n), {quote_literal(era)} AS geography_era, ? AS source_file, ? AS file_sha256
        FROM _map_keyed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


def load_practice_map_ccg_era(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """gp-reg-pat-prac-map.csv with CCG_* / STP_* headers (to June 2022)."""
    return _load_practice_map(con, f, "CCG")


def load_practice_map_icb_era(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """gp-reg-pat-prac-map.csv with SUB_ICB_LOCATION_* / ICB_* headers (from July 2022)."""
    return _load_practice_map(con, f, "ICB")


AGE_BAND_SQL = """CASE
    WHEN upper(trim({a})) = 'ALL' THEN 'ALL'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 16 THEN 'Under 16'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 25 THEN '16-24'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 35 THEN '25-34'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 45 THEN '35-44'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 55 THEN '45-54'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 65 THEN '55-64'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 75 THEN '65-74'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) < 85 THEN '75-84'
    WHEN try_cast(replace({a}, '+', '') AS INTEGER) >= 85 THEN '85+'
END"""


def load_registered_patients(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """gp-reg-pat-prac-all.csv totals and the single-year-of-age files, CCG or sub-ICB era headers."""
    ensure_reference_tables(con)
    header = f.csv_header()
    practice = "code" if "code" in header else "org_code"
    sub_icb = "sub_icb_location_code" if "sub_icb_location_code" in header else "ccg_code"
    reject_missing_columns(
        f,
        header,
        ["extract_date", practice, sub_icb, "sex", "age", "number_of_patients"],
        "registered patients",
    )
    rows_read, notes = _stage(con, f, "_registrations")
    con.execute(
        sql_file(
            READERS_DIR / "registrations_typed.sql",
            extract_date=EXTRACT_DATE_SQL.format(c="extract_date"),
            practice_code=practice,
            sub_icb_code=sub_icb,
            age_band=AGE_BAND_SQL.format(a="age"),
        )
    )
    rules = [
        RowRule("extract_date_format", "extract_date_text", "extract_date IS NULL",
                "EXTRACT_DATE is not 01-Sep-20, 01JAN2021 or 2026-04-01"),
        RowRule("practice_code_shape", "practice_code", f"NOT regexp_full_match(practice_code, {quote_literal(PRACTICE_CODE)})",
                "practice code is not a letter and five digits"),
        RowRule("sex_known", "sex", "sex NOT IN ('ALL', 'MALE', 'FEMALE')", "SEX is not ALL, MALE or FEMALE"),
        RowRule("age_known", "age", "age_band IS NULL", "AGE is not ALL, a whole number or 95+"),
        RowRule("patients_count", "patients_text", "patients IS NULL OR patients < 0",
                "NUMBER_OF_PATIENTS is not a non-negative whole number"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_registrations_typed", rules, f, policy=P.REGISTERED_POPULATION)
    con.execute(
        f"""
        INSERT INTO ref.registered_population BY NAME
        SELECT extract_date, practice_code, sub_icb_code, sex, age, age_band, patients,
               ? AS source_file, ? AS file_sha256, source_row
        FROM _registrations_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


PRACTICE_MAP_CCG = _layout(
    "nhsd_practice_map_ccg_era",
    "NHS Digital gp-reg-pat-prac-map, CCG/STP headers",
    "ref.practice_geography",
    load_practice_map_ccg_era,
    signature=frozenset({"practice_code", "pcn_code", "ccg_code", "stp_code"}),
    max_loss=P.PRACTICE_GEOGRAPHY.max_loss,
)
PRACTICE_MAP_ICB = _layout(
    "nhsd_practice_map_icb_era",
    "NHS Digital gp-reg-pat-prac-map, sub-ICB/ICB headers",
    "ref.practice_geography",
    load_practice_map_icb_era,
    signature=frozenset({"practice_code", "pcn_code", "sub_icb_location_code", "icb_code"}),
    max_loss=P.PRACTICE_GEOGRAPHY.max_loss,
)
REGISTERED_PATIENTS = _layout(
    "nhsd_registered_patients",
    "NHS Digital patients registered at a GP practice (gp-reg-pat-prac-all, and by single year of age "
    "gp-reg-pat-prac-sing-age-male / -female)",
    "ref.registered_population",
    load_registered_patients,
    signature=frozenset({"extract_date", "sex", "age", "number_of_patients"}),
)
