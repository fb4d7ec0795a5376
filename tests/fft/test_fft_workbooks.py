"""FFT workbooks: real NHS England layouts rebuilt with openpyxl from the template dumps, and the sample."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.sample.ics import synthetic_ics
from pipelines.sources.fft.readers import FFT_LAYOUTS, FFT_WORKBOOK
from pipelines.sources.fft.sample import HISTORY_MONTHS, MONTH, write_fft
from pipelines.sources.fft.workbook import read_workbook
from tests.fft.helpers import build_workbook, ingest, rows

MODES = [300, 50, 50, 20, 30, 40, 10]


def _ae_sheets(trust_one_breakdown: list[int] | None = None) -> dict[str, list[list[object]]]:
    breakdown = trust_one_breakdown or [350, 100, 15, 15, 10, 10]
    return {
        "ICB": [
            [None, "England", 1003, 5000, 0.9, 0.05, 700, 200, 30, 30, 20, 23],
            [None, "Selection (excluding suppressed data)", 500, 2500, 0.9, 0.05, 350, 100, 15, 15, 10, 10],
            ["QZ9", "NHS SYNTHETIC ICB", 500, 2500, 0.9, 0.05, 350, 100, 15, 15, 10, 10],
        ],
        "Trusts": [
            [None, None, "England", 1003, 5000, 0.9, 0.05, 700, 200, 30, 30, 20, 23, *MODES],
            [
                None,
                None,
                "Selection (excluding suppressed data)",
                500,
                2500,
                0.9,
                0.05,
                350,
                100,
                15,
                15,
                10,
                10,
                *MODES,
            ],
            ["QZ9", "RZ1", "TRUST\xa0ONE", 500, 2500, 0.9, 0.05, *breakdown, *MODES],
            ["QZ9", "RZ2", "TRUST TWO", 3, 40, "*", "*", "*", "*", "*", "*", "*", "*", *["*"] * 7],
        ],
        # This sheet writes percentages 0-100, as some months' workbooks did.
        "Sites": [
            [None, None, None, None, "England", 100, 400, 90, 5, 70, 20, 3, 2, 3, 2],
            [
                None,
                None,
                None,
                None,
                "Selection (excluding suppressed data)",
                100,
                400,
                90,
                5,
                70,
                20,
                3,
                2,
                3,
                2,
            ],
            ["QZ9", "RZ1", "TRUST ONE", "RZ101", "SITE ONE", 100, 400, 90.0, 5.0, 70, 20, 3, 2, 3, 2],
        ],
    }


@pytest.fixture()
def ae_workbook(shared_data: Path, tmp_path: Path) -> Path:
    return build_workbook(
        shared_data, "AE", _ae_sheets(), tmp_path / "landing" / "fft" / "FFT_AE_July_2025.xlsm"
    )


def test_ae_workbook_title_rows_two_row_header_suppression_and_scales(
    ae_workbook: Path, tmp_path: Path
) -> None:
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    assert [o.status for o in report.outcomes] == ["loaded"], report.summary_markdown()
    w = tmp_path / "w.duckdb"
    trust = rows(
        w,
        """SELECT setting, period, level, organisation_name, total_responses, pct_positive, very_good,
                              dont_know, mode_sms, mode_other, is_suppressed
                       FROM staged.fft_scores WHERE organisation_code = 'RZ1'""",
    )
    assert trust == [("ae", date(2025, 7, 1), "trust", "TRUST ONE", 500, 0.9, 350, 10, 300, 10, False)]
    suppressed = rows(
        w,
        "SELECT total_responses, very_good, pct_positive, is_suppressed, suppressed_fields FROM staged.fft_scores WHERE organisation_code = 'RZ2'",
    )
    assert suppressed[0][:4] == (3, None, None, True)
    assert "very_good" in suppressed[0][4] and "total_responses" not in suppressed[0][4]
    site = rows(
        w,
        "SELECT level, trust_code, pct_positive, pct_negative, percent_scale FROM staged.fft_scores WHERE organisation_code = 'RZ101'",
    )
    assert site == [("site", "RZ1", 0.9, 0.05, "0-100")]
    aggregates = rows(
        w,
        "SELECT sheet, aggregate_level, aggregate_code, total_responses FROM staged.fft_aggregate_scores ORDER BY ALL",
    )
    assert ("ICB", "icb", "QZ9", 500) in aggregates
    assert {(s, a) for s, a, _c, _n in aggregates} == {
        (s, a) for s in ("ICB", "Trusts", "Sites") for a in ("england", "selection")
    } | {("ICB", "icb")}
    # England / Selection / ICB rows never sit among organisations.
    assert rows(w, "SELECT count(*) FROM staged.fft_scores WHERE organisation_code IS NULL")[0][0] == 0
    raw = rows(w, "SELECT header FROM raw.fft_workbook_cells WHERE field = 'very_good' LIMIT 1")
    assert raw == [("Breakdown of Responses / Very Good",)]


def test_breakdown_that_does_not_add_up_is_quarantined(shared_data: Path, tmp_path: Path) -> None:
    build_workbook(
        shared_data,
        "AE",
        _ae_sheets([350, 100, 15, 15, 10, 99]),
        tmp_path / "landing" / "fft" / "FFT_AE_July_2025.xlsx",
    )
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    counts = report.outcomes[0].counts
    assert counts is not None and counts.rows_quarantined == 1
    assert rows(tmp_path / "w.duckdb", "SELECT rule, column_name FROM quarantine.rows") == [
        ("breakdown_sums_to_total", "total_responses")
    ]
    assert rows(
        tmp_path / "w.duckdb",
        "SELECT count(*) FROM staged.fft_scores WHERE organisation_code = 'RZ1' AND level = 'trust'",
    ) == [(0,)]


def test_ambulance_pts_sheet_and_england_including_excluding_independent_sector(
    shared_data: Path, tmp_path: Path
) -> None:
    sheets = {
        "PTS_Org": [
            [
                None,
                None,
                "England (including Independent Sector Providers)",
                200,
                900,
                0.95,
                0.02,
                150,
                40,
                4,
                2,
                2,
                2,
            ],
            [
                None,
                None,
                "England (excluding Independent Sector Providers)",
                180,
                800,
                0.95,
                0.02,
                135,
                36,
                4,
                2,
                1,
                2,
            ],
            [None, None, "Selection (excluding suppressed data)", 100, 400, 0.95, 0.02, 80, 15, 2, 1, 1, 1],
            ["QZ9", "RZ3", "SYNTHETIC AMBULANCE", 100, 400, 0.95, 0.02, 80, 15, 2, 1, 1, 1],
        ]
    }
    build_workbook(shared_data, "Amb", sheets, tmp_path / "landing" / "fft" / "amb.xlsm")
    ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    w = tmp_path / "w.duckdb"
    assert rows(w, "SELECT setting, period, level, organisation_code FROM staged.fft_scores") == [
        ("ambulance_pts", date(2025, 6, 1), "organisation", "RZ3")
    ]
    assert {r[0] for r in rows(w, "SELECT aggregate_level FROM staged.fft_aggregate_scores")} == {
        "england_including_is",
        "england_excluding_is",
        "selection",
    }


def _drop_titles(path: Path) -> None:
    """Blank the 'Friends and Family Test (FFT) data - <month>' title, as some months' workbooks lack it."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(max_row=12):
            for cell in row:
                if isinstance(cell.value, str) and "family test" in cell.value.lower():
                    cell.value = None
    workbook.save(path)


