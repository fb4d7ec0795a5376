"""FFT comment exports: the trust upload template, the public labelled shapes (real files), the sample."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from pipelines.sources.fft.readers import FFT_LAYOUTS
from tests.fft.helpers import ingest, place, rows

UPLOAD = (
    "comment_id,date,location_1,location_2,location_3,fft,comment,question,sex,gender,age,ethnicity,sexuality,disability,religion\n"
    "1,25/07/2025,RZ101,Emergency department,,1,Lovely\xa0staff,Overall?,Male,Man,23,Bangladeshi,Heterosexual,No,Muslim\n"
    "2,03/04/2025,X91001,General practice,,5,Did not answer,Overall?,Female,Woman,45-54,White British,,Yes,\n"
    "3,07/13/2025,X91001,General practice,,Very poor,Could not get through on the phone,Overall?,Female,Woman,19,Pakistani,Bisexual,No,Muslim\n"
    "4,28/07/2025,RZ201,Inpatients,Ward 2,6,  N/A ,Overall?,Prefer not to say,,85+,Not stated,,,\n"
    "5,05/05/2025,RZ201,Inpatients,,2,Good,Overall?,,,,,,,\n"
    "5,06/05/2025,RZ201,Inpatients,,2,Repeated id,Overall?,,,,,,,\n"
    '6,31/07/2025,RZ201,Inpatients,,3,"Multi-line\nanswer, with comma",Overall?,,,,,,,\n'
)


def test_trust_upload_dates_spaces_non_answers_demographics(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "fft"
    folder.mkdir(parents=True)
    (folder / "upload.csv").write_text(UPLOAD, encoding="utf-8")
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    counts = report.outcomes[0].counts
    assert report.outcomes[0].layout == "fft_comments_trust_upload"
    assert counts is not None and (counts.rows_read, counts.rows_loaded, counts.rows_quarantined) == (7, 6, 1)
    w = tmp_path / "w.duckdb"
    assert rows(w, "SELECT rule, source_row FROM quarantine.rows") == [("comment_id_unique", 6)]
    got = {
        r[0]: r[1:]
        for r in rows(
            w,
            """
        SELECT source_record_id, organisation_code, practice_code, trust_code, comment_date, date_ambiguous,
               is_substantive, rating, rating_as_published, age_band, sex, gender_identity, ethnicity, ethnicity_band,
               disability, sexual_orientation, religion
        FROM staged.comments ORDER BY source_row""",
        )
    }
    assert got["1"] == ("RZ101", None, "RZ1", date(2025, 7, 25), False, True, 1, "1", "16-24", "Male", "Man",
                        "Asian or Asian British: Bangladeshi", "Asian", "No", "Heterosexual or straight", "Muslim")  # fmt: skip
    # 03/04/2025 alone could be either order: the file's settled rows are mostly d/m/Y, and it is flagged.
    assert got["2"][3:8] == (date(2025, 4, 3), True, False, 5, "5")
    assert got["2"][10:12] == ("Woman", "White: English, Welsh, Scottish, Northern Irish or British")
    assert got["3"][3:8] == (date(2025, 7, 13), False, True, 5, "Very poor")  # m/d/Y settled by 13
    assert got["4"][5:8] == (
        False,
        None,
        "6",
    )  # don't know: no rating, published value kept; ' N/A ' says nothing
    assert got["4"][8:10] == ("85+", "Prefer not to say")
    assert got["5"][3:5] == (date(2025, 5, 5), False)  # day = month is not ambiguous
    texts = dict(
        rows(
            w,
            "SELECT c.source_record_id, t.text FROM staged.comments c JOIN raw.comment_text t ON t.comment_id = c.text_ref",
        )
    )
    assert texts["1"] == "Lovely staff"  # non-breaking space normalised
    assert texts["6"] == "Multi-line\nanswer, with comma"
    details = rows(
        w,
        "SELECT location_1, location_2, location_3, date_order FROM staged.fft_comments WHERE source_record_id = '4'",
    )
    assert details == [("RZ201", "Inpatients", "Ward 2", "d/m/Y")]


def _csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _held_by_policy(path: Path, comment: str, score: str | None) -> dict[str, int]:
    """Rows the FFT comments policy holds, counted from the file itself: no comment text
    (``comment_present``), a numeric answer outside 1-5 and not 6, don't know (``score_in_range``)."""
    held = {"comment_present": 0, "score_in_range": 0}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row[comment].strip():
                held["comment_present"] += 1
            answer = row[score].strip() if score else ""
            try:
                out_of_range = float(answer) not in {1, 2, 3, 4, 5, 6}
            except ValueError:
                out_of_range = False
            held["score_in_range"] += out_of_range
    return {rule: n for rule, n in held.items() if n}


