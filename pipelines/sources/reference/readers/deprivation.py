"""Deprivation: the Fingertips IMD 2019 score per GP practice (indicator 93553) → ``ref.area_deprivation``,
and the IoD2019 File 1 rank and decile per LSOA, as CSV or as the published workbook → ``ref.lsoa_deprivation``.
"""

from __future__ import annotations

import re
import zipfile

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal
from pipelines.ingest.csv_staging import reject_missing_columns
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.reference import policy as P
from pipelines.sources.reference.readers.common import _layout, _stage, ensure_reference_tables
from pipelines.sources.shared.as_arrived import join_notes
from pipelines.sources.shared.codes import ENGLAND_WALES_AREA_CODE

FINGERTIPS_INDICATOR = "93553"  # Deprivation score (IMD 2019) per GP practice


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
        RowRule("indicator_is_imd2019", "indicator_id", f"trim(indicator_id) <> {quote_literal(FINGERTIPS_INDICATOR)}",
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
    select = ", ".join(f"{quote_identifier(src)} AS {dst}_text" for src, dst in LSOA_HEADER.items())
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
        RowRule("lsoa_code_shape", "lsoa_code_text", f"NOT regexp_full_match(trim(lsoa_code_text), {quote_literal(ENGLAND_WALES_AREA_CODE)})",
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
    """The sheet names of an Excel workbook ([] for a file that is not one)."""
    try:
        with zipfile.ZipFile(f.path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError):
        return []
    return re.findall(r'<sheet[^>]*name="([^"]+)"', workbook)


def _looks_like_iod_file1(f: LandingFile) -> bool:
    """The IoD2019 File 1 workbook: it has the ``IMD2019`` sheet."""
    return "IMD2019" in _xlsx_sheet_names(f)


def load_lsoa_deprivation_xlsx(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """IoD2019 File 1 as published: the ``IMD2019`` sheet of the official workbook (33k rows: small)."""
    # Imported here: only this layout needs them, and they are slow to import for every ingest.
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


FINGERTIPS_DEPRIVATION = _layout(
    "fingertips_imd2019_score",
    "Fingertips indicator 93553 export (IMD 2019 deprivation score per GP practice)",
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
