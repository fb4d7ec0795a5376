"""The published files that give a practice's population its composition beyond single years of age:

- NHS Digital's registered patients by quinary (5-year) age group, ``gp-reg-pat-prac-quin-age.csv``
  → ``ref.registered_population_quinary``. Two real header forms: the multi-level file (``ORG_TYPE``,
  ``ORG_CODE``, ``ONS_CODE``: region, ICB / STP, sub-ICB / CCG, PCN and GP rows in one file) and the
  practice file with the era's commissioner column (``TYPE``, ``CCG_CODE`` or ``SUB_ICB_LOCATION_CODE``,
  ``ORG_CODE`` or ``CODE``);
- NHS Digital's patients registered at a GP practice by LSOA of residence, ``gp-reg-pat-prac-lsoa-all.csv``
  (and its ``-male`` / ``-female`` siblings) → ``ref.practice_lsoa_registrations``;
- Census 2021 table TS021 "Ethnic group" by LSOA as ONS / Nomis publish it in bulk (one column per
  category, ``Ethnic group: Asian, Asian British or Asian Welsh: Bangladeshi`` ...) →
  ``ref.lsoa_ethnic_group``, one row per LSOA and category.

Each file is recognised by its header (content), never by its name.
"""

from __future__ import annotations

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal, sql_file
from pipelines.ingest.csv_staging import reject_missing_columns
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import LandingFile, normalise_header
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.reference import policy as P
from pipelines.sources.reference.readers.common import (
    READERS_DIR,
    _first_fields,
    _layout,
    _stage,
    ensure_reference_tables,
)
from pipelines.sources.reference.readers.practices import EXTRACT_DATE_SQL
from pipelines.sources.shared.as_arrived import join_notes
from pipelines.sources.shared.codes import LSOA_CODE, PRACTICE_CODE

EXTRACT_DATE_MESSAGE = "EXTRACT_DATE is not 01-Sep-20, 01JAN2021 or 2026-04-01"
SEX_MESSAGE = "SEX is not ALL, MALE or FEMALE"
PATIENTS_MESSAGE = "NUMBER_OF_PATIENTS is not a non-negative whole number"


def _first_present(header: list[str], *names: str) -> str | None:
    """The first of ``names`` the header has (the column an era or a file form calls it by)."""
    return next((name for name in names if name in header), None)


