"""marts.representation on the sample's reference and GPPS files, read as the pipeline reads them: the planted
under-heard group is flagged, every dimension keeps its rows (a missing population is said in the row), and
ages come from the quinary file when the single-year file is absent."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.core.sql import run_sql_file
from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.marts import build
from pipelines.sample.ics import PLANTED, synthetic_ics
from pipelines.sources.gpps import readers as G
from pipelines.sources.gpps.source import SOURCE as GPPS
from pipelines.sources.reference import readers as R
from pipelines.sources.reference.sample import write_reference

YOUNG_MEN = f"{PLANTED['under_represented']['sex']} {PLANTED['under_represented']['age_band']}"


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the sample's reference and GPPS files, loaded by the readers, with the respondent
    composition built (as its asset builds it)."""
    root = tmp_path_factory.mktemp("representation")
    ics = synthetic_ics()
    write_reference(ics, root / "landing" / "reference")
    GPPS.write_sample(ics, root / "landing" / "gpps")
    warehouse = root / "w.duckdb"
    with open_store(warehouse) as con:
        R.ensure_reference_tables(con)
        assert not ingest_source(con, root / "landing", "reference", R.REFERENCE_LAYOUTS).failed
        run_sql_file(con, R.DERIVED_SQL)
        G.prepare(con)
        assert not ingest_source(con, root / "landing", "gpps", G.GPPS_LAYOUTS).failed
        run_sql_file(con, G.HERE / "profile.sql")
    return warehouse


