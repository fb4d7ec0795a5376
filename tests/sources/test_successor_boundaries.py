"""Today's boundaries and the boundaries of the time, on the real cases: ODS successor records (succ.csv) say
00K, 00C and 00M merged into 16C on 1 April 2020 and the eight north-west London CCGs (08C among them) into
W2U3Z on 1 April 2021. The practices and their CCGs are NHS Digital's real practice map of September 2020
(../shared/data), when 00K's practices were already in 16C and 08C's still in 08C."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.core.sql import run_sql_file
from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.marts.build import metric_by_group_rows
from pipelines.marts.estimates import FAMILIES
from pipelines.sources.reference import readers as reference
from pipelines.sources.reference.sample import REAL_SUCCESSIONS, write_succ
from pipelines.sources.shared.geography import AS_OF_PERIOD, CURRENT, ensure_geography_views, geography_sql

REAL_MAP = "nhsd-gp-registrations/gp-reg-pat-prac-map_2020-09.csv"
REAL_CROSSWALK = "ccg-icb-crosswalk/CCG_ICB_code.csv"
NORTH_WEST_LONDON = tuple(ccg for ccg, successor, _ in REAL_SUCCESSIONS if successor == "W2U3Z")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The real September 2020 map and crosswalk, the sample's succ.csv (the real mergers), and an ICB-era
    extract of April 2024 that lists the north-west London practices in sub-ICB W2U3Z of ICB QRV."""
    folder = tmp_path_factory.mktemp("successors")
    landing = folder / "landing" / "reference"
    landing.mkdir(parents=True)
    for name in (REAL_MAP, REAL_CROSSWALK):
        shutil.copy(shared_data / name, landing / Path(name).name)
    write_succ(landing / "succ.csv")
    with open_store(folder / "w.duckdb") as con:
        reference.ensure_reference_tables(con)
        report = ingest_source(con, folder / "landing", "reference", reference.REFERENCE_LAYOUTS)
        assert not report.failed, [o.error for o in report.failed]
        con.execute(
            """INSERT INTO ref.practice_geography (extract_date, geography_era, practice_code, pcn_code,
                                                  sub_icb_code, icb_code)
               SELECT DATE '2024-04-01', 'ICB', practice_code, pcn_code, 'W2U3Z', 'QRV'
               FROM ref.practice_geography WHERE sub_icb_code IN (SELECT unnest(?::VARCHAR[]))""",
            [list(NORTH_WEST_LONDON)],
        )
        run_sql_file(con, reference.DERIVED_SQL)
        yield con


def _practices_in(con: duckdb.DuckDBPyConnection, ccg: str) -> list[str]:
    rows = con.execute(
        "SELECT practice_code FROM ref.practice_geography WHERE extract_date = DATE '2020-09-01' AND sub_icb_code = ?",
        [ccg],
    ).fetchall()
    return [r[0] for r in rows]


def _placed(con: duckdb.DuckDBPyConnection, records: list[tuple[str, str]], boundaries: str) -> list[tuple]:
    """(practice, date) records placed as the loaders place them, on ``boundaries``."""
    ensure_geography_views(con, boundaries)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _records (source_row INTEGER, practice_code VARCHAR, geo_date DATE)"
    )
    con.executemany("INSERT INTO _records VALUES (?, ?, ?)", [(i, p, d) for i, (p, d) in enumerate(records)])
    con.execute("ALTER TABLE _records ADD COLUMN trust_code VARCHAR")
    rows = con.execute(
        f"SELECT geo_sub_icb_code, geo_icb_code FROM ({geography_sql('_records')}) ORDER BY source_row"
    ).fetchall()
    ensure_geography_views(con)
    return rows