def load_quinary_population(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """gp-reg-pat-prac-quin-age.csv in either header form; every row loads with its organisation type
    (the multi-level file's region, ICB, sub-ICB and PCN rows too: the marts read ``org_type = 'GP'``)."""
    ensure_reference_tables(con)
    header = f.csv_header()
    organisation = _first_present(header, "org_code", "code")
    org_type = _first_present(header, "org_type", "type")
    reject_missing_columns(
        f,
        header,
        ["extract_date", organisation or "org_code", "sex", "age_group_5", "number_of_patients"],
        "registered patients by quinary age group",
    )
    sub_icb = _first_present(header, "sub_icb_location_code", "ccg_code")
    rows_read, notes = _stage(con, f, "_quinary")
    con.execute(
        sql_file(
            READERS_DIR / "quinary_typed.sql",
            extract_date=EXTRACT_DATE_SQL.format(c="extract_date"),
            org_type=f"upper(trim({org_type}))" if org_type else "'GP'",
            org_code=str(organisation),
            sub_icb_code=f"nullif(trim({sub_icb}), '')" if sub_icb else "NULL",
        )
    )
    rules = [
        RowRule("extract_date_format", "extract_date_text", "extract_date IS NULL", EXTRACT_DATE_MESSAGE),
        RowRule("practice_code_shape", "org_code",
                f"org_type = 'GP' AND NOT regexp_full_match(org_code, {quote_literal(PRACTICE_CODE)})",
                "a GP row's ORG_CODE is not a letter and five digits"),
        RowRule("org_code_present", "org_code", "org_code IS NULL OR org_code = ''", "ORG_CODE is empty"),
        RowRule("sex_known", "sex", "sex NOT IN ('ALL', 'MALE', 'FEMALE')", SEX_MESSAGE),
        RowRule("age_group_known", "age_group", "age_from IS NULL AND age_group <> 'ALL'",
                "AGE_GROUP_5 is not ALL, 0_4 … 90_94 or 95+"),
        RowRule("patients_count", "patients_text", "patients IS NULL OR patients < 0", PATIENTS_MESSAGE),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_quinary_typed", rules, f, policy=P.REGISTERED_POPULATION_QUINARY)
    con.execute(
        f"""
        INSERT INTO ref.registered_population_quinary BY NAME
        SELECT extract_date, org_type, org_code, sub_icb_code, sex, age_group, age_from, patients,
               ? AS source_file, ? AS file_sha256, source_row
        FROM _quinary_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


def load_practice_lsoa(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """gp-reg-pat-prac-lsoa-all.csv (and the -male / -female files): patients per practice and LSOA."""
    ensure_reference_tables(con)
    header = f.csv_header()
    reject_missing_columns(
        f,
        header,
        ["extract_date", "practice_code", "lsoa_code", "number_of_patients"],
        "patients registered at a GP practice by LSOA",
    )
    sex = "upper(trim(sex))" if "sex" in header else "'ALL'"
    rows_read, notes = _stage(con, f, "_practice_lsoa")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _practice_lsoa_typed AS
        SELECT source_row, extract_date AS extract_date_text, {EXTRACT_DATE_SQL.format(c="extract_date")} AS extract_date,
               trim(practice_code) AS practice_code, upper(trim(lsoa_code)) AS lsoa_code, {sex} AS sex,
               number_of_patients AS patients_text, try_cast(trim(number_of_patients) AS BIGINT) AS patients
        FROM _practice_lsoa
        """
    )
    rules = [
        RowRule("extract_date_format", "extract_date_text", "extract_date IS NULL", EXTRACT_DATE_MESSAGE),
        RowRule("practice_code_shape", "practice_code", f"NOT regexp_full_match(practice_code, {quote_literal(PRACTICE_CODE)})",
                "PRACTICE_CODE is not a letter and five digits"),
        # NHS Digital publishes patients whose address has no LSOA as NO2011 / NO2021: residence unknown.
        RowRule("lsoa_code_shape", "lsoa_code", f"NOT regexp_full_match(lsoa_code, {quote_literal(LSOA_CODE)})",
                "LSOA_CODE is not E01/W01 and 6 digits (an unknown residence cannot be apportioned)"),
        RowRule("sex_known", "sex", "sex NOT IN ('ALL', 'MALE', 'FEMALE')", SEX_MESSAGE),
        RowRule("patients_count", "patients_text", "patients IS NULL OR patients < 0", PATIENTS_MESSAGE),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_practice_lsoa_typed", rules, f, policy=P.PRACTICE_LSOA_REGISTRATIONS)
    con.execute(
        f"""
        INSERT INTO ref.practice_lsoa_registrations BY NAME
        SELECT extract_date, practice_code, lsoa_code, sex, patients, ? AS source_file, ? AS file_sha256, source_row
        FROM _practice_lsoa_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


# TS021's column names: "Ethnic group: " then the category, whose broad group is the text before its
# first colon ("Asian, Asian British or Asian Welsh: Bangladeshi" is in the Asian group).
TS021_PREFIX = "ethnic group: "
TS021_TOTAL = "ethnic group: total: all usual residents"
TS021_BANDS = (
    ("asian", "Asian"),
    ("black", "Black"),
    ("mixed", "Mixed"),
    ("white", "White"),
    ("other", "Other"),
)


def _ts021_categories(f: LandingFile) -> list[tuple[str, str, str, str | None]]:
    """(staged column, published category, level, ethnicity band) of each category column, in file order."""
    categories = []
    for name in _first_fields(f):
        column = normalise_header(name)
        if not column.startswith(TS021_PREFIX):
            continue
        label = name.strip().replace("\ufeff", "")[len(TS021_PREFIX) :]
        if column == TS021_TOTAL:
            categories.append((column, label, "total", None))
            continue
        level = "detailed" if ":" in label else "broad"
        band = next((b for prefix, b in TS021_BANDS if label.lower().startswith(prefix)), None)
        categories.append((column, label, level, band))
    return categories


def load_census_ethnic_group(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """Census 2021 TS021 by LSOA, one column per category: one table row per LSOA and category. An LSOA
    row whose code or any count cannot be read is quarantined whole (its shares would not add up)."""
    ensure_reference_tables(con)
    header = f.csv_header()
    reject_missing_columns(f, header, ["geography code", TS021_TOTAL], "Census 2021 TS021 ethnic group")
    categories = _ts021_categories(f)
    rows_read, notes = _stage(con, f, "_ts021")
    counts = [f"try_cast(trim({quote_identifier(c)}) AS BIGINT)" for c, *_ in categories]
    unreadable = " OR ".join(f"{count} IS NULL OR {count} < 0" for count in counts)
    date = '"date"' if "date" in header else "NULL"
    name = '"geography"' if "geography" in header else "NULL"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _ts021_typed AS
        SELECT source_row, CAST({date} AS VARCHAR) AS census_date, {name} AS lsoa_name,
               upper(trim("geography code")) AS lsoa_code, ({unreadable}) AS counts_unreadable,
               concat_ws(',', {", ".join(quote_identifier(c) for c, *_ in categories)}) AS counts_text
        FROM _ts021
        """
    )
    rules = [
        RowRule("lsoa_code_shape", "lsoa_code", f"NOT regexp_full_match(lsoa_code, {quote_literal(LSOA_CODE)})",
                "geography code is not an LSOA (E01/W01 and 6 digits)"),
        RowRule("residents_count", "counts_text", "counts_unreadable",
                "a category's count is not a non-negative whole number"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_ts021_typed", rules, f, policy=P.LSOA_ETHNIC_GROUP)
    values = ", ".join(
        f"({quote_literal(column)}, {quote_literal(label)}, {quote_literal(level)}, {quote_literal(band)})"
        for column, label, level, band in categories
    )
    con.execute(
        sql_file(
            READERS_DIR / "census_ethnic_group_long.sql",
            categories=values,
            unpivot_columns=", ".join(quote_identifier(c) for c, *_ in categories),
            passes=passing_rows(rules),
        ),
        {"source_file": f.rel_path, "file_sha256": f.sha256},
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


QUINARY_POPULATION = _layout(
    "nhsd_registered_patients_quinary",
    "NHS Digital patients registered at a GP practice by quinary age group (gp-reg-pat-prac-quin-age)",
    "ref.registered_population_quinary",
    load_quinary_population,
    signature=frozenset({"extract_date", "sex", "age_group_5", "number_of_patients"}),
)
PRACTICE_LSOA = _layout(
    "nhsd_practice_lsoa",
    "NHS Digital patients registered at a GP practice by LSOA of residence (gp-reg-pat-prac-lsoa-all)",
    "ref.practice_lsoa_registrations",
    load_practice_lsoa,
    signature=frozenset({"practice_code", "lsoa_code", "number_of_patients"}),
)
CENSUS_ETHNIC_GROUP = _layout(
    "ons_census2021_ts021_lsoa",
    "ONS / Nomis Census 2021 TS021 Ethnic group by LSOA (census2021-ts021-lsoa): one column per category",
    "ref.lsoa_ethnic_group",
    load_census_ethnic_group,
    signature=frozenset({"geography code", TS021_TOTAL}),
)
