"""FFT comment exports loaded together (``Layout.load_batch``): one transaction and one validation per
batch, with exactly the rows, quarantine, ledger and validation results of loading them one by one."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

import pipelines.ingest.loop
from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.lib.gx_resource import GreatExpectationsResource
from pipelines.sources.fft import readers as R
from pipelines.validation import runner
from pipelines.validation.audit import SqlRunner, build_audit
from pipelines.validation.together import build_audit_many

HEADER = (
    "comment_id,date,location_1,location_2,location_3,fft,comment,question,sex,gender,age,ethnicity,sexuality,"
    "disability,religion\n"
)
# Every row rule of the policy and both read rules: a repeated id, a ragged row, formula text, a date that
# is no date, an answer outside the scale, no comment, no id; plus a non-breaking space and an ambiguous date.
TRUST_A = HEADER + (
    "1,25/07/2025,RZ101,Emergency department,,1,Lovely\xa0staff,Overall?,Male,Man,23,Bangladeshi,,No,Muslim\n"
    "2,03/04/2025,X91001,General practice,,5,Did not answer,Overall?,Female,Woman,45-54,White British,,Yes,\n"
    "5,05/05/2025,RZ201,Inpatients,,2,Good,Overall?,,,,,,,\n"
    "5,06/05/2025,RZ201,Inpatients,,2,Repeated id,Overall?,,,,,,,\n"
    "6,07/05/2025,RZ201,Inpatients,,2,Too few fields\n"
    '7,08/05/2025,RZ201,Inpatients,,2,"=HYPERLINK(""http://x"",""here"")",Overall?,,,,,,,\n'
    "8,early May,RZ201,Inpatients,,2,Not a date,Overall?,,,,,,,\n"
    "9,09/05/2025,RZ201,Inpatients,,7,Off the scale,Overall?,,,,,,,\n"
    "10,10/05/2025,RZ201,Inpatients,,3,   ,Overall?,,,,,,,\n"
    ",11/05/2025,RZ201,Inpatients,,3,No id,Overall?,,,,,,,\n"
)
# Another trust's month: its rows are numbered from 1 again, its ids restart, and it writes month first, so
# the 03/04/2025 it shares with TRUST_A is 4 March here (each file's own majority order decides).
TRUST_B = HEADER + (
    "1,06/01/2025,RZ301,Outpatients,,2,Quick and kind,Overall?,Female,Woman,67,Indian,,No,Hindu\n"
    "2,06/13/2025,RZ301,Outpatients,,4,Long wait,Overall?,,,,,,,\n"
    "3,03/04/2025,RZ301,Outpatients,,4,Same day as in A,Overall?,,,,,,,\n"
)
TRUNCATED = HEADER + "1,01/06/2025,RZ301,Outpatients,,2,Cut in the mid"
NO_COMMENT_COLUMN = "comment_id,date,location_1,fft\n1,01/06/2025,RZ301,2\n"

STATE_SQL = {
    "ledger": "SELECT path, status, layout, rows_read, rows_loaded, rows_quarantined, error FROM meta.ingest_ledger",
    "raw rows": "SELECT * FROM raw.fft_comment_rows",
    "text": "SELECT * FROM raw.comment_text",
    "comments": "SELECT * FROM staged.comments",
    "details": "SELECT * FROM staged.fft_comment_details",
    "quarantine": "SELECT * EXCLUDE (first_seen) FROM quarantine.rows",
    # GX validates the first batch of a suite, SQL the rest: which batch is first differs between the runs.
    "validation": "SELECT * EXCLUDE (validated_at, engine) FROM meta.validation_results",
}


def _landing(tmp_path: Path, shared_data: Path) -> Path:
    folder = tmp_path / "landing" / "fft"
    folder.mkdir(parents=True)
    for name, text in {
        "a.csv": TRUST_A,
        "b.csv": TRUST_B,
        "d.csv": TRUNCATED,
        "e.csv": NO_COMMENT_COLUMN,
    }.items():
        (folder / name).write_text(text, encoding="utf-8")
    with (shared_data / "pxtextmining" / "v6framework_train.csv").open(
        newline="", encoding="utf-8"
    ) as handle:
        records = list(csv.reader(handle))[:41]
    with (folder / "labelled.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(records)
    return folder.parent


def _run(landing: Path, warehouse: Path, together: bool, suites: object) -> dict[str, str]:
    layouts = [layout if together else replace(layout, load_batch=None) for layout in R.FFT_COMMENT_LAYOUTS]
    proven: set[str] = set()
    audit, record_audit = build_audit(suites, proven)  # type: ignore[arg-type]
    audit_many, record_audit_many = build_audit_many(suites, proven)  # type: ignore[arg-type]
    with open_store(warehouse) as con:
        report = ingest_source(
            con, landing, "fft", layouts, R.FFT_LAYOUTS, audit=audit, record_audit=record_audit,
            audit_many=audit_many, record_audit_many=record_audit_many,
        )  # fmt: skip
    return {o.rel_path: o.status + (f": {o.error}" if o.error else "") for o in report.outcomes}


def _state(warehouse: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {name: sorted(con.execute(sql).fetchall(), key=repr) for name, sql in STATE_SQL.items()}


@pytest.mark.parametrize("engine", ["sql", "gx"])
def test_exports_loaded_together_end_exactly_as_one_by_one(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """Both engines count uniqueness within each file of a batch: two trusts' files both number their rows
    from 1 and reuse ids, and still load together (a repeat across files is no repeat within a file)."""
    monkeypatch.setattr(runner, "_PROVEN_BY_GX", set())
    one_by_one: list[str] = []
    per_file = pipelines.ingest.loop.ingest_file
    monkeypatch.setattr(
        pipelines.ingest.loop,
        "ingest_file",
        lambda con, f, *a: one_by_one.append(f.rel_path) or per_file(con, f, *a),
    )
    landing = _landing(tmp_path, shared_data)
    suites = SqlRunner() if engine == "sql" else GreatExpectationsResource()
    outcomes, states = [], []
    for together in (True, False):
        warehouse = tmp_path / f"w-{together}.duckdb"
        outcomes.append(_run(landing, warehouse, together, suites))
        states.append(_state(warehouse))
        if together:  # the two good trust uploads were loaded together, not one by one after a failed batch
            assert "fft/a.csv" not in one_by_one and "fft/b.csv" not in one_by_one
    assert outcomes[0] == outcomes[1]
    assert {path: status.split(":")[0] for path, status in outcomes[0].items()} == {
        "fft/a.csv": "loaded", "fft/b.csv": "loaded", "fft/labelled.csv": "loaded", "fft/d.csv": "failed",
        "fft/e.csv": "failed",
    }  # fmt: skip
    assert "the file is truncated" in outcomes[0]["fft/d.csv"]
    assert "no column for comment" in outcomes[0]["fft/e.csv"]
    for name in STATE_SQL:
        assert states[0][name] == states[1][name], name
    held = {(r[3], r[5]) for r in states[0]["quarantine"] if r[1] == "fft/a.csv"}
    assert held == {(4, "comment_id_unique"), (5, "ragged_row"), (6, "formula_text"), (7, "date_readable"),
                    (8, "score_in_range"), (9, "comment_present"), (10, "comment_id_present")}  # fmt: skip
    ledger = {r[0]: r[3:6] for r in states[0]["ledger"]}
    assert (ledger["fft/a.csv"], ledger["fft/b.csv"]) == ((10, 3, 7), (3, 3, 0))
    with duckdb.connect(str(tmp_path / "w-True.duckdb"), read_only=True) as con:
        shared_date = con.execute(
            "SELECT source_file, comment_date, date_order FROM staged.fft_comments "
            "WHERE date_as_written = '03/04/2025' ORDER BY 1"
        ).fetchall()
    assert shared_date == [("fft/a.csv", date(2025, 4, 3), "d/m/Y (file majority)"),
                           ("fft/b.csv", date(2025, 3, 4), "m/d/Y (file majority)")]  # fmt: skip
    assert all(r[10] for r in states[0]["validation"])  # every expectation passed


def test_a_changed_export_that_cannot_be_read_keeps_its_previous_rows(
    tmp_path: Path, shared_data: Path
) -> None:
    """In a batch, a file that fails to read is answered alone, before anything of it is cleared: its
    previous version stays while the rest of the batch loads."""
    landing = _landing(tmp_path, shared_data)
    warehouse = tmp_path / "w.duckdb"
    assert _run(landing, warehouse, True, SqlRunner())["fft/a.csv"] == "loaded"
    (landing / "fft" / "a.csv").write_text(
        TRUST_A + "11,12/05/2025,RZ201,Inpatients,,3,Cut", encoding="utf-8"
    )
    (landing / "fft" / "b.csv").write_text(
        TRUST_B + "4,06/14/2025,RZ301,Outpatients,,1,New,Overall?,,,,,,,\n", encoding="utf-8"
    )
    outcomes = _run(landing, warehouse, True, SqlRunner())
    assert outcomes["fft/a.csv"].startswith("failed: fft/a.csv: the file is truncated")
    assert outcomes["fft/b.csv"] == "loaded"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = con.execute(
            "SELECT source_file, count(*) FROM staged.comments GROUP BY 1 ORDER BY 1"
        ).fetchall()
        held = con.execute("SELECT count(*) FROM quarantine.rows WHERE source_file = 'fft/a.csv'").fetchone()
    assert kept[:2] == [("fft/a.csv", 3), ("fft/b.csv", 4)]
    assert held == (7,)


def test_exports_written_a_few_at_a_time_end_as_written_all_at_once(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch is typed and written ``WRITE_TOGETHER_BYTES`` of CSV at a time: with a cap below one file,
    each file is written on its own, and every table ends the same."""
    from pipelines.sources.fft import comments

    landing = _landing(tmp_path, shared_data)
    states = []
    for cap in (comments.WRITE_TOGETHER_BYTES, 1):
        monkeypatch.setattr(comments, "WRITE_TOGETHER_BYTES", cap)
        warehouse = tmp_path / f"w-{cap}.duckdb"
        assert _run(landing, warehouse, True, SqlRunner())["fft/b.csv"] == "loaded"
        states.append(_state(warehouse))
    assert states[0] == states[1]