def test_succ_csv_is_read_by_content_and_bad_rows_are_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "reference"
    landing.mkdir(parents=True)
    # No header, named anything: recognised by its fields. A date that is not YYYYMMDD and a code with a
    # space cannot say which rows move when, so they are quarantined and the rest loads.
    lines = ["00K,16C,R,20200401", "08C,W2U3Z,R,20210401", "00M,16C,R,2020-04-01", "0 0C,16C,R,20200401"]
    landing.joinpath("ods_successors_download.csv").write_text("\n".join(lines) + "\n")
    with open_store(tmp_path / "w.duckdb") as con:
        reference.ensure_reference_tables(con)
        report = ingest_source(con, tmp_path / "landing", "reference", reference.REFERENCE_LAYOUTS)
        assert not report.failed
        loaded = con.execute(
            "SELECT predecessor_code, successor_code, succession_reason, effective_date FROM ref.organisation_successors ORDER BY 1"
        ).fetchall()
        quarantined = con.execute("SELECT rule, value FROM quarantine.rows ORDER BY rule").fetchall()
    assert loaded == [("00K", "16C", "R", date(2020, 4, 1)), ("08C", "W2U3Z", "R", date(2021, 4, 1))]
    assert quarantined == [("effective_date_format", "2020-04-01"), ("predecessor_code_shape", "0 0C")]


def test_the_real_chains_resolve_to_todays_sub_icb_and_icb(store: duckdb.DuckDBPyConnection) -> None:
    rows = store.execute(
        """SELECT code, sub_icb_code, in_force_from, in_force_to, current_sub_icb_code, current_icb_code, current_since
           FROM ref.sub_icb_continuity WHERE code IN ('00K', '08C', '16C', 'W2U3Z') ORDER BY code, steps"""
    ).fetchall()
    assert rows == [
        ("00K", "00K", None, date(2020, 4, 1), "16C", "QHM", date(2020, 4, 1)),
        ("00K", "16C", date(2020, 4, 1), None, "16C", "QHM", date(2020, 4, 1)),
        ("08C", "08C", None, date(2021, 4, 1), "W2U3Z", "QRV", date(2021, 4, 1)),
        ("08C", "W2U3Z", date(2021, 4, 1), None, "W2U3Z", "QRV", date(2021, 4, 1)),
        ("16C", "16C", None, None, "16C", "QHM", None),
        ("W2U3Z", "W2U3Z", None, None, "W2U3Z", "QRV", None),
    ]
    # Every code's spans cover every date exactly once, so the as-of rule still places a practice once.
    gaps = store.execute(
        """SELECT code FROM ref.sub_icb_continuity GROUP BY code
           HAVING count(*) FILTER (WHERE in_force_from IS NULL) <> 1 OR count(*) FILTER (WHERE in_force_to IS NULL) <> 1"""
    ).fetchall()
    assert gaps == []


def test_a_row_dated_after_a_ccg_ended_never_carries_its_code(store: duckdb.DuckDBPyConnection) -> None:
    practice = _practices_in(store, "08C")[0]
    dates = ["2019-06-01", "2020-10-01", "2021-05-01", "2023-05-01", "2025-01-01"]
    as_of = _placed(store, [(practice, d) for d in dates], AS_OF_PERIOD)
    assert as_of == [("08C", "QRV"), ("08C", "QRV"), ("W2U3Z", "QRV"), ("W2U3Z", "QRV"), ("W2U3Z", "QRV")]
    assert _placed(store, [(practice, d) for d in dates], CURRENT) == [("W2U3Z", "QRV")] * len(dates)
    # Across every practice of the real map: on a 2023 date, every code a record lands in is in force then.
    practices = [
        r[0] for r in store.execute("SELECT DISTINCT practice_code FROM ref.practice_geography").fetchall()
    ]
    placed = {code for code, _ in _placed(store, [(p, "2023-05-01") for p in practices], AS_OF_PERIOD)}
    ended = {
        r[0]
        for r in store.execute(
            "SELECT code FROM ref.sub_icb_continuity WHERE steps = 0 AND in_force_to <= DATE '2023-05-01'"
        ).fetchall()
    }
    assert {"00K", "08C", *NORTH_WEST_LONDON} <= ended
    assert placed and not placed & ended


