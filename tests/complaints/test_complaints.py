"""Complaints: KO41-style returns through the header map, arithmetic quarantine, registers, the sample graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sample.ics import synthetic_ics
from pipelines.sources.complaints.readers import COMPLAINT_LAYOUTS, EXTRA_MAP_VARIABLE
from pipelines.sources.complaints.sample import return_header, write_complaints
from tests.conftest import failed_checks, materialize, step_failures
from tests.fft.helpers import ingest, rows

SUMMARY = "Organisation Code,Organisation Name,Period,Complaints Brought Forward,New Complaints Received,Upheld,Partially Upheld,Not Upheld,Total Resolved,Carried Forward,Subject: Communications,Subject: Appointments,Age: 18-64,Age: 65+"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "landing" / "complaints"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_return_arithmetic_breaks_are_quarantined_with_the_rule_named(tmp_path: Path) -> None:
    _write(tmp_path, "ko41a.csv", SUMMARY + "\n"
           "RZ101,GOOD SITE,2025-26 Q1,5,10,3,2,4,9,6,8,4,7,3\n"       # holds; subjects 12 >= 10 (multi-aspect)
           "RZ102,BAD RESOLVED,2025-26 Q1,5,10,3,2,4,10,5,8,4,7,3\n"    # resolved 10 <> 3 + 2 + 4
           "RZ201,BAD CARRIED,2025-26 Q2,5,10,3,2,4,9,7,8,4,7,3\n"      # carried forward 7 <> 5 + 10 - 9
           "X91001,SHORT BREAKDOWN,2025-26 Q3,0,10,1,1,1,3,7,8,1,7,3\n")  # subjects 9 < 10 new  # fmt: skip
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "complaints", COMPLAINT_LAYOUTS)
    counts = report.outcomes[0].counts
    assert counts is not None and (counts.rows_read, counts.rows_loaded, counts.rows_quarantined) == (4, 1, 3)
    w = tmp_path / "w.duckdb"
    assert rows(w, "SELECT source_row, rule FROM quarantine.rows ORDER BY 1") == [
        (2, "resolved_equals_outcomes"),
        (3, "carried_forward_balances"),
        (4, "breakdowns_cover_total"),
    ]
    loaded = rows(
        w,
        """SELECT form, organisation_code, trust_code, period_start, period_end, measure_group, measure, value, framework_category
                        FROM staged.complaint_returns WHERE measure IN ('resolved', 'Communications') ORDER BY measure""",
    )
    assert [r[:5] for r in loaded] == [
        (
            "KO41a",
            "RZ101",
            "RZ1",
            __import__("datetime").date(2025, 4, 1),
            __import__("datetime").date(2025, 6, 30),
        )
    ] * 2
    assert {r[5:] for r in loaded} == {
        ("subject_area", "Communications", 8, "Communication & involvement"),
        ("summary", "resolved", 9, None),
    }


def test_renamed_header_needs_only_a_config_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    renamed = SUMMARY.replace("Complaints Brought Forward", "Complaints B/F")
    _write(tmp_path, "ko41b.csv", renamed + "\nX91001,A PRACTICE,2025-26 Q1,5,10,3,2,4,9,6,10,4,7,3\n")
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "complaints", COMPLAINT_LAYOUTS)
    assert report.outcomes[0].status == "failed"
    assert "no column for brought_forward" in report.outcomes[0].error
    assert "header(s) not in the mapping: complaints b/f" in report.outcomes[0].error
    extra = tmp_path / "local_header_map.csv"
    extra.write_text(
        "layout,header,field,breakdown,category\nreturns,complaints b/f,brought_forward,summary,brought_forward\n"
    )
    monkeypatch.setenv(EXTRA_MAP_VARIABLE, str(extra))
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "complaints", COMPLAINT_LAYOUTS)
    assert report.outcomes[0].status == "loaded", report.outcomes[0].error
    assert rows(
        tmp_path / "w.duckdb",
        "SELECT form, value, header FROM staged.complaint_returns WHERE measure = 'brought_forward'",
    ) == [("KO41b", 5, "complaints b/f")]


REGISTER = (
    "Complaint Reference,Date Received,Date Closed,Organisation Code,Service Area,Subjects,Outcome,Complainant Status,"
    "Patient Age,Patient Sex,Patient Ethnicity,Postcode District,Description\n"
    "A1,02/05/2025,20/05/2025,x91001,General practice,Telephone access; Appointments,Upheld,Patient,24,Male,Bangladeshi,zz1,Could not get through\xa0on the phone.\n"
    "A2,2025-05-03,,RZ101,Inpatients,Lost property,,Relative/Carer,,,,,Lost my hearing aid\n"
    "A3,13/05/2025,01/05/2025,RZ101,Inpatients,Communications,Not upheld,Patient,70,Female,Indian,ZZ2,Closed before received\n"
    "A4,14/05/2025,20/05/2025,RZ101,Inpatients,Communications,Sort of,Patient,70,Female,Indian,ZZ2,Odd outcome\n"
)


def test_register_subjects_map_to_framework_and_descriptions_become_comments(tmp_path: Path) -> None:
    _write(tmp_path, "register.csv", REGISTER)
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "complaints", COMPLAINT_LAYOUTS)
    assert report.outcomes[0].layout == "complaints_register"
    w = tmp_path / "w.duckdb"
    assert rows(w, "SELECT source_row, rule FROM quarantine.rows ORDER BY 1") == [
        (3, "closed_after_received"),
        (4, "outcome_known"),
    ]
    got = rows(
        w,
        """SELECT complaint_id, practice_code, trust_code, days_to_close, subjects, framework_categories,
                            outcome, age_band, sex, ethnicity_band, postcode_district FROM staged.complaints ORDER BY 1""",
    )
    assert got[0] == ("RZ101/A2", None, "RZ1", None, ["Lost property"], ["Unmapped: Lost property"], "Open",
                      "Not stated", "Not stated", "Not stated", None)  # fmt: skip
    assert got[1] == ("X91001/A1", "X91001", None, 18, ["Telephone access", "Appointments"],
                      ["Access to medical care & support", "Access to medical care & support"], "Upheld",
                      "16-24", "Male", "Asian", "ZZ1")  # fmt: skip
    comments = rows(
        w,
        """SELECT c.comment_id, c.channel, c.source, t.text FROM staged.comments c
                          JOIN raw.comment_text t ON t.comment_id = c.text_ref ORDER BY 1""",
    )
    assert comments[1] == (
        "complaints:X91001/A1:description",
        "complaint",
        "complaints",
        "Could not get through on the phone.",
    )


def test_sample_complaints_load_rerun_and_checks_pass(tmp_path: Path) -> None:
    files = write_complaints(synthetic_ics(), tmp_path / "landing" / "complaints")
    assert set(return_header()) and sum(f.stat().st_size for f in files) < 500_000
    first = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "complaints", COMPLAINT_LAYOUTS)
    assert {o.status for o in first.outcomes} == {"loaded"}, first.summary_markdown()
    assert sum(o.counts.rows_quarantined for o in first.outcomes if o.counts) == 0
    w = tmp_path / "w.duckdb"
    before = rows(
        w,
        "SELECT (SELECT count(*) FROM staged.complaint_returns), (SELECT count(*) FROM staged.complaints), (SELECT count(*) FROM staged.comments)",
    )
    second = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "complaints", COMPLAINT_LAYOUTS)
    assert {o.status for o in second.outcomes} == {"skipped"}
    assert (
        rows(
            w,
            "SELECT (SELECT count(*) FROM staged.complaint_returns), (SELECT count(*) FROM staged.complaints), (SELECT count(*) FROM staged.comments)",
        )
        == before
    )


def test_materialize_reference_fft_complaints_on_the_sample(
    all_definitions, sample_landing: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    result = materialize(
        all_definitions, sample_landing, tmp_path / "w.duckdb", groups=["reference", "fft", "complaints"]
    )
    assert step_failures(result) == {}
    assert failed_checks(result) == []
    assert result.success
    w = tmp_path / "w.duckdb"
    assert rows(
        w,
        "SELECT source, count(*) > 0, count(icb_code) > 0 FROM staged.comments WHERE source IN ('fft', 'complaints') GROUP BY 1 ORDER BY 1",
    ) == [("complaints", True, True), ("fft", True, True)]
    assert rows(w, "SELECT count(*) > 0 FROM staged.fft_scores WHERE icb_code = 'QZ9'") == [(True,)]
