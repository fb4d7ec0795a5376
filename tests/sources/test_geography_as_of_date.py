"""Geography as of a date, from the reader's side: a record lands in the area its practice was in on the
record's date, whichever loader or mart places it, and the GPPS row rule still refuses a practice the
survey year's geography does not list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.core.sql import run_sql_file
from pipelines.core.store import open_store
from pipelines.sources.gpps.readers import known_practices_sql
from pipelines.sources.reference import readers as reference
from pipelines.sources.shared.geography import code_geography_sql, ensure_geography_views, geography_sql

# Four yearly extracts. A81001 moves from ICB QA1 to QB2 in 2023; A81002 opens in 2023; A81003 closes
# after 2022 (absent from the 2023 and 2024 extracts).
EXTRACTS = {
    "2021-04-01": [("A81001", "S01", "QA1"), ("A81003", "S01", "QA1")],
    "2022-04-01": [("A81001", "S01", "QA1"), ("A81003", "S01", "QA1")],
    "2023-04-01": [("A81001", "S02", "QB2"), ("A81002", "S01", "QA1")],
    "2024-04-01": [("A81001", "S02", "QB2"), ("A81002", "S01", "QA1")],
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_store(tmp_path / "w.duckdb") as con:
        reference.ensure_reference_tables(con)
        for extract, practices in EXTRACTS.items():
            for practice, sub_icb, icb in practices:
                con.execute(
                    """INSERT INTO ref.practice_geography (extract_date, geography_era, practice_code, sub_icb_code,
                                                          icb_code) VALUES (?, 'ICB', ?, ?, ?)""",
                    [extract, practice, sub_icb, icb],
                )
        run_sql_file(con, reference.DERIVED_SQL)
        ensure_geography_views(con)
        yield con


def _placed(con: duckdb.DuckDBPyConnection, records: list[tuple[str, str | None]]) -> list[tuple]:
    """(practice, date) records placed the way FFT and complaints place them: (sub-ICB, ICB) per record."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _records (source_row INTEGER, practice_code VARCHAR, geo_date DATE)"
    )
    con.executemany("INSERT INTO _records VALUES (?, ?, ?)", [(i, p, d) for i, (p, d) in enumerate(records)])
    con.execute("ALTER TABLE _records ADD COLUMN trust_code VARCHAR")
    rows = con.execute(
        f"SELECT geo_sub_icb_code, geo_icb_code FROM ({geography_sql('_records')}) ORDER BY source_row"
    ).fetchall()
    return rows


def test_a_record_lands_where_its_practice_was_on_its_date(store: duckdb.DuckDBPyConnection) -> None:
    placed = _placed(
        store,
        [
            ("A81001", "2019-06-01"),  # before every extract: its first version
            ("A81001", "2022-10-01"),  # before the move
            ("A81001", "2023-05-01"),  # after the move
            ("A81001", "2031-01-01"),  # after the last extract: its last version
            ("A81001", None),  # no date: today
            ("A81002", "2021-06-01"),  # before the practice's own first extract: its first version
            ("A81003", "2024-06-01"),  # after it closed: where it closed, not nowhere
            ("Z99999", "2023-05-01"),  # unknown practice: no geography
        ],
    )
    assert placed == [
        ("S01", "QA1"),
        ("S01", "QA1"),
        ("S02", "QB2"),
        ("S02", "QB2"),
        ("S02", "QB2"),
        ("S01", "QA1"),
        ("S01", "QA1"),
        (None, None),
    ]


def test_exactly_one_version_of_a_practice_applies_on_any_date(store: duckdb.DuckDBPyConnection) -> None:
    counts = store.execute(
        """SELECT p.practice_code, d.day, count(g.practice_code) AS versions
           FROM (SELECT DISTINCT practice_code FROM ref.practice_geography_versions) p
           CROSS JOIN (SELECT CAST(day AS DATE) AS day FROM range(DATE '2019-01-01', DATE '2026-01-01', INTERVAL 17 DAY)
                       t(day)) d
           LEFT JOIN ref.practice_geography_versions g ON g.practice_code = p.practice_code
            AND practice_geography_applies(d.day, g.applies_from, g.applies_to)
           GROUP BY ALL HAVING count(g.practice_code) <> 1"""
    ).fetchall()
    assert counts == []


def test_stories_and_reviews_place_a_service_code_by_the_same_rule(store: duckdb.DuckDBPyConnection) -> None:
    store.execute(
        """CREATE TEMP TABLE _services AS SELECT * FROM (VALUES
               (1, 'a81001 ', DATE '2022-10-01'), (2, 'A81001', DATE '2023-05-01'), (3, 'A81003', DATE '2024-06-01'))
           t(_geo_key, organisation_code, published_date)"""
    )
    rows = store.execute(
        f"""SELECT _geo_key, practice_code, geo_sub_icb_code, geo_icb_code
            FROM ({code_geography_sql(store, "_services", "organisation_code", "published_date")}) ORDER BY 1"""
    ).fetchall()
    assert rows == [(1, "A81001", "S01", "QA1"), (2, "A81001", "S02", "QB2"), (3, "A81003", "S01", "QA1")]


def test_gpps_row_rule_lists_only_practices_in_the_survey_years_geography(
    store: duckdb.DuckDBPyConnection,
) -> None:
    listed = {
        year: {r[0] for r in store.execute(known_practices_sql(str(year))).fetchall()}
        for year in (2020, 2021, 2023, 2024)
    }
    # Older than every extract: no extract can say otherwise, so the first extract's practices are listed.
    assert listed[2020] == {"A81001", "A81003"}
    # A practice that had not opened is not in the year's geography: a row naming it is quarantined.
    assert listed[2021] == {"A81001", "A81003"}
    # 2023 overlaps the 2022 extract (to 1 April 2023): the closing practice is still listed that year.
    assert listed[2023] == {"A81001", "A81002", "A81003"}
    assert listed[2024] == {"A81001", "A81002"}
