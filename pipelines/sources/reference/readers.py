"""Reference layouts, each reading the real published format (docs/DESIGN.md section 4, "Reference data")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.ingest.csv_staging import reject_missing_columns, stage_csv
from pipelines.ingest.detect import Layout, LoadCounts, Loader
from pipelines.ingest.files import FileRejected, LandingFile, read_first_row
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.reference import policy as P
from pipelines.sources.shared.as_arrived import first_row_is_label_line, join_notes, readable_csv

HERE = Path(__file__).parent
TABLES_SQL = (HERE / "tables.sql").read_text()
# The reference tables derived from every loaded file (rebuilt by the derived_reference asset).
DERIVED_SQL = HERE / "derived.sql"

# ODS codes: practices A81001; CCG / sub-ICB 3 characters (00K) or 5 for the 2020/21 mergers (W2U3Z);
# ICB / STP Q + 2; region Y + 2.
PRACTICE_CODE = r"^[A-Z][0-9]{5}$"
FINGERTIPS_INDICATOR = "93553"  # Deprivation score (IMD 2019) per GP practice
SUB_ICB_CODE = r"^([0-9A-Z]{3}|[0-9A-Z]{5})$"
ICB_CODE = r"^Q[A-Z0-9]{2}$"

EPRACCUR_COLUMNS = [
    "organisation_code", "name", "national_grouping", "high_level_health_geography",
    "address_line_1", "address_line_2", "address_line_3", "address_line_4", "address_line_5",
    "postcode", "open_date", "close_date", "status_code", "organisation_sub_type_code", "commissioner",
    "join_provider_date", "left_provider_date", "contact_telephone_number", "null_19", "null_20",
    "null_21", "amended_record_indicator", "null_23", "provider_purchaser", "null_25",
    "prescribing_setting", "null_27",
]  # fmt: skip

# The three EXTRACT_DATE spellings NHS Digital has used: 01-Sep-20, 01JAN2021, 2026-04-01.
EXTRACT_DATE_SQL = (
    "coalesce(try_strptime(trim({c}), '%d-%b-%y'), try_strptime(trim({c}), '%d%b%Y'), "
    "try_strptime(trim({c}), '%Y-%m-%d'), try_strptime(trim({c}), '%d/%m/%Y'))::DATE"
)


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
    return read_first_row(landing_file.path, landing_file.text_encoding())


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


def load_etr(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """ODS etr.csv (NHS trusts): the epraccur field layout, unquoted, 24+ fields."""
    ensure_reference_tables(con)
    width = len(_first_fields(f))
    columns = [f"field_{i}" for i in range(1, width + 1)]
    rows_read, notes = _stage(con, f, "_etr", columns=columns, header=False)
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW _etr_typed AS
        SELECT source_row, trim(field_1) AS trust_code, field_2 AS trust_name, field_3 AS region_code,
               nullif(trim(field_4), '') AS icb_code, field_10 AS postcode, field_11 AS open_date_text,
               try_strptime(nullif(trim(field_11), ''), '%Y%m%d')::DATE AS open_date,
               field_12 AS close_date_text, try_strptime(nullif(trim(field_12), ''), '%Y%m%d')::DATE AS close_date
        FROM _etr
        """
    )
    rules = [
        RowRule("trust_code_shape", "trust_code", "NOT regexp_full_match(trust_code, '[A-Z0-9]{3}')",
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
    con.execute((HERE / "epraccur.sql").read_text())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _epraccur_keyed AS SELECT *, {P.GP_PRACTICES.key_count_sql()} FROM _epraccur_typed"
    )
    rules = [
        P.GP_PRACTICES.duplicate_key_rule(),
        RowRule("ods_code_shape", "practice_code", r"NOT regexp_full_match(practice_code, '[A-Z0-9]{3,8}')",
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
    con.execute(
        f"""
        INSERT INTO ref.gp_practices BY NAME
        SELECT practice_code, practice_name, national_grouping, high_level_health_geography, postcode,
               open_date, close_date, status, status_as_published, prescribing_setting, commissioner_code,
               status = 'A' AND prescribing_setting = 4 AS is_active_gp_practice,
               ? AS source_file, ? AS file_sha256, source_row
        FROM _epraccur_keyed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(label_note, *notes))


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
        f"""
        CREATE OR REPLACE TEMP VIEW _map_typed AS
        SELECT source_row, extract_date AS extract_date_text, {EXTRACT_DATE_SQL.format(c="extract_date")} AS extract_date,
               trim(practice_code) AS practice_code, {col("practice_name")} AS practice_name,
               {col("practice_postcode")} AS practice_postcode, nullif(trim(pcn_code), '') AS pcn_code,
               {col("pcn_name")} AS pcn_name, nullif(trim({sub}), '') AS sub_icb_code,
               {col(sub_ons)} AS sub_icb_ons_code, {col(sub_name)} AS sub_icb_name,
               nullif(trim({icb}), '') AS icb_code, {col(icb_ons)} AS icb_ons_code, {col(icb_name)} AS icb_name,
               {col("comm_region_code")} AS region_code, {col("ons_comm_region_code")} AS region_ons_code,
               {col("comm_region_name")} AS region_name
        FROM _map
        """
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _map_keyed AS SELECT *, {P.PRACTICE_GEOGRAPHY.key_count_sql()} FROM _map_typed"
    )
    rules = [
        P.PRACTICE_GEOGRAPHY.duplicate_key_rule("practice_code"),
        RowRule("extract_date_format", "extract_date_text", "extract_date IS NULL",
                "EXTRACT_DATE is not 01-Sep-20, 01JAN2021 or 2026-04-01"),
        RowRule("practice_code_shape", "practice_code", f"NOT regexp_full_match(practice_code, '{PRACTICE_CODE[1:-1]}')",
                "practice code is not a letter and five digits"),
        RowRule("sub_icb_code_shape", "sub_icb_code", f"sub_icb_code IS NULL OR NOT regexp_full_match(sub_icb_code, '{SUB_ICB_CODE[1:-1]}')",
                "CCG / sub-ICB code is not 3 characters (00K) or 5 (W2U3Z)"),
        RowRule("icb_code_shape", "icb_code", f"icb_code IS NULL OR NOT regexp_full_match(icb_code, '{ICB_CODE[1:-1]}')",
                "STP / ICB code is not Q and two characters"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_map_keyed", rules, f, policy=P.PRACTICE_GEOGRAPHY)
    con.execute(
        f"""
        INSERT INTO ref.practice_geography BY NAME
        SELECT * EXCLUDE (extract_date_text, _key_n), '{era}' AS geography_era, ? AS source_file, ? AS file_sha256
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
        f"""
        CREATE OR REPLACE TEMP VIEW _registrations_typed AS
        SELECT source_row, extract_date AS extract_date_text, {EXTRACT_DATE_SQL.format(c="extract_date")} AS extract_date,
               trim({practice}) AS practice_code, nullif(trim({sub_icb}), '') AS sub_icb_code,
               upper(trim(sex)) AS sex, upper(trim(age)) AS age, {AGE_BAND_SQL.format(a="age")} AS age_band,
               number_of_patients AS patients_text, try_cast(trim(number_of_patients) AS BIGINT) AS patients
        FROM _registrations
        """
    )
    rules = [
        RowRule("extract_date_format", "extract_date_text", "extract_date IS NULL",
                "EXTRACT_DATE is not 01-Sep-20, 01JAN2021 or 2026-04-01"),
        RowRule("practice_code_shape", "practice_code", f"NOT regexp_full_match(practice_code, '{PRACTICE_CODE[1:-1]}')",
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


def load_fingertips_deprivation(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """Fingertips indicator export (93553, IMD 2019 score per GP practice and England)."""
    ensure_reference_tables(con)
    rows_read, notes = _stage(con, f, "_ft")
    found = [
        str(r[0])
        for r in con.execute(
            """SELECT trim("indicator id") FROM _ft GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3"""
        ).fetchall()
    ]
    if FINGERTIPS_INDICATOR not in found:
        # A whole export of another indicator is the wrong file, not 6,000 bad rows.
        raise FileRejected(
            f"{f.rel_path}: expected indicator {FINGERTIPS_INDICATOR} (Deprivation score, IMD 2019), found "
            f"{', '.join(found) or 'no indicator id'}; download indicator {FINGERTIPS_INDICATOR} from Fingertips"
        )
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW _ft_typed AS
        SELECT source_row, "indicator id" AS indicator_id, trim("area code") AS area_code, "area name" AS area_name,
               "area type" AS area_type, "parent code" AS parent_code, "time period" AS time_period,
               "value" AS value_text, try_cast(nullif(trim("value"), '') AS DOUBLE) AS imd_score
        FROM _ft
        """
    )
    rules = [
        RowRule("indicator_is_imd2019", "indicator_id", "trim(indicator_id) <> '93553'",
                "indicator is not 93553 (Deprivation score, IMD 2019)"),
        RowRule("value_numeric", "value_text", "imd_score IS NULL AND nullif(trim(value_text), '') IS NOT NULL",
                "Value is not a number"),
        RowRule("area_code_present", "area_code", "area_code IS NULL OR area_code = ''", "Area Code is blank"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_ft_typed", rules, f, policy=P.AREA_DEPRIVATION)
    con.execute(
        f"""
        INSERT INTO ref.area_deprivation BY NAME
        SELECT * EXCLUDE (value_text), ? AS source_file, ? AS file_sha256 FROM _ft_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


LSOA_HEADER = {
    "lsoa code (2011)": "lsoa_code",
    "lsoa name (2011)": "lsoa_name",
    "local authority district code (2019)": "lad_code",
    "local authority district name (2019)": "lad_name",
    "index of multiple deprivation (imd) rank": "imd_rank",
    "index of multiple deprivation (imd) decile": "imd_decile",
}


def _load_lsoa_staged(con: duckdb.DuckDBPyConnection, f: LandingFile, rows_read: int) -> LoadCounts:
    select = ", ".join(f'"{src}" AS {dst}_text' for src, dst in LSOA_HEADER.items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _lsoa_typed AS
        SELECT source_row, {select},
               try_cast(trim("index of multiple deprivation (imd) rank") AS INTEGER) AS imd_rank,
               try_cast(trim("index of multiple deprivation (imd) decile") AS INTEGER) AS imd_decile
        FROM _lsoa
        """
    )
    rules = [
        RowRule("lsoa_code_shape", "lsoa_code_text", "NOT regexp_full_match(trim(lsoa_code_text), '[EW]0[0-9]{7}')",
                "LSOA code is not E01/W01 and 7 digits"),
        RowRule("rank_integer", "imd_rank_text", "imd_rank IS NULL OR imd_rank < 1", "IMD rank is not a positive whole number"),
        RowRule("decile_range", "imd_decile_text", "imd_decile IS NULL OR imd_decile NOT BETWEEN 1 AND 10",
                "IMD decile is not 1-10"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_lsoa_typed", rules, f, policy=P.LSOA_DEPRIVATION)
    con.execute(
        f"""
        INSERT INTO ref.lsoa_deprivation BY NAME
        SELECT trim(lsoa_code_text) AS lsoa_code, lsoa_name_text AS lsoa_name, lad_code_text AS lad_code,
               lad_name_text AS lad_name, imd_rank, imd_decile, (imd_decile + 1) // 2 AS imd_quintile,
               ? AS source_file, ? AS file_sha256, source_row
        FROM _lsoa_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)


def load_lsoa_deprivation_csv(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """IoD2019 File 1 data sheet saved as CSV."""
    ensure_reference_tables(con)
    rows_read, notes = _stage(con, f, "_lsoa")
    counts = _load_lsoa_staged(con, f, rows_read)
    return LoadCounts(counts.rows_read, counts.rows_loaded, counts.rows_quarantined, join_notes(*notes))


def _xlsx_sheet_names(f: LandingFile) -> list[str]:
    import zipfile

    try:
        with zipfile.ZipFile(f.path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return []
    import re

    return re.findall(r'<sheet[^>]*name="([^"]+)"', workbook)


def _looks_like_iod_file1(f: LandingFile) -> bool:
    return "IMD2019" in _xlsx_sheet_names(f)


def load_lsoa_deprivation_xlsx(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """IoD2019 File 1 as published: the ``IMD2019`` sheet of the official workbook (33k rows: small)."""
    import openpyxl
    import pandas as pd

    ensure_reference_tables(con)
    try:
        workbook = openpyxl.load_workbook(f.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged zip
        raise FileRejected(f"{f.rel_path}: not a readable Excel workbook ({exc})") from exc
    rows = workbook["IMD2019"].iter_rows(values_only=True)
    header = [str(c or "").replace("\ufeff", "").strip().lower() for c in next(rows)]
    reject_missing_columns(f, header, LSOA_HEADER, "IoD2019 File 1 workbook")
    frame = pd.DataFrame(
        [["" if v is None else str(v) for v in row] for row in rows if any(v is not None for v in row)],
        columns=header,
    )
    workbook.close()
    frame.insert(0, "source_row", range(1, len(frame) + 1))
    con.register("_lsoa_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _lsoa AS SELECT * FROM _lsoa_frame")
    con.unregister("_lsoa_frame")
    return _load_lsoa_staged(con, f, len(frame))


def load_ccg_icb_crosswalk(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A CCG → ICB code list (third-party lists carry junk rows: those are quarantined, not dropped)."""
    ensure_reference_tables(con)
    rows_read, notes = _stage(con, f, "_xw")
    name = '"icb name"' if "icb name" in f.csv_header() else "NULL"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _xw_typed AS
        SELECT source_row, trim("ccg code") AS ccg_code, trim("icb code") AS icb_code, {name} AS icb_name FROM _xw
        """
    )
    rules = [
        RowRule("ccg_code_shape", "ccg_code", f"ccg_code IS NULL OR NOT regexp_full_match(ccg_code, '{SUB_ICB_CODE[1:-1]}')",
                "CCG code is not 3 characters (00K) or 5 (W2U3Z)"),
        RowRule("icb_code_shape", "icb_code", f"icb_code IS NULL OR NOT regexp_full_match(icb_code, '{ICB_CODE[1:-1]}')",
                "ICB code is blank or not Q and two characters"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_xw_typed", rules, f, policy=P.CCG_ICB_CROSSWALK)
    con.execute(
        f"""
        INSERT INTO ref.ccg_icb_crosswalk BY NAME
        SELECT ccg_code, icb_code, icb_name, ? AS source_file, ? AS file_sha256, source_row
        FROM _xw_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


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


EPRACCUR = _layout(
    "ods_epraccur",
    "ODS epraccur.csv (27 fields, no header)",
    "ref.gp_practices",
    load_epraccur,
    sniff=_looks_like_epraccur,
    max_loss=P.GP_PRACTICES.max_loss,
)
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
    "NHS Digital patients registered at a GP practice",
    "ref.registered_population",
    load_registered_patients,
    signature=frozenset({"extract_date", "sex", "age", "number_of_patients"}),
)
FINGERTIPS_DEPRIVATION = _layout(
    "fingertips_imd2019_score",
    "Fingertips indicator 93553 export",
    "ref.area_deprivation",
    load_fingertips_deprivation,
    signature=frozenset({"indicator id", "area code", "area type", "time period", "value"}),
)
LSOA_DEPRIVATION_CSV = _layout(
    "iod2019_file1_csv",
    "IoD2019 File 1 IMD sheet as CSV",
    "ref.lsoa_deprivation",
    load_lsoa_deprivation_csv,
    signature=frozenset({"lsoa code (2011)", "index of multiple deprivation (imd) decile"}),
)
LSOA_DEPRIVATION_XLSX = _layout(
    "iod2019_file1_xlsx",
    "IoD2019 File 1 workbook (sheet IMD2019)",
    "ref.lsoa_deprivation",
    load_lsoa_deprivation_xlsx,
    suffixes=frozenset({".xlsx"}),
    sniff=_looks_like_iod_file1,
)
ETR = _layout(
    "ods_etr", "ODS etr.csv NHS trusts (no header)", "ref.nhs_trusts", load_etr, sniff=_looks_like_etr
)
CCG_ICB_CROSSWALK = _layout(
    "ccg_icb_crosswalk",
    "CCG → ICB code list",
    "ref.ccg_icb_crosswalk",
    load_ccg_icb_crosswalk,
    signature=frozenset({"ccg code", "icb code"}),
)

REFERENCE_LAYOUTS: tuple[Layout, ...] = (
    EPRACCUR, ETR, PRACTICE_MAP_CCG, PRACTICE_MAP_ICB, REGISTERED_PATIENTS, FINGERTIPS_DEPRIVATION,
    LSOA_DEPRIVATION_CSV, LSOA_DEPRIVATION_XLSX, CCG_ICB_CROSSWALK,
)  # fmt: skip