def test_exactly_one_row_of_a_practice_applies_on_any_date_on_both_boundaries(
    store: duckdb.DuckDBPyConnection,
) -> None:
    for boundaries in (AS_OF_PERIOD, CURRENT):
        ensure_geography_views(store, boundaries)
        wrong = store.execute(
            """SELECT p.practice_code, d.day, count(g.practice_code)
               FROM (SELECT DISTINCT practice_code FROM ref.practice_geography_versions) p
               CROSS JOIN (SELECT CAST(day AS DATE) AS day
                           FROM range(DATE '2019-01-01', DATE '2026-01-01', INTERVAL 61 DAY) t(day)) d
               LEFT JOIN _practice_geo g ON g.practice_code = p.practice_code
                AND practice_geography_applies(d.day, g.applies_from, g.applies_to)
               GROUP BY ALL HAVING count(g.practice_code) <> 1 LIMIT 5"""
        ).fetchall()
        assert wrong == [], boundaries
    ensure_geography_views(store)


def test_a_series_across_the_2022_change_continues_on_todays_boundaries(
    store: duckdb.DuckDBPyConnection,
) -> None:
    """GPPS respondents of the north-west London practices, 2019 to 2023 (one comparable series, across the
    2021 merger and the July 2022 change from CCG to sub-ICB location): on the boundaries of the time the sub-ICB
    rows are 08C's until 2021 (a survey year is placed on its 1 January, before the April merger) and W2U3Z's
    from 2022; on today's, W2U3Z's every year, one series from 2019."""
    practices = [p for ccg in NORTH_WEST_LONDON for p in _practices_in(store, ccg)]
    assert len(_practices_in(store, "08C")) > 10
    years = range(2019, 2024)
    store.execute(
        """CREATE OR REPLACE TABLE ref.gpps_measures AS
           SELECT 'phone_access' AS measure_id, y AS survey_year, 'Easy to get through on the phone' AS wording,
                  '2017-2023' AS series, TRUE AS higher_is_better, TRUE AS stem_confirmed FROM range(2019, 2024) t(y)"""
    )
    responses = pd.DataFrame(
        [
            {"survey_year": year, "measure_id": "phone_access", "practice_code": practice, "weight": 1.0,
             "is_positive": (i + year) % 3 != 0, "age_band": "35-44", "sex": "Female", "ethnicity": None,
             "ethnicity_band": None, "disability": None}
            for year in years for practice in practices for i in range(12)
        ]
    )  # fmt: skip
    store.execute("CREATE SCHEMA IF NOT EXISTS staged")
    store.register("_responses", responses)
    store.execute("CREATE OR REPLACE TABLE staged.survey_responses AS SELECT * FROM _responses")
    store.unregister("_responses")
    try:
        family = tuple(f for f in FAMILIES if f.name == "gpps_respondents")
        rows = metric_by_group_rows(store, family)
    finally:
        store.execute("DROP TABLE staged.survey_responses")
        store.execute("DROP TABLE ref.gpps_measures")
    overall = rows[(rows["dimension"] == "overall") & (rows["geography_level"] == "sub_icb")]
    as_of = overall[overall["boundaries"] == AS_OF_PERIOD]
    current = overall[overall["boundaries"] == CURRENT]
    codes_by_year = as_of.groupby("period")["geography_code"].agg(set).to_dict()
    assert all(
        "08C" in codes_by_year[str(y)] and "W2U3Z" not in codes_by_year[str(y)] for y in (2019, 2020, 2021)
    )
    assert all("08C" not in codes_by_year[str(y)] and "W2U3Z" in codes_by_year[str(y)] for y in (2022, 2023))
    assert set(current["geography_code"]) == {"W2U3Z"}
    series = current.set_index("period").sort_index()
    assert list(series.index) == [str(y) for y in years]
    # Every practice of the eight CCGs, every year: the 2019 CCG-era respondents are in today's W2U3Z row.
    assert (series["unweighted_n"] == series.loc["2023", "unweighted_n"]).all()
    assert series.loc["2023", "earliest_period"] == "2019" and series.loc["2021", "previous_period"] == "2020"
    # On the boundaries of the time W2U3Z's series begins at the merger.
    w2u3z = as_of[as_of["geography_code"] == "W2U3Z"].set_index("period")
    assert w2u3z.loc["2023", "earliest_period"] == "2022"
    icbs = rows[(rows["geography_level"] == "icb") & (rows["boundaries"] == CURRENT)]
    assert set(icbs["geography_code"]) == {"QRV"}