def test_inpatient_month_from_file_name_when_notes_have_no_title(shared_data: Path, tmp_path: Path) -> None:
    sheets = {"Wards": [
        [None, None, None, None, None, "England (including Independent Sector Providers)", 60, 90, 90, 5, 40, 14, 2, 2, 1, 1],
        [None, None, None, None, None, "England (excluding Independent Sector Providers)", 60, 90, 90, 5, 40, 14, 2, 2, 1, 1],
        [None, None, None, None, None, "Selection (excluding suppressed data)", 60, 90, 90, 5, 40, 14, 2, 2, 1, 1],
        ["QZ9", "RZ1", "TRUST ONE", "RZ101", "SITE ONE", "Ward 7", 60, 90, 90, 5, 40, 14, 2, 2, 1, 1, "Cardiology"],
    ]}  # fmt: skip
    named = build_workbook(
        shared_data,
        "IP",
        sheets,
        tmp_path / "landing" / "fft" / "friends-and-family-test-inpatient-data-march-2024.xlsx",
    )
    _drop_titles(named)
    ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    assert rows(
        tmp_path / "w.duckdb",
        "SELECT setting, period, level, ward_name, first_speciality, pct_positive FROM staged.fft_scores",
    ) == [("inpatient", date(2024, 3, 1), "ward", "Ward 7", "Cardiology", 0.9)]
    unnamed = named.with_name("export.xlsx")
    named.rename(unnamed)
    landing_file = LandingFile.from_path(unnamed, tmp_path / "landing", "fft")
    assert FFT_WORKBOOK.matches(landing_file, None)
    with pytest.raises(
        FileRejected, match="export.xlsx: FFT workbook without a recognisable setting and month"
    ):
        read_workbook(landing_file)


def test_sample_workbooks_and_rerun_loads_nothing_twice(tmp_path: Path) -> None:
    files = write_fft(synthetic_ics(), tmp_path / "landing" / "fft")
    assert sum(f.stat().st_size for f in files) < 2_000_000
    first = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    assert {o.status for o in first.outcomes} == {"loaded"}, first.summary_markdown()
    w = tmp_path / "w.duckdb"
    before = rows(
        w,
        "SELECT (SELECT count(*) FROM staged.fft_scores), (SELECT count(*) FROM staged.fft_aggregate_scores), (SELECT count(*) FROM staged.comments)",
    )
    assert all(n > 0 for n in before[0])
    # A&E every month for a control chart, ending with the month the inpatient workbook and comments are for.
    months = rows(
        w, "SELECT setting, count(DISTINCT period), max(period) FROM staged.fft_scores GROUP BY 1 ORDER BY 1"
    )
    assert months == [("ae", HISTORY_MONTHS, date(2025, 7, 1)), ("inpatient", 1, MONTH)]
    assert rows(
        w,
        "SELECT DISTINCT percent_scale FROM staged.fft_scores WHERE setting = 'inpatient' AND pct_positive IS NOT NULL",
    ) == [("0-100",)]
    assert rows(w, "SELECT max(pct_positive) <= 1 FROM staged.fft_scores") == [(True,)]
    second = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    assert {o.status for o in second.outcomes} == {"skipped"}
    after = rows(
        w,
        "SELECT (SELECT count(*) FROM staged.fft_scores), (SELECT count(*) FROM staged.fft_aggregate_scores), (SELECT count(*) FROM staged.comments)",
    )
    assert after == before