@pytest.fixture
def store(sample_store: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A copy of the sample store each test may change."""
    copy = tmp_path / "w.duckdb"
    shutil.copy(sample_store, copy)
    with open_store(copy) as con:
        yield con


def representation(con: duckdb.DuckDBPyConnection, where: str) -> list[dict]:
    frame = con.execute(f"SELECT * FROM marts.representation WHERE {where}").df()
    return frame.to_dict("records")


def test_young_men_are_the_group_the_survey_does_not_hear(store: duckdb.DuckDBPyConnection) -> None:
    build.build_representation(store)
    icb = "channel = 'gpps_respondents' AND geography_level = 'icb' AND dimension = 'sex_by_age_band'"
    cells = representation(store, icb)
    years = {r["period"] for r in cells}
    assert years == {"2021", "2023"}  # both respondent extracts
    flagged = {(r["period"], r["group_value"]) for r in cells if r["under_represented"]}
    # Young men are flagged in both years and are the least heard. The generator also has every 16-24
    # answer less (0.6 against 0.6-1.0 for older bands), so with 150 respondents a practice young women
    # are flagged too; no group aged 25 or over is.
    assert {(year, YOUNG_MEN) for year in years} <= flagged
    assert all(group.endswith("16-24") for _, group in flagged)
    for year in years:
        ratios = {r["group_value"]: r["representation_ratio"] for r in cells if r["period"] == year}
        assert min(ratios, key=lambda g: ratios[g] if ratios[g] == ratios[g] else 9) == YOUNG_MEN
    for r in cells:
        if r["group_value"] == YOUNG_MEN:
            assert r["ratio_upper_95"] < 0.8 and "single year of age" in r["population_source"]
    # No ethnic group is planted as under-heard, and none is flagged for the ICB.
    ethnic = representation(store, "geography_level = 'icb' AND dimension = 'ethnicity_band'")
    assert {r["channel"] for r in ethnic} == {"gpps_respondents", "gpps_published"}
    assert not any(r["under_represented"] for r in ethnic)
    assert all(r["population_source"].startswith("Census 2021 TS021") for r in ethnic)


def test_ethnic_population_is_the_census_apportioned_by_where_patients_live(
    store: duckdb.DuckDBPyConnection,
) -> None:
    """By hand: each LSOA's broad-group shares weighted by the ICB's patients living there."""
    build.build_representation(store)
    (expected,) = store.execute(
        """WITH shares AS (SELECT lsoa_code, ethnicity_band, residents / sum(residents) OVER (PARTITION BY lsoa_code) AS s
                           FROM ref.lsoa_ethnic_group WHERE category_level = 'broad')
           SELECT sum(p.patients * s.s) FILTER (WHERE s.ethnicity_band = 'Asian') / sum(p.patients * s.s)
           FROM ref.practice_lsoa_registrations p JOIN shares s USING (lsoa_code)"""
    ).fetchall()
    shown = [
        r["population_share"]
        for r in representation(
            store, "geography_level = 'icb' AND dimension = 'ethnicity_band' AND group_value = 'Asian'"
        )
    ]
    assert len(shown) >= 2  # the same population beside every channel and year
    assert shown == pytest.approx([expected[0]] * len(shown), abs=1e-12)


def test_learning_disability_is_listed_with_the_file_that_would_fill_it(
    store: duckdb.DuckDBPyConnection,
) -> None:
    build.build_representation(store)
    blocks = store.execute(
        """SELECT count(DISTINCT (channel, geography_level, geography_code, period)) FROM marts.representation
           WHERE dimension <> 'learning_disability'"""
    ).fetchall()[0][0]
    rows = representation(store, "dimension = 'learning_disability'")
    assert len(rows) == blocks  # one per channel, area and period: the dimension is never dropped
    for r in rows:
        assert "learning disability register" in r["population_missing_reason"]
        assert r["population_share"] != r["population_share"]  # NaN: no population
        assert r["under_represented"] is None


def test_a_dimension_without_its_population_file_keeps_its_rows_and_says_why(
    store: duckdb.DuckDBPyConnection,
) -> None:
    store.execute("DELETE FROM ref.practice_lsoa_registrations")
    build.build_representation(store)
    ethnic = representation(store, "dimension = 'ethnicity_band' AND channel = 'gpps_respondents'")
    assert ethnic and all(r["voices"] > 0 or r["suppressed"] for r in ethnic)
    for r in ethnic:
        assert r["population_missing_reason"].startswith("no population file loaded")
        assert "gp-reg-pat-prac-lsoa-all.csv" in r["population_missing_reason"]
        assert r["under_represented"] is None and r["representation_ratio"] != r["representation_ratio"]
    # Age and sex still have theirs (for the ICB: a former CCG's voices have no population placed today).
    ages = representation(store, "dimension IN ('age_band', 'sex') AND geography_level = 'icb'")
    assert ages and all(r["population_missing_reason"] is None for r in ages)


# The survey's 2023 age bands wherever a population is placed (not a former CCG's voices).
AGES_2023 = "channel = 'gpps_respondents' AND period = '2023' AND dimension = 'age_band' AND population_share IS NOT NULL"


def test_ages_come_from_the_quinary_file_when_no_single_year_file_is_loaded(
    store: duckdb.DuckDBPyConnection,
) -> None:
    build.build_representation(store)
    by_single_year = {
        (r["geography_code"], r["group_value"]): r["population_share"]
        for r in representation(store, AGES_2023)
    }
    store.execute("DELETE FROM ref.registered_population WHERE age <> 'ALL'")
    build.build_representation(store)
    by_quinary = representation(store, AGES_2023)
    assert {(r["geography_code"], r["group_value"]) for r in by_quinary} == set(by_single_year)
    for r in by_quinary:
        assert r["population_source"] == "NHS Digital registered patients by quinary age group"
        # The same lists in 5-year groups: 16-24 takes four fifths of 15-19 (the years taken as equally many),
        # so every share is close to the single-year one, not equal.
        single_year = by_single_year[(r["geography_code"], r["group_value"])]
        assert r["population_share"] == pytest.approx(single_year, abs=0.003)
        assert r["population_share"] != single_year
    men = representation(
        store, f"geography_level = 'icb' AND group_value = '{YOUNG_MEN}' AND channel = 'gpps_respondents'"
    )
    assert men and all(r["under_represented"] for r in men)
