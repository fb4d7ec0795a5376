"""The feedback sources' suites catch what their loaders cannot: rules across rows and columns, vocabularies.

Rows are written straight into the staged tables (as a loader bug or a future reader would) and the
suite is run on them with both engines: SQL and Great Expectations must agree, outcome by outcome.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from pipelines.sources.registry import suite_for
from pipelines.validation.expectations import Outcome, TableSuite
from pipelines.validation.gx_engine import validate_frame
from pipelines.validation.runner import run_suite

FILE = "test/file.csv"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    from pipelines.core.store import open_store
    from pipelines.sources.complaints.readers import ensure_complaint_tables
    from pipelines.sources.fft.common import ensure_fft_tables
    from pipelines.sources.shared.comments import ensure_comment_tables

    with open_store(":memory:") as connection:
        ensure_fft_tables(connection)
        ensure_complaint_tables(connection)
        ensure_comment_tables(connection)
        yield connection


def failures(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, list[Outcome]]:
    """Failed outcomes by column label, after checking that SQL and GX give the same verdicts."""
    suite = suite_for(table)
    assert isinstance(suite, TableSuite)
    sql = run_suite(con, suite, FILE, None)
    gx = run_suite(con, suite, FILE, validate_frame)
    assert [(o.expectation, o.column, o.success, o.unexpected_count) for o in sql] == [
        (o.expectation, o.column, o.success, o.unexpected_count) for o in gx
    ]
    out: dict[str, list[Outcome]] = {}
    for outcome in sql:
        if not outcome.success:
            out.setdefault(outcome.column, []).append(outcome)
    return out


def add_return(
    con: duckdb.DuckDBPyConnection, org: str, summary: dict[str, int], breakdown: dict[str, int]
) -> None:
    rows = [("summary", m, v) for m, v in summary.items()] + [
        ("subject_area", m, v) for m, v in breakdown.items()
    ]
    con.executemany(
        """INSERT INTO staged.complaint_returns (form, organisation_code, period_label, period_start, period_end,
               measure_group, measure, value, header, source_file, source_row)
           VALUES ('KO41b', ?, '2025-26 Q1', DATE '2025-04-01', DATE '2025-06-30', ?, ?, ?, ?, ?, 1)""",
        [(org, group, measure, value, measure, FILE) for group, measure, value in rows],
    )


GOOD = {"brought_forward": 3, "new_received": 4, "upheld": 1, "partially_upheld": 1, "not_upheld": 2,
        "resolved": 4, "carried_forward": 3}  # fmt: skip


def test_complaint_return_arithmetic_is_checked_per_return(con: duckdb.DuckDBPyConnection) -> None:
    add_return(con, "X91001", GOOD, {"Appointments": 3, "Communications": 2})
    add_return(con, "X91002", {**GOOD, "upheld": 2}, {"Appointments": 4})  # outcomes 5 <> resolved 4
    add_return(
        con, "X91003", {**GOOD, "carried_forward": 9}, {"Appointments": 1}
    )  # 3 + 4 - 4 <> 9; 1 < 4 new

    failed = failures(con, "staged.complaint_returns")

    assert set(failed) == {
        "resolved = outcomes_total",
        "carried_forward = expected_carried_forward",
        "new_received <= smallest_breakdown",
    }
    assert failed["resolved = outcomes_total"][0].unexpected_count == 1
    assert failed["resolved = outcomes_total"][0].examples == ["(4, 5)"]
    assert failed["new_received <= smallest_breakdown"][0].unexpected_count == 1


def test_complaint_returns_that_add_up_pass(con: duckdb.DuckDBPyConnection) -> None:
    add_return(con, "X91001", GOOD, {"Appointments": 3, "Communications": 2})
    assert failures(con, "staged.complaint_returns") == {}


def add_fft(con: duckdb.DuckDBPyConnection, row: int, **values: object) -> None:
    base = {"setting": "gp", "period": "2025-07-01", "level": "practice", "organisation_code": f"X9100{row}",
            "total_responses": 10, "very_good": 6, "good": 2, "neither_good_nor_poor": 1, "poor": 1,
            "very_poor": 0, "dont_know": 0, "pct_positive": 0.8, "pct_negative": 0.1, "is_suppressed": False,
            "percent_scale": "0-1", "sheet": "Practices", "excel_row": 10 + row, "source_file": FILE,
            "source_row": row}  # fmt: skip
    base.update(values)
    columns = ", ".join(base)
    con.execute(
        f"INSERT INTO staged.fft_scores ({columns}) VALUES ({', '.join('?' for _ in base)})",
        list(base.values()),
    )


def test_fft_positive_responses_cannot_exceed_total(con: duckdb.DuckDBPyConnection) -> None:
    add_fft(con, 1)
    # Suppressed rows skip the loader's breakdown rule; the suite still sees 9 + 4 positive of 8 responses.
    add_fft(con, 2, total_responses=8, very_good=9, good=4, is_suppressed=True, pct_positive=None)
    add_fft(con, 3, pct_positive=0.7, pct_negative=0.6)  # 130% between them
    add_fft(con, 4, period="2025-07-15")  # not a month

    failed = failures(con, "staged.fft_scores")

    assert set(failed) == {
        "positive_responses <= total_responses",
        "pct_positive_plus_negative",
        "period_day",
    }
    assert failed["positive_responses <= total_responses"][0].examples == ["(8, 13)"]


def add_comment(con: duckdb.DuckDBPyConnection, n: int, **values: object) -> None:
    base = {"comment_id": f"fft:C{n}", "source": "fft", "channel": "survey_comment", "text_ref": f"fft:C{n}",
            "is_substantive": True, "comment_date": "2025-07-01", "sex": "Female", "ethnicity_band": "Asian",
            "age_band": "25-34", "source_file": FILE, "source_row": n}  # fmt: skip
    base.update(values)
    con.execute(
        f"INSERT INTO staged.comments ({', '.join(base)}) VALUES ({', '.join('?' for _ in base)})",
        list(base.values()),
    )


def test_comment_demographics_are_in_the_people_vocabulary(con: duckdb.DuckDBPyConnection) -> None:
    add_comment(con, 1)
    add_comment(con, 2, sex="Unmapped: Fem", age_band="Prefer not to say")  # visible, not dropped: passes
    add_comment(con, 3, sex="F", age_band="30")  # raw spellings: the harmonising step was skipped
    add_comment(con, 4, rating=7, text_ref="fft:other", comment_date="1970-01-01")

    failed = failures(con, "staged.comments")

    assert set(failed) == {"sex", "age_band", "rating", "text_ref = comment_id", "comment_year"}
    assert failed["sex"][0].examples == ["F"]
    assert failed["age_band"][0].examples == ["30"]