@pytest.mark.parametrize(
    ("name", "layout", "comment", "score"),
    [
        ("v6framework_train.csv", "fft_comments_public_labelled", "FFT answer", "FFT categorical answer"),
        ("phase_1__text_data.csv", "fft_comments_phase1_labelled", "feedback", None),
    ],
)
def test_real_pxtextmining_comments_load_with_nothing_dropped(
    shared_data: Path, tmp_path: Path, name: str, layout: str, comment: str, score: str | None
) -> None:
    """Every row of the real labelled sets is loaded or quarantined by the policy's record rules (a blank
    comment, an answer code outside the FFT scale such as the 7s in v6), and none is lost."""
    source = shared_data / "pxtextmining" / name
    place([source], tmp_path / "landing", "fft")
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    read = _csv_rows(source)
    outcome = report.outcomes[0]
    assert (outcome.status, outcome.layout) == ("loaded", layout), outcome.error
    assert outcome.counts is not None
    w = tmp_path / "w.duckdb"
    held = rows(w, "SELECT rule, count(DISTINCT source_row) FROM quarantine.rows GROUP BY 1 ORDER BY 1")
    assert dict(held) == _held_by_policy(source, comment, score)
    quarantined = rows(w, "SELECT count(DISTINCT source_row) FROM quarantine.rows")[0][0]
    expected = read - quarantined
    assert (outcome.counts.rows_read, outcome.counts.rows_loaded, outcome.counts.rows_quarantined) == (
        read,
        expected,
        quarantined,
    )
    assert rows(w, "SELECT count(*), count(DISTINCT comment_id) FROM staged.comments") == [
        (expected, expected)
    ]
    assert rows(w, "SELECT count(*) FROM raw.comment_text") == [(expected,)]
    if layout == "fft_comments_public_labelled":
        # Mixed d/m/Y and m/d/Y: every date read, the undecidable ones flagged; 'Did not answer' kept, not substantive.
        assert rows(w, "SELECT count(*) FILTER (WHERE comment_date IS NULL) FROM staged.comments") == [(0,)]
        assert rows(w, "SELECT count(*) > 0 FROM staged.comments WHERE date_ambiguous") == [(True,)]
        assert rows(
            w,
            "SELECT comment_date FROM staged.comments c JOIN staged.fft_comment_details d USING (comment_id) WHERE d.date_as_written = '1/18/2022' LIMIT 1",
        ) == [(date(2022, 1, 18),)]
        assert rows(
            w,
            "SELECT count(*) FROM staged.comments c JOIN raw.comment_text t ON t.comment_id = c.text_ref WHERE t.text = 'Did not answer' AND is_substantive",
        ) == [(0,)]
        assert rows(
            w, "SELECT count(*) FROM staged.fft_comment_details WHERE contains(location_1, chr(160))"
        ) == [(0,)]
        assert rows(w, "SELECT DISTINCT rating FROM staged.comments ORDER BY 1 NULLS LAST") == [
            (1,),
            (2,),
            (3,),
            (4,),
            (5,),
            (None,),
        ]


def test_sample_comment_exports_carry_the_planted_inequalities(tmp_path: Path) -> None:
    from pipelines.sample.ics import synthetic_ics
    from pipelines.sources.fft.sample import write_fft

    files = write_fft(synthetic_ics(), tmp_path / "landing" / "fft")
    ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    w = tmp_path / "w.duckdb"
    csvs = [f for f in files if f.suffix == ".csv"]
    # Every row with a comment loads; the sample's blank comments are held by the policy (comment_present).
    blank = {
        f.name: _held_by_policy(f, "comment", None).get("comment_present", 0)
        for f in csvs
        if "upload" in f.name
    }
    assert sum(blank.values()) > 0
    assert rows(w, "SELECT count(*) FROM staged.comments WHERE source = 'fft'") == [
        (sum(_csv_rows(f) for f in csvs) - sum(blank.values()),)
    ]
    share = dict(
        rows(
            w,
            """
        SELECT ethnicity_band = 'Asian' AND ethnicity LIKE '%Bangladeshi', avg(CASE WHEN t.text ILIKE '%interpreter%' OR t.text ILIKE '%language%' THEN 1.0 ELSE 0 END)
        FROM staged.comments c JOIN raw.comment_text t ON t.comment_id = c.text_ref
        WHERE c.ethnicity IS NOT NULL GROUP BY 1""",
        )
    )
    assert share[True] > 3 * share[False]
    phone = dict(
        rows(
            w,
            """
        SELECT age_band IN ('16-24', '25-34'), avg(CASE WHEN t.text ILIKE '%phone%' THEN 1.0 ELSE 0 END)
        FROM staged.comments c JOIN raw.comment_text t ON t.comment_id = c.text_ref
        WHERE c.practice_code IS NOT NULL GROUP BY 1""",
        )
    )
    assert phone[True] > phone[False]


def test_an_impossible_date_quarantines_its_row_and_keeps_the_file(tmp_path: Path) -> None:
    """31 February is no date: its row is held (date_readable), the file's other rows load."""
    folder = tmp_path / "landing" / "fft"
    folder.mkdir(parents=True)
    upload = UPLOAD.splitlines(keepends=True)
    impossible = "7,31/02/2025,RZ201,Inpatients,,2,Kind nurses,Overall?,,,,,,,\n"
    (folder / "upload.csv").write_text("".join([*upload, impossible]), encoding="utf-8")
    report = ingest(tmp_path / "landing", tmp_path / "w.duckdb", "fft", FFT_LAYOUTS)
    counts = report.outcomes[0].counts
    assert not report.failed, report.summary_markdown()
    assert counts is not None and (counts.rows_read, counts.rows_loaded, counts.rows_quarantined) == (8, 6, 2)
    held = rows(tmp_path / "w.duckdb", "SELECT rule, source_row FROM quarantine.rows ORDER BY source_row")
    assert held == [("comment_id_unique", 6), ("date_readable", 8)]
