"""Every sheet of NHS England's FFT publication templates (../shared/data/fft-nhse-templates) is read, or a
test says why not.

Each data sheet is rebuilt from its template dump (titles, filter/sort controls, the two-row header, the
England and Selection rows) with one organisation row under the header, and loaded through the FFT layout:
the organisation comes out with every header column mapped. The A&E layout (filter text on row 2, header on
rows 3-4) loads exactly like the inpatient one (header on rows 10-11).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sources.fft.readers import FFT_LAYOUTS
from pipelines.sources.fft.workbook import header_map, normalise_label
from tests.fft.helpers import TEMPLATES, build_workbook, ingest, rows, template_cells

DATA_SHEETS = {
    "AE": ("ICB", "Trusts", "Sites"),
    "IP": ("ICB", "Trusts", "Sites", "Wards"),
    "Amb": ("PTS_ICB", "PTS_Org", "Mode_Org"),
}
# Sheets that hold no organisation's results, and why they are not read.
NOT_DATA = {
    "Notes": "prose about the collection and the month's title (read only for the setting and month)",
    "Summary": "England totals by provider type, a view of the data sheets' own England rows",
    "BS": "the macro's drop-down and sort lists (ICB, trust, site and ward names), no responses",
}
VALUES = {
    "icb_code": "QZ9", "icb_name": "NHS SYNTHETIC ICB", "trust_code": "RZ1", "trust_name": "TRUST ONE",
    "org_code": "RZ1", "org_name": "TRUST ONE", "site_code": "RZ101", "site_name": "SITE ONE",
    "ward_name": "Ward 7", "first_speciality": "Cardiology", "second_speciality": "-",
    "total_responses": 100, "total_eligible": 400, "pct_positive": 0.9, "pct_negative": 0.05,
    "very_good": 70, "good": 20, "neither_good_nor_poor": 4, "poor": 3, "very_poor": 2, "dont_know": 1,
}  # fmt: skip
SETTING = {"AE": "ae", "IP": "inpatient"}


def _header(shared_data: Path, setting: str, sheet: str) -> tuple[int, dict[int, str]]:
    """(Excel row of the header's top row, column → field) of one template sheet."""
    cells = template_cells(shared_data / TEMPLATES / f"FFT_{setting}__{sheet}.csv")
    top = min(r for (r, _c), v in cells.items() if v == "Total Responses")
    fields = header_map("workbook")
    columns: dict[int, str] = {}
    for (r, c), value in cells.items():
        if r in (top, top + 1) and normalise_label(value) in fields:
            columns[c] = fields[normalise_label(value)]
    return top, columns


def _organisation_row(columns: dict[int, str]) -> list[object]:
    width = max(columns)
    return [VALUES.get(columns.get(c, ""), 10 if columns.get(c, "").startswith("mode_") else None)
            for c in range(1, width + 1)]  # fmt: skip


def test_every_template_sheet_is_a_data_sheet_or_has_a_reason(shared_data: Path) -> None:
    dumps = sorted((shared_data / TEMPLATES).glob("FFT_*__*.csv"))
    assert len(dumps) == 19  # 6 A&E, 6 ambulance, 7 inpatient sheets
    for dump in dumps:
        setting, sheet = dump.stem.removeprefix("FFT_").split("__")
        assert sheet in DATA_SHEETS[setting] or sheet in NOT_DATA, dump.name


@pytest.mark.parametrize(
    ("setting", "sheet"), [(s, sheet) for s, sheets in DATA_SHEETS.items() for sheet in sheets]
)
def test_each_template_data_sheet_loads_its_organisation_row(
    shared_data: Path, tmp_path: Path, setting: str, sheet: str
) -> None:
    _top, columns = _header(shared_data, setting, sheet)
    cells = template_cells(shared_data / TEMPLATES / f"FFT_{setting}__{sheet}.csv")
    header_cells = {c for (r, c) in cells if r in (_top, _top + 1) and cells[(r, c)] not in (
        "Breakdown of Responses", "Mode of Collection")}  # fmt: skip
    # Every column label of the two-row header is mapped to a field (nothing is read as an unknown column).
    assert header_cells <= set(columns), sorted(header_cells - set(columns))
    build_workbook(
        shared_data,
        setting,
        {sheet: [_organisation_row(columns)]},
        tmp_path / "landing" / "fft" / f"FFT_{setting}_July_2025.xlsm",
        extra_sheets=tuple(NOT_DATA),
    )
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    assert [o.status for o in report.outcomes] == ["loaded"], report.summary_markdown()
    w = tmp_path / "w.duckdb"
    found = rows(
        w,
        """SELECT sheet, total_responses FROM staged.fft_scores WHERE total_responses = 100
           UNION ALL SELECT sheet, total_responses FROM staged.fft_aggregate_scores
           WHERE aggregate_level = 'icb' AND total_responses = 100""",
    )
    assert found == [(sheet, 100)]
    # Notes, Summary and BS sit in the same workbook and yield no rows.
    assert rows(w, "SELECT DISTINCT sheet FROM raw.fft_workbook_cells") == [(sheet,)]


@pytest.mark.parametrize("setting", ["AE", "IP"])
def test_ae_layout_loads_like_inpatient_with_a_sort_key_above_the_header(
    shared_data: Path, tmp_path: Path, setting: str
) -> None:
    # The sort control beside "Sort data by:" shows its chosen key; 'Total Responses' there is not the header.
    top, columns = _header(shared_data, setting, "Trusts")
    path = build_workbook(
        shared_data,
        setting,
        {"Trusts": [_organisation_row(columns)]},
        tmp_path / "landing" / "fft" / f"FFT_{setting}_July_2025.xlsm",
    )
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Trusts"]
    sort_row = next(
        r for r in range(1, top) for c in range(1, 6) if "Sort data by" in str(sheet.cell(r, c).value)
    )
    sheet.cell(sort_row, 4).value = "Total Responses"
    workbook.save(path)
    ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    assert rows(
        tmp_path / "w.duckdb",
        "SELECT setting, level, organisation_code, total_responses, very_good, pct_positive FROM staged.fft_scores",
    ) == [(SETTING[setting], "trust", "RZ1", 100, 70, 0.9)]
