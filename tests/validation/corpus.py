"""The bad-input corpus: malformed files generated from the good sample, each with its exact outcome.

Every case builds one file from the generated sample landing folder (so the corpus follows the real
published formats the sample writes) and says what must happen when it is dropped into a landing folder
whose good files are already loaded:

- ``rejected``: the whole file fails; the ledger error names the file and contains every ``message``
  fragment; nothing it holds is published and everything loaded before is unchanged.
- ``quarantined``: the file loads except the rows (or, for aggregate sources, the values) breaking a rule
  of its table's quarantine policy; ``quarantined`` gives the exact row count per rule, ``held`` the exact
  rows of the rules it names (row, column, value), ``counts`` the ledger's rows read / loaded /
  quarantined; at least one row loads; every other file's rows are unchanged, and no key of the policy
  is duplicated in the table afterwards.
- ``loaded``: an awkward but readable file (cp1252, BOM, UTF-16) loads; ``sql`` must return ``expect``.

A loaded or quarantined file's ledger message is ``None`` unless ``note`` is given: then it holds every
``note`` fragment (what the reader read around: a header line skipped, blank lines, mixed date orders).

A case whose ``target`` is a sample file's name replaces that file's content: the previous good version
must stay published when the new one is rejected.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Builder = Callable[[Path], bytes]


@dataclass(frozen=True)
class Case:
    """One malformed file and the outcome it must have."""

    name: str
    source: str
    target: str
    build: Builder
    outcome: str  # rejected | quarantined | loaded
    message: tuple[str, ...] = ()
    quarantined: dict[str, int] = field(default_factory=dict)
    sql: str = ""
    expect: tuple = ()
    note: tuple[str, ...] = ()
    # (rows read, loaded, quarantined) in the ledger, when the case states them.
    counts: tuple[int, int, int] | None = None
    # Exact quarantine rows (rule, source_row, column_name, value) of the rules named here.
    held: tuple[tuple, ...] = ()

    @property
    def rel_path(self) -> str:
        return f"{self.source}/{self.target}"


# --- helpers: read a sample file as rows, change it, write it back as CSV bytes -------------------------


def rows_of(sample: Path, rel: str) -> list[list[str]]:
    """A sample file's rows (header included when it has one), BOM stripped."""
    text = (sample / rel).read_text(encoding="utf-8-sig")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def to_csv(rows: list[list[str]], quote_all: bool = False, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL).writerows(
        rows
    )
    return out.getvalue().encode(encoding)


def text_of(sample: Path, rel: str) -> str:
    return (sample / rel).read_text(encoding="utf-8-sig")


def edit(rel: str, change: Callable[[list[list[str]]], None], quote_all: bool = False) -> Builder:
    """A builder that applies ``change`` to a copy of the sample file's rows."""

    def build(sample: Path) -> bytes:
        rows = rows_of(sample, rel)
        change(rows)
        return to_csv(rows, quote_all)

    return build


def set_cell(row: int, column: int | str, value: str) -> Callable[[list[list[str]]], None]:
    """Set one cell; ``row`` counts data rows from 1 after the header, ``column`` by header name or index."""

    def change(rows: list[list[str]]) -> None:
        index = rows[0].index(column) if isinstance(column, str) else column
        rows[row][index] = value

    return change


def set_cells(*changes: Callable[[list[list[str]]], None]) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        for c in changes:
            c(rows)

    return change


def duplicate_row(row: int) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows.insert(row + 1, list(rows[row]))

    return change


def raw_bytes(data: bytes) -> Builder:
    return lambda sample: data


def from_text(rel: str, change: Callable[[str], str], encoding: str = "utf-8") -> Builder:
    return lambda sample: change(text_of(sample, rel)).encode(encoding)


def copy_of(rel: str) -> Builder:
    return lambda sample: (sample / rel).read_bytes()


