"""The two ways a results file is read: typed in one pass (clean files) and all-text (a file with a bad cell),
which must load the same rows; the per-organisation table; and stores made before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.core.store import open_store
from pipelines.sources.gpps import readers as L
from pipelines.sources.gpps.readers import results
from tests.conftest import query
from tests.gpps.helpers import FIXTURES, ingest, landing_with

GEN_B = FIXTURES / "GPPS_2022_Practice_data_(weighted)_(csv)_PUBLIC.csv"
NAME = "GPPS_2022_Practice_data_(weighted)_(csv)_PUBLIC.csv"


def _clean_lines() -> list[str]:
    """The 2022 fixture without its unknown practice and its 'n/a' row: every cell a number or blank."""
    return [line for line in GEN_B.read_text().splitlines() if not line.startswith(("Z99999", "A81004"))]


@pytest.fixture
def text_path_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = results.read_text_wide

    def spy(con, landing_file, plan):  # noqa: ANN001, ANN202
        calls.append(landing_file.rel_path)
        return real(con, landing_file, plan)

    # load_results finds the all-text path in its own module, so the spy goes there.
    monkeypatch.setattr(results, "read_text_wide", spy)
    return calls


def _load(tmp_path: Path, lines: list[str]) -> Path:
    source = tmp_path / "src" / NAME
    source.parent.mkdir(parents=True)
    source.write_text("\n".join(lines) + "\n")
    warehouse = tmp_path / "w.duckdb"
    report = ingest(warehouse, landing_with(tmp_path, source))
    assert not report.failed, report.summary_markdown()
    return warehouse


def _rows(warehouse: Path) -> list[tuple]:
    return query(
        warehouse, "SELECT * FROM staged.gpps_results ORDER BY source_row, question, response_option"
    )


def test_clean_file_read_typed_and_a_bad_cell_falls_back_to_text_with_the_same_rows(
    tmp_path: Path, text_path_calls: list[str]
) -> None:
    lines = _clean_lines()
    typed = _load(tmp_path / "typed", lines)
    assert text_path_calls == []
    # The same file plus a row with '*' and a blank: not numbers, so the file is re-read as text.
    extra = lines[1].replace("A81001,", "A81003,", 1).split(",")
    extra[14], extra[20] = "*", ""
    text = _load(tmp_path / "text", [*lines, ",".join(extra)])
    assert text_path_calls == [f"gpps/{NAME}"]
    assert _rows(text)[: len(_rows(typed))] == _rows(typed)
    suppressed = query(
        text, "SELECT response_option, weighted_count, weighted_proportion, suppressed FROM staged.gpps_results "
        "WHERE source_row = 3 AND response_option IN ('1', '2', '3') ORDER BY 1",
    )  # fmt: skip
    assert suppressed == [("1", None, 0.6373, True), ("2", 31.2, None, True), ("3", 8.9, 0.0809, False)]


def test_sentinels_in_a_clean_file_are_suppressed_on_the_typed_path(
    tmp_path: Path, text_path_calls: list[str]
) -> None:
    lines = _clean_lines()
    cells = lines[2].split(",")
    cells[14], cells[19] = "-99", " -97 "
    warehouse = _load(tmp_path, [lines[0], lines[1], ",".join(cells)])
    assert text_path_calls == []
    got = query(
        warehouse, "SELECT response_option, weighted_count, weighted_proportion, suppressed FROM staged.gpps_results "
        "WHERE source_row = 2 AND response_option IN ('1', '2') ORDER BY 1",
    )  # fmt: skip
    assert got == [("1", None, None, True), ("2", 33.0, 0.2973, False)]


def test_organisations_table_holds_names_parents_and_hash(tmp_path: Path) -> None:
    warehouse = _load(tmp_path, _clean_lines())
    orgs = query(
        warehouse,
        "SELECT org_code, org_name, pcn_code, ics_code, generation, level, length(file_sha256) "
        "FROM staged.gpps_organisations ORDER BY source_row",
    )
    assert orgs == [
        ("A81001", "THE DENSHAM SURGERY", "U13401", "QHM", "gpps_results_2022_2023", "practice", 64),
        ("A81002", "QUEENS PARK MEDICAL CENTRE", "U13401", "QHM", "gpps_results_2022_2023", "practice", 64),
    ]
    # Every long row has its organisation row.
    orphans = query(
        warehouse,
        "SELECT count(*) FROM staged.gpps_results r ANTI JOIN staged.gpps_organisations o "
        "USING (source_file, source_row)",
    )
    assert orphans == [(0,)]


def test_ragged_row_is_quarantined_with_its_line_number(tmp_path: Path) -> None:
    """A short row in the middle of a file is a ragged row: held with its line, the other practice loads."""
    lines = _clean_lines()
    lines[2] = ",".join(lines[2].split(",")[:-3])
    source = tmp_path / "src" / NAME
    source.parent.mkdir(parents=True)
    source.write_text("\n".join(lines) + "\n")
    warehouse = tmp_path / "w.duckdb"
    report = ingest(warehouse, landing_with(tmp_path, source))
    assert not report.failed
    assert query(warehouse, "SELECT source_row, rule, value, message FROM quarantine.rows") == [
        (2, "ragged_row", "23 fields", "line 3: expected 26 fields, found 23 (a ragged row)")
    ]
    assert query(warehouse, "SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger") == [
        (2, 1, 1)
    ]
    assert query(warehouse, "SELECT DISTINCT org_code FROM staged.gpps_results") == [("A81001",)]


def test_last_row_cut_mid_field_fails_the_file_as_truncated(tmp_path: Path) -> None:
    """The same short row at the end with no line break after it: the file was cut, nothing loads."""
    lines = _clean_lines()
    lines[2] = ",".join(lines[2].split(",")[:-3])
    source = tmp_path / "src" / NAME
    source.parent.mkdir(parents=True)
    source.write_text("\n".join(lines[:3]))
    warehouse = tmp_path / "w.duckdb"
    (failed,) = ingest(warehouse, landing_with(tmp_path, source)).failed
    assert failed.error.startswith(
        f"gpps/{NAME}: the file is truncated: its last line (3) is cut mid-field (expected 26 fields, found 23)"
    )
    assert query(warehouse, "SELECT count(*) FROM staged.gpps_results") == [(0,)]


def test_store_with_the_wide_results_table_is_migrated(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with open_store(warehouse) as con:
        con.execute(
            """CREATE TABLE staged.gpps_results (
                   survey_year INTEGER NOT NULL, generation VARCHAR NOT NULL, series VARCHAR NOT NULL,
                   level VARCHAR NOT NULL, org_code VARCHAR NOT NULL, org_name VARCHAR, pcn_code VARCHAR,
                   ccg_code VARCHAR, ics_code VARCHAR, question VARCHAR NOT NULL, measure_id VARCHAR,
                   response_option VARCHAR NOT NULL, option_code VARCHAR, weighted_proportion DOUBLE,
                   weighted_count DOUBLE, unweighted_base DOUBLE, weighted_base DOUBLE, ci_lower DOUBLE,
                   ci_upper DOUBLE, suppressed BOOLEAN NOT NULL, source_file VARCHAR NOT NULL,
                   file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL)"""
        )
        con.execute(
            """INSERT INTO staged.gpps_results VALUES
               (2022, 'gpps_results_2022_2023', '2017-2023', 'practice', 'A81001', 'THE DENSHAM SURGERY', 'U13401',
                NULL, 'QHM', 'q89', 'confidence_trust', 'positive', '12', 0.9209, 101.3, 110, NULL, 0.8718, 0.9521,
                FALSE, 'gpps/x.csv', 'abc', 1),
               (2022, 'gpps_results_2022_2023', '2017-2023', 'practice', 'A81001', 'THE DENSHAM SURGERY', 'U13401',
                NULL, 'QHM', 'q89', 'confidence_trust', '1', '1', 0.6373, 70.1, 115, NULL, NULL, NULL,
                FALSE, 'gpps/x.csv', 'abc', 1)"""
        )
        L.prepare(con)
        L.prepare(con)  # a second run finds the slim shape and leaves it alone
        count, total = con.execute("SELECT count(*), sum(weighted_count) FROM staged.gpps_results").fetchone()
        assert (count, total) == (2, pytest.approx(171.4))
        assert "org_name" not in [r[0] for r in con.execute("DESCRIBE staged.gpps_results").fetchall()]
        assert con.execute(
            "SELECT org_code, org_name, pcn_code, ics_code, file_sha256, source_row FROM staged.gpps_organisations"
        ).fetchall() == [("A81001", "THE DENSHAM SURGERY", "U13401", "QHM", "abc", 1)]