def xlsx_bytes() -> bytes:
    """A minimal Excel workbook (zip) whose only job is to be mistaken for a CSV by its name."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="Sheet1"/></sheets></workbook>')
    return out.getvalue()


EPRACCUR = "reference/epraccur.csv"
ETR = "reference/etr.csv"
MAP_CCG = "reference/gp-reg-pat-prac-map-2021-04.csv"
MAP_ICB = "reference/gp-reg-pat-prac-map-2024-04.csv"
REG_ALL = "reference/gp-reg-pat-prac-all.csv"
REG_MALE = "reference/gp-reg-pat-prac-sing-age-male.csv"
FINGERTIPS = "reference/fingertips_93553_imd2019.csv"
LSOA = "reference/IMD2019_File1_IMD2019.csv"
CROSSWALK = "reference/ccg_icb_crosswalk.csv"

UNIQUE = "column_values_to_be_unique"
VALIDATION = "validation failed, nothing from this file was kept"


def _ragged(sample: Path) -> bytes:
    lines = text_of(sample, CROSSWALK).splitlines()
    lines[2] += ",EXTRA"
    return ("\n".join(lines) + "\n").encode()


def _truncated_quote(sample: Path) -> bytes:
    data = (sample / EPRACCUR).read_bytes()
    return data[: data.index(b"\n", len(data) // 2) + 12]  # stops inside a quoted field of the next row


def _truncated_row(sample: Path) -> bytes:
    data = (sample / REG_ALL).read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    return data[: cut + 30]  # the next row cut after 30 bytes: too few fields


def _cp1252(sample: Path) -> bytes:
    rows = rows_of(sample, ETR)
    rows[0][1] = (
        "SYNTHETIC CAFÉ ROYAL NHS TRUST – ÉTÉ"  # é and an en dash: both cp1252, neither latin-1 ASCII
    )
    return to_csv(rows, encoding="cp1252")


def _latin1(sample: Path) -> bytes:
    rows = rows_of(sample, CROSSWALK)
    rows[1][2] = "NHS SYNTHETIC ICB \x81"  # 0x81: undefined in cp1252, a control character in latin-1
    rows[2][2] = "NHS SYNTHETIC MÜNSTER ICB"
    return to_csv(rows, encoding="latin-1")


def _utf16(sample: Path) -> bytes:
    return text_of(sample, CROSSWALK).encode("utf-16")


def _bom(sample: Path) -> bytes:
    return b"\xef\xbb\xbf" + text_of(sample, FINGERTIPS).encode()


def _no_data(sample: Path) -> bytes:
    return (text_of(sample, LSOA).splitlines()[0] + "\n").encode()


def _unknown(sample: Path) -> bytes:
    return b"Trust,Month,Responses\nRZ1,2024-01,10\n"


def _missing_pcn(sample: Path) -> bytes:
    rows = rows_of(sample, MAP_ICB)
    drop = rows[0].index("PCN_CODE")
    return to_csv([r[:drop] + r[drop + 1 :] for r in rows])


def _duplicated_header(sample: Path) -> bytes:
    rows = rows_of(sample, FINGERTIPS)
    rows[0][rows[0].index("Count")] = "Value"
    return to_csv(rows)


def _scaled(
    rel: str,
    copies: int,
    code: int | str,
    change: Callable[[list[list[str]]], None],
    header: bool = True,
    extract_date: str | None = None,
) -> Builder:
    """A reference file ``copies`` times the sample's size, every organisation under a new code (X9nnnn),
    then ``change``: enough rows that a few bad ones are under the 1% a reference file may lose."""

    def build(sample: Path) -> bytes:
        rows = rows_of(sample, rel)
        head, body = (rows[:1], rows[1:]) if header else ([[]], rows)
        index = head[0].index(code) if isinstance(code, str) else code
        dated = head[0].index("EXTRACT_DATE") if extract_date else None
        out = [list(head[0])]  # change() counts data rows from 1 after row 0
        for n in range(copies * len(body)):
            row = list(body[n % len(body)])
            row[index] = f"X9{n:04d}"
            if dated is not None:
                row[dated] = extract_date
            out.append(row)
        change(out)
        return to_csv(out if header else out[1:], quote_all=not header)

    return build


REFERENCE_CASES: list[Case] = [
    # --- file-level errors: the file is refused before anything is written -------------------------------
    Case(
        "empty_file", "reference", "empty.csv", raw_bytes(b""), "rejected", ("the file is empty (0 bytes)",)
    ),
    Case(
        "blank_first_line",
        "reference",
        "blank_header.csv",
        from_text(CROSSWALK, lambda t: "\n" + t),
        "rejected",
        ("no header row (first line is blank)",),
    ),
    Case(
        "header_without_rows",
        "reference",
        "IMD2019_File1_IMD2019.csv",
        _no_data,
        "rejected",
        ("the file has a header but no data rows",),
    ),
    Case(
        "unknown_layout",
        "reference",
        "mystery.csv",
        _unknown,
        "rejected",
        # "Trust, Month, Responses" shares no column with any reference layout: no closest layout is named.
        ("layout not recognised for source 'reference'; expected one of: ods_epraccur, ods_etr",),
    ),
    Case(
        "missing_signature_column",
        "reference",
        "gp-reg-pat-prac-map-2024-04.csv",
        _missing_pcn,
        "rejected",
        ("layout not recognised", "Closest is 'nhsd_practice_map_icb_era', missing column(s): pcn_code"),
    ),
    Case(
        "ragged_row",
        "reference",
        "ccg_icb_crosswalk.csv",
        _ragged,
        "quarantined",
        # The sample's own "n/a not SBS client" row is held as before; the ragged row with its line.
        quarantined={"ragged_row": 1, "ccg_code_shape": 1},
        held=(("ragged_row", 2, None, "4 fields"),),  # the header's three columns and one more
        counts=(5, 3, 2),
    ),
    Case(
        "truncated_inside_quotes",
        "reference",
        "epraccur.csv",
        _truncated_quote,
        "rejected",
        ("malformed CSV at line", "a quoted value is never closed (truncated file?)"),
    ),
    Case(
        "truncated_last_row",
        "reference",
        "gp-reg-pat-prac-all.csv",
        _truncated_row,
        "rejected",
        ("the file is truncated: its last line (", "is cut mid-field", "so nothing from it was loaded"),
    ),
    Case(
        "duplicated_header",
        "reference",
        "fingertips_93553_imd2019.csv",
        _duplicated_header,
        "rejected",
        ("duplicated header column(s) value; each column name must appear once",),
    ),
    Case(
        "formula_sum",
        "reference",
        "fingertips_93553_imd2019.csv",
        edit(FINGERTIPS, set_cell(4, "Value", "=AVERAGE(M2:M4)")),
        "quarantined",
        quarantined={"formula_text": 1},
        held=(("formula_text", 4, "value", "=AVERAGE(M2:M4)"),),
        counts=(67, 66, 1),
    ),
    Case(
        "formula_cell_reference",
        "reference",
        "gp-reg-pat-prac-all.csv",
        edit(REG_ALL, set_cell(2, "NUMBER_OF_PATIENTS", "=J2*2")),
        "quarantined",
        quarantined={"formula_text": 1},
        held=(("formula_text", 2, "number_of_patients", "=J2*2"),),
        counts=(66, 65, 1),
    ),
    Case(
        "spreadsheet_error_value",
        "reference",
        "IMD2019_File1_IMD2019.csv",
        edit(LSOA, set_cell(7, 4, "#REF!")),
        "quarantined",
        quarantined={"formula_text": 1},
        counts=(66, 65, 1),
    ),
    Case(
        "workbook_named_csv",
        "reference",
        "epraccur_export.csv",
        lambda sample: xlsx_bytes(),
        "rejected",
        (
            "the file is named .csv but is an Excel workbook or other zip archive (.xlsx); save or export it as CSV",
        ),
    ),
    Case(
        "pdf_named_csv",
        "reference",
        "etr_copy.csv",
        raw_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        "rejected",
        ("is a PDF document",),
    ),
    Case(
        "nul_bytes",
        "reference",
        "ccg_icb_crosswalk_2.csv",
        lambda sample: (
            (sample / CROSSWALK).read_bytes()[:40] + b"\x00\x00\x00" + (sample / CROSSWALK).read_bytes()[40:]
        ),
        "rejected",
        ("the file contains binary data (NUL bytes), not CSV text",),
    ),
    Case(
        "duplicate_under_another_name",
        "reference",
        "epraccur (1).csv",
        copy_of(EPRACCUR),
        "rejected",
        ("identical content to reference/epraccur.csv, which is already loaded; remove one copy",),
    ),
    # --- suite failures: loaded inside the transaction, audited, rolled back -------------------------------
    Case(
        "epraccur_duplicate_practice",
        "reference",
        "epraccur.csv",
        edit(EPRACCUR, duplicate_row(3), quote_all=True),
        "rejected",
        # Both copies are quarantined (duplicate_key): 2 of 68 rows is over the 1% a reference file may lose.
        (
            "2 of 68 rows (2.9%) would be quarantined (duplicate_key: 2), at or above the 1% a reference file may "
            "lose; the file would shrink the practice list, so the previous version stays",
        ),
    ),
    Case(
        "epraccur_closed_before_opened",
        "reference",
        "epraccur.csv",
        edit(EPRACCUR, set_cell(6, 11, "19600101"), quote_all=True),
        "rejected",
        (VALIDATION, "column_pair_values_a_to_be_greater_than_b [open_date <= close_date]: 1 unexpected"),
    ),
    Case(
        "epraccur_prescribing_setting_out_of_range",
        "reference",
        "epraccur.csv",
        edit(EPRACCUR, set_cell(2, 25, "99"), quote_all=True),
        "rejected",
        (VALIDATION, "column_values_to_be_between [prescribing_setting]: 1 unexpected", "e.g. 99"),
    ),
    Case(
        "practice_map_practice_twice",
        "reference",
        "gp-reg-pat-prac-map-2021-04.csv",
        edit(MAP_CCG, duplicate_row(10)),
        "rejected",
        (
            "2 of 67 rows (3.0%) would be quarantined (duplicate_key: 2), at or above the 1% a reference file may lose",
        ),
    ),
    Case(
        "registrations_total_as_practice",
        "reference",
        "gp-reg-pat-prac-all.csv",
        edit(REG_ALL, set_cell(5, "NUMBER_OF_PATIENTS", "61234567")),
        "rejected",
        (VALIDATION, "column_values_to_be_between [patients]: 1 unexpected", "e.g. 61234567"),
    ),
    Case(
        "registrations_age_twice",
        "reference",
        "gp-reg-pat-prac-sing-age-male.csv",
        edit(REG_MALE, duplicate_row(40)),
        "rejected",
        (VALIDATION, "compound_columns_to_be_unique [extract_date, practice_code, sex, age]: 2 unexpected"),
    ),
    Case(
        "lsoa_rank_beyond_england",
        "reference",
        "IMD2019_File1_IMD2019.csv",
        edit(LSOA, set_cell(3, 4, "40000")),
        "rejected",
        (VALIDATION, "column_values_to_be_between [imd_rank]: 1 unexpected", "e.g. 40000"),
    ),
    Case(
        "lsoa_twice",
        "reference",
        "IMD2019_File1_IMD2019.csv",
        edit(LSOA, duplicate_row(1)),
        "rejected",
        (VALIDATION, f"ref.lsoa_deprivation {UNIQUE} [lsoa_code]: 2 unexpected", "e.g. E01999001"),
    ),
    Case(
        "fingertips_score_over_100",
        "reference",
        "fingertips_93553_imd2019.csv",
        edit(FINGERTIPS, set_cell(3, "Value", "134.5")),
        "rejected",
        (VALIDATION, "column_values_to_be_between [imd_score]: 1 unexpected", "e.g. 134.5"),
    ),
    Case(
        "fingertips_time_period_not_a_year",
        "reference",
        "fingertips_93553_imd2019.csv",
        edit(FINGERTIPS, set_cell(2, "Time period", "latest")),
        "rejected",
        (VALIDATION, "column_values_to_match_regex [time_period]: 1 unexpected", "e.g. latest"),
    ),
    Case(
        "etr_trust_twice",
        "reference",
        "etr.csv",
        edit(ETR, duplicate_row(1)),
        "rejected",
        (VALIDATION, f"ref.nhs_trusts {UNIQUE} [trust_code]: 2 unexpected", "e.g. RZ2"),
    ),
    Case(
        "crosswalk_ccg_twice",
        "reference",
        "ccg_icb_crosswalk.csv",
        edit(CROSSWALK, duplicate_row(1)),
        "rejected",
        (VALIDATION, f"ref.ccg_icb_crosswalk {UNIQUE} [ccg_code]: 2 unexpected"),
    ),
    Case(
        "practice_map_region_not_a_region",
        "reference",
        "gp-reg-pat-prac-map-2024-04.csv",
        edit(MAP_ICB, set_cell(8, "COMM_REGION_CODE", "QZ9")),
        "rejected",
        (VALIDATION, "column_values_to_match_regex [region_code]: 1 unexpected", "e.g. QZ9"),
    ),
    Case(
        "etr_closed_before_opened",
        "reference",
        "etr.csv",
        edit(ETR, set_cell(1, 11, "19990331")),
        "rejected",
        (
            VALIDATION,
            "ref.nhs_trusts column_pair_values_a_to_be_greater_than_b [open_date <= close_date]: 1 unexpected",
        ),
    ),
    Case(
        "crosswalk_every_row_junk",
        "reference",
        "ccg_icb_crosswalk_empty.csv",
        lambda sample: b"CCG Code,ICB Code\nTotal,QE1\nn/a,QE1\n",
        "rejected",
        (VALIDATION, "ref.ccg_icb_crosswalk table_row_count_to_be_between (observed 0)"),
    ),
    # --- row rules: the bad rows go to quarantine.rows with their rule, the rest of the file loads ----------
    Case(
        "registrations_bad_sex_and_count",
        "reference",
        "gp-reg-pat-prac-all-2.csv",
        edit(
            REG_ALL,
            set_cells(
                set_cell(1, "SEX", "UNKNOWN"),
                set_cell(2, "NUMBER_OF_PATIENTS", "-5"),
                set_cell(3, "NUMBER_OF_PATIENTS", "n/a"),
                set_cell(4, "EXTRACT_DATE", "sometime"),
            ),
        ),
        "quarantined",
        quarantined={"sex_known": 1, "patients_count": 2, "extract_date_format": 1},
    ),
    Case(
        "epraccur_unknown_status",
        "reference",
        "epraccur-2.csv",
        _scaled(EPRACCUR, 4, 0, set_cells(set_cell(4, 12, "X"), set_cell(5, 10, "31/02/2020")), header=False),
        "quarantined",
        # 2 of 268 rows (0.7%): under the 1% a reference file may lose, so the rest replaces the reference.
        quarantined={"status_known": 1, "open_date_format": 1},
        counts=(268, 266, 2),
    ),
    Case(
        "lsoa_decile_eleven",
        "reference",
        "IMD2019_File1_IMD2019-extra.csv",
        edit(LSOA, set_cells(set_cell(2, 5, "11"), set_cell(3, 0, "S01000001"))),
        "quarantined",
        quarantined={"decile_range": 1, "lsoa_code_shape": 1},
    ),
    Case(
        "fingertips_other_indicator",
        "reference",
        "fingertips_other.csv",
        edit(FINGERTIPS, set_cells(set_cell(2, "Indicator ID", "90366"), set_cell(3, "Value", "high"))),
        "quarantined",
        quarantined={"indicator_is_imd2019": 1, "value_numeric": 1},
    ),
    Case(
        "practice_map_bad_codes",
        "reference",
        "gp-reg-pat-prac-map-2024-10.csv",
        _scaled(
            MAP_ICB,
            5,
            "PRACTICE_CODE",
            set_cells(
                set_cell(1, "PRACTICE_CODE", "X9100"),
                set_cell(2, "ICB_CODE", "QZ99"),
                set_cell(3, "SUB_ICB_LOCATION_CODE", ""),
            ),
            extract_date="2024-10-01",
        ),
        "quarantined",
        # 3 of 330 rows (0.9%): under the 1% limit.
        quarantined={"practice_code_shape": 1, "icb_code_shape": 1, "sub_icb_code_shape": 1},
        counts=(330, 327, 3),
    ),
    Case(
        "crosswalk_junk_rows",
        "reference",
        "ccg_icb_crosswalk_third_party.csv",
        lambda sample: b"CCG Code,ICB Code\n00K,QE1\nTotal,\nn/a,QE1\n99X,Q1\n",
        "quarantined",
        # "Total," has a blank ICB code: quarantined by the ICB rule as well as the CCG rule.
        quarantined={"ccg_code_shape": 2, "icb_code_shape": 2},
    ),
    # --- awkward but readable: encodings Excel writes ---------------------------------------------------
    Case(
        "cp1252_trust_names",
        "reference",
        "etr.csv",
        _cp1252,
        "loaded",
        sql="SELECT trust_name FROM ref.nhs_trusts WHERE source_file = 'reference/etr.csv' AND source_row = 1",
        expect=(("SYNTHETIC CAFÉ ROYAL NHS TRUST – ÉTÉ",),),
    ),
    Case(
        "latin1_control_byte",
        "reference",
        "ccg_icb_crosswalk.csv",
        _latin1,
        "loaded",
        quarantined={"ccg_code_shape": 1},  # the sample's own "n/a not SBS client" row
        sql="SELECT icb_name FROM ref.ccg_icb_crosswalk WHERE source_file = 'reference/ccg_icb_crosswalk.csv' "
        "AND source_row = 2",
        expect=(("NHS SYNTHETIC MÜNSTER ICB",),),
    ),
    Case(
        "utf16_with_bom",
        "reference",
        "ccg_icb_crosswalk.csv",
        _utf16,
        "loaded",
        quarantined={"ccg_code_shape": 1},
        sql="SELECT count(*), min(ccg_code) FROM ref.ccg_icb_crosswalk WHERE source_file = 'reference/ccg_icb_crosswalk.csv'",
        expect=((4, "ZA0"),),
    ),
    Case(
        "utf8_bom_on_a_header_layout",
        "reference",
        "fingertips_93553_imd2019.csv",
        _bom,
        "loaded",
        sql="SELECT count(*) FROM ref.area_deprivation WHERE source_file = 'reference/fingertips_93553_imd2019.csv'",
        expect=((67,),),
    ),
]

GPPS_NATIONAL_2023 = "gpps/GPPS_2023_National_data_(weighted)_(csv)_PUBLIC.csv"
GPPS_VARIABLES = "gpps/GPPS_2023_list_of_reporting_variables.csv"
GPPS_RESPONDENTS = "gpps/gpps_2023_respondent_extract.csv"
GPPS_PRACTICE_2023 = "gpps/GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv"
GPPS_PRACTICE_2025 = "gpps/GPPS_2025_Practice_data_(weighted)_(csv)_PUBLIC.csv"

GPPS_CASES: list[Case] = [
    Case(
        "gpps_practice_formula",
        "gpps",
        "GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        # A formula in a number column and one in a text column; a suppression sentinel (-99) is a number.
        edit(
            GPPS_PRACTICE_2023,
            set_cells(
                set_cell(1, "q3_1", "=SUM(F2:F3)"),
                set_cell(2, "practice_name", "@HYPERLINK(A1)"),
                set_cell(3, "q3_2", "-99"),
            ),
        ),
        "quarantined",
        # (practice_in_geography: the sample's own practice outside the 2023 geography, held as before)
        quarantined={"formula_text": 2, "practice_in_geography": 1},
        held=(
            ("formula_text", 1, "q3_1", "=SUM(F2:F3)"),
            ("formula_text", 2, "practice_name", "@HYPERLINK(A1)"),
        ),
        counts=(67, 64, 3),
        sql="SELECT count(*) FROM staged.gpps_organisations WHERE source_file = "
        "'gpps/GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv' AND source_row = 3",
        expect=((1,),),
    ),
    Case(
        "gpps_practice_twice",
        "gpps",
        "GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        edit(GPPS_PRACTICE_2023, duplicate_row(5)),
        "quarantined",
        # Both copies held (which is right cannot be told); the other 66 practices load.
        quarantined={"duplicate_key": 2, "practice_in_geography": 1},
        counts=(68, 65, 3),
    ),
    Case(
        "gpps_proportion_over_one_and_interval_reversed",
        "gpps",
        "GPPS_2025_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        edit(
            GPPS_PRACTICE_2025,
            set_cells(
                set_cell(3, "localgpservicesphone_2.pct", "1.34"),
                set_cell(4, "localgpservicesphone.lowileval", ".99"),
                set_cell(4, "localgpservicesphone.hiwileval", ".5"),
            ),
        ),
        "quarantined",
        # Aggregate source: the two figures are held, every row (practice) loads with its other figures.
        quarantined={"proportion_in_range": 1, "interval_ordered": 1},
        held=(
            (
                "interval_ordered",
                4,
                "localgpservicesphone.lowileval",
                "lower 0.99, upper 0.5, proportion 0.713472733",
            ),
            ("proportion_in_range", 3, "localgpservicesphone_2.pct", "1.34"),
        ),
        counts=(66, 66, 0),
        note=(
            "2 published figure(s) quarantined (interval_ordered: 1, proportion_in_range: 1); the rest of their rows loaded",
        ),
        sql="SELECT count(*) FILTER (WHERE source_row = 3 AND question = 'localgpservicesphone' AND response_option = '2'), "
        "count(*) FILTER (WHERE source_row = 3) > 10 FROM staged.gpps_results "
        "WHERE source_file = 'gpps/GPPS_2025_Practice_data_(weighted)_(csv)_PUBLIC.csv'",
        expect=((0, True),),
    ),
    Case(
        "gpps_ragged_row",
        "gpps",
        "GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        from_text(GPPS_PRACTICE_2023, lambda t: t.replace("\n", ",EXTRA\n", 3).replace(",EXTRA\n", "\n", 2)),
        "quarantined",
        quarantined={"ragged_row": 1, "practice_in_geography": 1},
        held=(("ragged_row", 2, None, "1002 fields"),),  # the header's 1,001 columns and one more
        counts=(67, 65, 2),
    ),
    Case(
        "gpps_national_header_only",
        "gpps",
        "GPPS_2023_National_data_(weighted)_(csv)_PUBLIC.csv",
        lambda sample: (text_of(sample, GPPS_NATIONAL_2023).splitlines()[0] + "\n").encode(),
        "rejected",
        ("the file has a header but no data rows",),
    ),
    Case(
        "gpps_variable_listed_twice",
        "gpps",
        "GPPS_2023_list_of_reporting_variables.csv",
        edit(GPPS_VARIABLES, duplicate_row(3)),
        "rejected",
        (
            VALIDATION,
            "ref.gpps_variables compound_columns_to_be_unique [survey_year, variable]: 2 unexpected",
        ),
    ),
    Case(
        "gpps_respondent_weight_shifted",
        "gpps",
        "gpps_2023_respondent_extract.csv",
        edit(GPPS_RESPONDENTS, set_cell(2, "weight", "250")),
        "rejected",
        (VALIDATION, "staged.survey_responses column_values_to_be_between [weight]"),
    ),
]


# GPPS: a file whose survey year (file name) contradicts the header generation of its columns. The content
# is changed by one value so it is not a byte-identical copy of the file it came from.
GPPS_NATIONAL_2025 = "gpps/GPPS_2025_National_data_(weighted)_(csv)_PUBLIC.csv"


def _retitled(rel: str) -> Builder:
    def build(sample: Path) -> bytes:
        rows = rows_of(sample, rel)
        rows.append(list(rows[-1]))  # one row more: different bytes, same grammar
        return to_csv(rows)

    return build


GPPS_CASES += [
    Case(
        "gpps_2019_named_file_with_2024_columns",
        "gpps",
        "GPPS_2019_National_data_(weighted)_(csv)_PUBLIC.csv",
        _retitled(GPPS_NATIONAL_2025),
        "rejected",
        (
            "GPPS_2019_National_data_(weighted)_(csv)_PUBLIC.csv: the survey year 2019 (from the file name) "
            "contradicts its columns, which are the gpps_results_2024_on header generation",
            "published for 2024+",
        ),
    ),
    Case(
        "gpps_2025_named_file_with_qn_columns",
        "gpps",
        "GPPS_2025_CCG_data_(weighted)_(csv)_PUBLIC.csv",
        _retitled("gpps/GPPS_2019_CCG_data_(weighted)_(csv)_PUBLIC.csv"),
        "rejected",
        (
            "the survey year 2025 (from the file name) contradicts its columns, which are the "
            "gpps_results_2017_2021 header generation",
            "published for 2017-2021",
        ),
    ),
]

# --- FFT ----------------------------------------------------------------------------------------------------

FFT_INPATIENT = "fft/friends-and-family-test-inpatient-data-july-2025.xlsx"
FFT_UPLOAD = "fft/fft_comments_upload_2025-07.csv"


def workbook_edit(rel: str, change: Callable) -> Builder:
    """A builder that opens a sample FFT workbook with openpyxl, applies ``change`` and saves it."""

    def build(sample: Path) -> bytes:
        import openpyxl

        workbook = openpyxl.load_workbook(sample / rel)
        change(workbook)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    return build


def header_cell(sheet: object, label: str) -> tuple[int, int]:
    """(row, column) of the first cell whose text is ``label`` (case-insensitive)."""
    for row in sheet.iter_rows():  # type: ignore[attr-defined]
        for cell in row:
            if isinstance(cell.value, str) and cell.value.strip().lower() == label.lower():
                return cell.row, cell.column
    raise KeyError(label)


def row_of(sheet: object, value: str) -> int:
    """The first row holding a cell equal to ``value`` (an organisation's code)."""
    for row in sheet.iter_rows():  # type: ignore[attr-defined]
        if any(cell.value == value for cell in row):
            return row[0].row
    raise KeyError(value)


def _star_row(workbook: object) -> None:
    """Every measure of trust RZ2's row published as '*' (suppressed)."""
    sheet = workbook["Trusts"]  # type: ignore[index]
    top, total_col = header_cell(sheet, "Total Responses")
    row = row_of(sheet, "RZ2")
    for column in range(total_col, sheet.max_column + 1):
        if sheet.cell(top, column).value is not None or sheet.cell(top + 1, column).value is not None:
            sheet.cell(row, column).value = "*"


def _pct_over_100(workbook: object) -> None:
    sheet = workbook["Sites"]  # type: ignore[index]
    top, col = header_cell(sheet, "Percentage Positive")
    sheet.cell(top + 2, col).value = 134


def _ward_twice(workbook: object) -> None:
    """Hillcrest Infirmary's first ward repeated under it (an organisation unit listed twice)."""
    sheet = workbook["Wards"]  # type: ignore[index]
    row = row_of(sheet, "RZ201")
    sheet.insert_rows(row + 1)
    for column in range(1, sheet.max_column + 1):
        sheet.cell(row + 1, column).value = sheet.cell(row, column).value


def _no_data_sheet(sample: Path) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes["A1"] = "Inpatient Friends and Family Test (FFT) data - August 2025"
    trusts = workbook.create_sheet("Trusts")
    trusts["A1"] = "Inpatient Friends and Family Test (FFT) data - August 2025"
    trusts["A3"] = "Data for this month will be published next month."
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FFT_CASES: list[Case] = [
    Case(
        "fft_workbook_without_data_sheet",
        "fft",
        "friends-and-family-test-inpatient-data-august-2025.xlsx",
        _no_data_sheet,
        "rejected",
        ("no FFT data rows found: no sheet has a 'Total Responses' header followed by data",),
    ),
    Case(
        "fft_star_riddled_row",
        "fft",
        "friends-and-family-test-inpatient-data-july-2025.xlsx",
        workbook_edit(FFT_INPATIENT, _star_row),
        "loaded",
        sql="SELECT is_suppressed, total_responses, pct_positive, very_good, len(suppressed_fields) > 10 "
        "FROM staged.fft_scores WHERE source_file = 'fft/friends-and-family-test-inpatient-data-july-2025.xlsx' "
        "AND sheet = 'Trusts' AND organisation_code = 'RZ2'",
        expect=((True, None, None, None, True),),
    ),
    Case(
        "fft_percentage_above_100",
        "fft",
        "friends-and-family-test-inpatient-data-july-2025.xlsx",
        workbook_edit(FFT_INPATIENT, _pct_over_100),
        "quarantined",
        quarantined={"percentage_in_range": 1},
    ),
    Case(
        "fft_ward_listed_twice",
        "fft",
        "friends-and-family-test-inpatient-data-july-2025.xlsx",
        workbook_edit(FFT_INPATIENT, _ward_twice),
        "rejected",
        (
            VALIDATION,
            "staged.fft_scores compound_columns_to_be_unique [setting, period, level, organisation_code, unit]: "
            "2 unexpected",
        ),
    ),
    Case(
        "fft_comment_score_out_of_scale",
        "fft",
        "fft_comments_upload_2025-07.csv",
        edit(FFT_UPLOAD, set_cells(set_cell(3, "fft", "9"), set_cell(4, "fft", "excellent!!"))),
        "quarantined",
        # Record-level: the row with 9 (not an FFT answer) is held with its value; a word that is not an answer
        # keeps its comment, published as written with no rating. The sample's 12 blank comments are held too.
        quarantined={"score_in_range": 1, "comment_present": 12},
        held=(("score_in_range", 3, "score", "9"),),
        counts=(420, 407, 13),
        sql="SELECT source_record_id, rating, rating_as_published FROM staged.comments "
        "WHERE source_file = 'fft/fft_comments_upload_2025-07.csv' AND source_row IN (3, 4) ORDER BY source_row",
        expect=(("C00004", None, "excellent!!"),),
    ),
    Case(
        "fft_comment_date_unreadable",
        "fft",
        "fft_comments_upload_2025-07.csv",
        edit(FFT_UPLOAD, set_cell(5, "date", "the 5th")),
        "quarantined",
        quarantined={"date_readable": 1, "comment_present": 12},
    ),
]

# --- complaints ---------------------------------------------------------------------------------------------

KO41A = "complaints/ko41a_2025-26_q1.csv"
KO41B = "complaints/ko41b_2025-26_q1.csv"
REGISTER = "complaints/complaints_register_2025-26.csv"


def _add_one(row: int, column: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        index = rows[0].index(column)
        rows[row][index] = str(int(rows[row][index]) + 1)

    return change


def _extra_column(name: str, value: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[0].append(name)
        for r in rows[1:]:
            r.append(value)

    return change


COMPLAINTS_CASES: list[Case] = [
    Case(
        "complaints_return_arithmetic_broken",
        "complaints",
        "ko41b_2025-26_q1.csv",
        edit(KO41B, _add_one(2, "Upheld")),  # upheld + partially + not upheld no longer = resolved
        "quarantined",
        quarantined={"resolved_equals_outcomes": 1},
    ),
    Case(
        "complaints_unknown_header",
        "complaints",
        "ko41a_2025-26_q1.csv",
        edit(KO41A, _extra_column("Complaints Withdrawn", "0")),
        "rejected",
        (
            "header(s) not in the mapping: complaints withdrawn",
            "Add a row to pipelines/sources/complaints/header_map.csv",
        ),
    ),
    Case(
        "complaints_negative_count",
        "complaints",
        "ko41a_2025-26_q1.csv",
        edit(KO41A, set_cell(3, "Status: Other", "-2")),
        "quarantined",
        # -2 is not a count, and the complainant-status breakdown no longer covers the new complaints.
        quarantined={"counts_are_whole_numbers": 1, "breakdowns_cover_total": 1},
    ),
    Case(
        "complaints_closed_before_received",
        "complaints",
        "complaints_register_2025-26.csv",
        edit(
            REGISTER,
            set_cells(set_cell(4, "Date Received", "20/06/2025"), set_cell(4, "Date Closed", "02/05/2025")),
        ),
        "quarantined",
        quarantined={"closed_after_received": 1},
    ),
    Case(
        "complaints_reference_twice",
        "complaints",
        "complaints_register_2025-26.csv",
        edit(REGISTER, duplicate_row(6)),
        "quarantined",
        # Every row sharing the complaint id is held: which copy is right cannot be told.
        quarantined={"duplicate_key": 2},
        held=(
            ("duplicate_key", 6, "complaint_reference", "C20250006"),
            ("duplicate_key", 7, "complaint_reference", "C20250006"),
        ),
        counts=(181, 179, 2),
    ),
    Case(
        "complaints_unknown_organisations",
        "complaints",
        "complaints_register_2025-26.csv",
        edit(
            REGISTER,
            set_cells(set_cell(2, "Organisation Code", "X99999"), set_cell(3, "Organisation Code", "RQQ01")),
        ),
        "quarantined",
        # A practice and a trust site the ODS reference does not know: held, never placed by a guess.
        quarantined={"known_organisation": 2},
        held=(
            ("known_organisation", 2, "organisation_code", "X99999"),
            ("known_organisation", 3, "organisation_code", "RQQ01"),
        ),
        counts=(180, 178, 2),
    ),
    Case(
        "complaints_return_unknown_practice",
        "complaints",
        "ko41b_2025-26_q1.csv",
        edit(KO41B, set_cell(4, "Organisation Code", "X99998")),
        "quarantined",
        quarantined={"known_organisation": 1},
        held=(("known_organisation", 4, "organisation_code", "X99998"),),
        counts=(66, 65, 1),
    ),
    Case(
        "complaints_description_blank_and_formula",
        "complaints",
        "complaints_register_2025-26.csv",
        edit(
            REGISTER,
            set_cells(
                set_cell(2, "Description", ""),
                set_cell(3, "Description", '=HYPERLINK("http://example.org","details")'),
                set_cell(4, "Description", "- the nurse was rude, twice"),
                set_cell(5, "Description", "@ reception nobody answered; -5 stars if I could"),
            ),
        ),
        "quarantined",
        # A record without its body and a formula are held; prose starting with a dash or '@' is text.
        quarantined={"description_present": 1, "formula_text": 1},
        held=(("formula_text", 3, "description", '=HYPERLINK("http://example.org","details")'),),
        counts=(180, 178, 2),
        sql="SELECT t.text FROM raw.comment_text t WHERE t.source_file = 'complaints/complaints_register_2025-26.csv' "
        "AND t.source_row IN (4, 5) ORDER BY t.source_row",
        expect=(("- the nurse was rude, twice",), ("@ reception nobody answered; -5 stars if I could",)),
    ),
    Case(
        "complaints_register_ragged_row",
        "complaints",
        "complaints_register_2025-26.csv",
        from_text(
            REGISTER, lambda t: t.replace("\n", ",extra,fields\n", 9).replace(",extra,fields\n", "\n", 8)
        ),
        "quarantined",
        quarantined={"ragged_row": 1},
        held=(("ragged_row", 8, None, "15 fields"),),
        counts=(180, 179, 1),
    ),
    Case(
        "complaints_register_truncated",
        "complaints",
        "complaints_register_2025-26.csv",
        # The copy stopped 25 characters into the last row: too few fields and no line break after them.
        lambda sample: (lambda t: t[: t.rstrip("\n").rfind("\n") + 26])(text_of(sample, REGISTER)).encode(),
        "rejected",
        ("the file is truncated: its last line (", "is cut mid-field"),
    ),
]

# --- Healthwatch --------------------------------------------------------------------------------------------

HW_REGISTER = "healthwatch/healthwatch-report-register.csv"
HW_REVIEWS = "healthwatch/feedback-centre-reviews.csv"


def _blank_pdf(sample: Path) -> bytes:
    """A well-formed PDF whose pages carry no text layer (a scan that needs OCR)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _unregistered_report(sample: Path) -> bytes:
    text = (sample / "healthwatch/reports/hillcrest-pharmacy-dental-2025.md").read_text(encoding="utf-8")
    return text.replace("Hillcrest", "Marshbrook").encode()


HEALTHWATCH_CASES: list[Case] = [
    Case(
        "healthwatch_report_not_in_register",
        "healthwatch",
        "reports/marshbrook-pharmacy-2025.md",
        _unregistered_report,
        "rejected",
        (
            "this report is not in the Healthwatch register (no row with file = 'marshbrook-pharmacy-2025.md')",
            "a report's place and date are never guessed",
        ),
    ),
    Case(
        "healthwatch_pdf_without_text",
        "healthwatch",
        "reports/saltmarsh-gp-access-2025.pdf",
        _blank_pdf,
        "rejected",
        ("no text could be extracted (a scanned PDF needs OCR first)",),
    ),
    Case(
        "healthwatch_review_seven_stars",
        "healthwatch",
        "feedback-centre-reviews.csv",
        edit(HW_REVIEWS, set_cell(5, "Star rating", "7")),
        "quarantined",
        quarantined={"star_rating_1_to_5": 2},  # the sample's own 6-star review, and this one
    ),
    Case(
        "healthwatch_register_bad_date",
        "healthwatch",
        "healthwatch-report-register.csv",
        edit(HW_REGISTER, set_cell(2, "Publication date", "31/13/2024")),
        "quarantined",
        quarantined={"publication_date_format": 1},
    ),
    Case(
        "healthwatch_register_file_twice",
        "healthwatch",
        "healthwatch-report-register.csv",
        edit(HW_REGISTER, duplicate_row(1)),
        "rejected",
        (
            VALIDATION,
            f"staged.healthwatch_register {UNIQUE} [file_key]: 2 unexpected",
            "e.g. saltmarsh-gp-access-2025.pdf",
        ),
    ),
]

# --- stories ------------------------------------------------------------------------------------------------

CARE_OPINION = "stories/care-opinion-opinions-2024-2025.json"
COLLECTION = "stories/saltmarsh-community-stories.csv"


def _care_opinion(change: Callable[[list], object]) -> Builder:
    def build(sample: Path) -> bytes:
        opinions = json.loads(text_of(sample, CARE_OPINION))
        change(opinions)
        return json.dumps(opinions, indent=1).encode()

    return build


def _unknown_service(opinions: list) -> None:
    single = next(o for o in opinions if len(o["healthServices"]) == 1)
    single["healthServices"][0]["nacsCode"] = "X99999"
    single["healthServices"][0]["name"] = "Unknown Surgery (Synthetic)"


def _drop_column(rel: str, name: str) -> Builder:
    def build(sample: Path) -> bytes:
        rows = rows_of(sample, rel)
        drop = rows[0].index(name)
        return to_csv([r[:drop] + r[drop + 1 :] for r in rows])

    return build


STORIES_CASES: list[Case] = [
    Case(
        "stories_json_not_care_opinion",
        "stories",
        "care-opinion-summary.json",
        raw_bytes(b'{"organisation": "RZ1", "stories": 36, "responded": 16}'),
        "rejected",
        ("expected a JSON array of opinions, found an object with keys organisation, stories, responded",),
    ),
    Case(
        "stories_unknown_ods_code",
        "stories",
        "care-opinion-opinions-2024-2025.json",
        _care_opinion(_unknown_service),
        "quarantined",
        # A service the ODS reference does not know: the story is held, never placed by a guess.
        quarantined={"known_organisation": 1},
        held=(("known_organisation", 2, "unknown_services", "X99999"),),  # the second opinion
        counts=(36, 35, 1),
        sql="SELECT count(*) FROM staged.story_services WHERE organisation_code = 'X99999'",
        expect=((0,),),
    ),
    Case(
        "stories_opinion_without_body",
        "stories",
        "care-opinion-opinions-2024-2025.json",
        _care_opinion(lambda opinions: opinions[4].update(body="")),
        "quarantined",
        quarantined={"body_present": 1},
        counts=(36, 35, 1),
    ),
    Case(
        "stories_csv_story_blank_and_twice",
        "stories",
        "saltmarsh-community-stories.csv",
        edit(COLLECTION, set_cells(set_cell(3, "story", ""), duplicate_row(6))),
        "quarantined",
        quarantined={"body_present": 1, "duplicate_key": 2},
        counts=(15, 12, 3),
    ),
    Case(
        "stories_broken_json",
        "stories",
        "care-opinion-opinions-2024-2025.json",
        lambda sample: (sample / CARE_OPINION).read_bytes()[:5000],
        "rejected",
        # The parser's own position: a truncated export is cut inside an opinion.
        ("not valid JSON at line", ", column", "(a truncated or hand-edited export?)"),
    ),
    Case(
        "stories_csv_without_body",
        "stories",
        "saltmarsh-community-stories.csv",
        _drop_column(COLLECTION, "story"),
        "rejected",
        ("layout not recognised for source 'stories'",),
    ),
    Case(
        "stories_response_before_story",
        "stories",
        "saltmarsh-community-stories.csv",
        edit(COLLECTION, set_cell(2, "response_date", "2025-01-10")),
        "rejected",
        (
            VALIDATION,
            "staged.stories column_pair_values_a_to_be_greater_than_b [published_date <= first_response_date]",
        ),
    ),
]

# --- files as they really arrive (issue 21): formats seen in the wild, mapped headers, exact messages -----


def _label_line_above_epraccur(sample: Path) -> bytes:
    """Someone opened epraccur in Excel, typed column names in row 1 and saved (Excel quotes minimally)."""
    rows = rows_of(sample, EPRACCUR)
    labels = ["Organisation Code", "Name", "National Grouping", *(f"Field {i}" for i in range(4, 28))]
    return to_csv([labels, *rows])


def _with_trailing_blank_lines(rel: str) -> Builder:
    """Excel's empty rows after the data: comma-only lines, a blank line and one of spaces."""
    return lambda sample: (sample / rel).read_bytes() + b",,,,\r\n,,,,\r\n\n   \n"


def _every_indicator(value: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        index = rows[0].index("Indicator ID")
        for r in rows[1:]:
            r[index] = value

    return change


def _header_only(rel: str) -> Builder:
    return lambda sample: (text_of(sample, rel).splitlines()[0] + "\n").encode()


def _cp1252_report(sample: Path) -> bytes:
    text = (sample / "healthwatch/reports/hillcrest-pharmacy-dental-2025.md").read_text(encoding="utf-8")
    extra = "\n\n## What people paid\n\nJosé told us the “£9.90 charge – every month” was too much.\n"
    return (text + extra).encode("cp1252")


def _renamed(rel: str, names: dict[str, str]) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[0] = [names.get(c, c) for c in rows[0]]

    return change


ARRIVAL_REFERENCE_CASES: list[Case] = [
    Case(
        "epraccur_label_line_typed_in_excel",
        "reference",
        "epraccur.csv",
        _label_line_above_epraccur,
        "loaded",
        note=(
            "line 1 ('Organisation Code, Name, National Grouping, …') is a header line added above the ODS "
            "data, which has none (the file was opened and saved in Excel); it was skipped",
        ),
        sql="SELECT count(*), min(source_row), count(*) FILTER (WHERE practice_code = 'Organisation Code') "
        "FROM ref.gp_practices WHERE source_file = 'reference/epraccur.csv'",
        expect=((67, 1, 0),),
    ),
    Case(
        "fingertips_trailing_blank_lines",
        "reference",
        "fingertips_93553_imd2019.csv",
        _with_trailing_blank_lines(FINGERTIPS),
        "loaded",
        note=("4 blank line(s) at the end of the file are not rows and were not read",),
        sql="SELECT count(*) FROM ref.area_deprivation WHERE source_file = 'reference/fingertips_93553_imd2019.csv'",
        expect=((67,),),
    ),
    Case(
        "fingertips_wrong_indicator",
        "reference",
        "fingertips_93553_imd2019.csv",
        edit(FINGERTIPS, _every_indicator("91872")),
        "rejected",
        ("expected indicator 93553 (Deprivation score, IMD 2019), found 91872",),
    ),
    Case(
        "closest_layout_named_with_what_is_missing",
        "reference",
        "deprivation_extract.csv",
        raw_bytes(b"Indicator ID,Area Code,Area Name,Value\n93553,E92000001,England,21.7\n"),
        "rejected",
        (
            "layout not recognised for source 'reference'",
            "Closest is 'fingertips_imd2019_score', missing column(s): area type, time period",
        ),
    ),
]
REFERENCE_CASES += ARRIVAL_REFERENCE_CASES

ARRIVAL_FEEDBACK_CASES: list[Case] = [
    Case(
        "stories_json_syntax_error_position",
        "stories",
        "care-opinion-hand-edited.json",
        raw_bytes(b'[{"id": 1,\n  "title": "Kind staff"\n  "body": "They listened."}]\n'),
        "rejected",
        ("not valid JSON at line 3, column 3: Expecting ',' delimiter",),
    ),
    Case(
        "stories_header_only_increment",
        "stories",
        "saltmarsh-community-stories-2026-01.csv",
        _header_only(COLLECTION),
        "loaded",
        note=("the file has a header and no rows: an incremental export with nothing new, loaded as 0 rows",),
        sql="SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger "
        "WHERE path = 'stories/saltmarsh-community-stories-2026-01.csv'",
        expect=((0, 0, 0),),
    ),
    Case(
        "stories_mixed_date_orders",
        "stories",
        "saltmarsh-community-stories.csv",
        edit(COLLECTION, set_cell(2, "date", "11/22/2025")),  # SCC-002, written month first
        "loaded",
        note=("date: the column mixes orders", "1 month first", "read day first, the UK rule"),
        sql="SELECT published_date FROM staged.stories WHERE story_id = 'saltmarsh-community-stories:SCC-002'",
        expect=((datetime.date(2025, 11, 22),),),
    ),
    Case(
        "stories_csv_headers_mapped",
        "stories",
        "saltmarsh-community-stories.csv",
        edit(
            COLLECTION,
            _renamed(COLLECTION, {"story": "Narrative", "story_id": "Story ID", "date": "Published"}),
        ),
        "loaded",
        sql="SELECT count(*) FROM staged.stories WHERE source_file = 'stories/saltmarsh-community-stories.csv'",
        expect=((14,),),
    ),
    Case(
        "complaints_register_header_only",
        "complaints",
        "complaints_register_2026-27.csv",
        _header_only(REGISTER),
        "loaded",
        note=("the file has a header and no rows: an incremental export with nothing new, loaded as 0 rows",),
        sql="SELECT rows_read, rows_loaded FROM meta.ingest_ledger WHERE path = 'complaints/complaints_register_2026-27.csv'",
        expect=((0, 0),),
    ),
    Case(
        "complaints_register_trailing_blank_lines",
        "complaints",
        "complaints_register_2025-26.csv",
        _with_trailing_blank_lines(REGISTER),
        "loaded",
        note=("4 blank line(s) at the end of the file are not rows and were not read",),
        sql="SELECT count(*) FROM staged.complaints WHERE source_file = 'complaints/complaints_register_2025-26.csv'",
        expect=((180,),),
    ),
    Case(
        "complaints_register_mixed_date_orders",
        "complaints",
        "complaints_register_2025-26.csv",
        # C20250001 received 20/04/2025, written month first
        edit(REGISTER, set_cell(1, "Date Received", "4/20/2025")),
        "loaded",
        note=(
            "date received: ",
            "(the column mixes both orders)",
            "read day first, the file's majority order",
        ),
        sql="SELECT received_date FROM staged.complaints WHERE complaint_reference = 'C20250001' "
        "AND source_file = 'complaints/complaints_register_2025-26.csv'",
        expect=((datetime.date(2025, 4, 20),),),
    ),
    Case(
        "healthwatch_damaged_pdf",
        "healthwatch",
        "reports/saltmarsh-gp-access-2025.pdf",
        raw_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, the download stopped here"),
        "rejected",
        ("reports/saltmarsh-gp-access-2025.pdf: cannot read PDF (",),
    ),
    Case(
        "healthwatch_damaged_pdf_not_in_register",
        "healthwatch",
        "reports/marshbrook-annual-2025.pdf",
        raw_bytes(b"%PDF-1.7\n%%EOF"),
        "rejected",
        ("cannot read PDF (",),
    ),
    Case(
        "healthwatch_cp1252_markdown_report",
        "healthwatch",
        "reports/hillcrest-pharmacy-dental-2025.md",
        _cp1252_report,
        "loaded",
        sql="SELECT count(*) FILTER (WHERE contains(text, chr(65533))), "
        "count(*) FILTER (WHERE contains(text, 'José told us the “£9.90 charge – every month” was too much.')) "
        "FROM raw.comment_text WHERE source_file = 'healthwatch/reports/hillcrest-pharmacy-dental-2025.md'",
        expect=((0, 1),),
    ),
    Case(
        "healthwatch_register_headers_mapped",
        "healthwatch",
        "healthwatch-register-2026.csv",
        raw_bytes(
            b"File name,Healthwatch,Local authority,Date published,Service,Report title\n"
            b"marshbrook-gp-2026.pdf,Healthwatch Saltmarsh (SYNTHETIC),E06999903,2026-01-31,GP practices,"
            b"Marshbrook GP access\n"
        ),
        "loaded",
        sql="SELECT file_key, local_healthwatch, publication_date, service_type, title FROM staged.healthwatch_register "
        "WHERE source_file = 'healthwatch/healthwatch-register-2026.csv'",
        expect=(
            (
                "marshbrook-gp-2026.pdf",
                "Healthwatch Saltmarsh (SYNTHETIC)",
                datetime.date(2026, 1, 31),
                "GP practices",
                "Marshbrook GP access",
            ),
        ),
    ),
]

FEEDBACK_CASES: list[Case] = [
    *FFT_CASES,
    *COMPLAINTS_CASES,
    *HEALTHWATCH_CASES,
    *STORIES_CASES,
    *ARRIVAL_FEEDBACK_CASES,
]
CASES = [*REFERENCE_CASES, *GPPS_CASES, *FEEDBACK_CASES]
