"""The generated sample: every generation parsed, the reference + gpps groups materialised with all checks
passing, and the planted inequalities recoverable from the respondent extract."""

from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.methods.intervals import weighted_proportion
from pipelines.sample.ics import PLANTED
from pipelines.sources.gpps.grammar import GEN_B, plan_header
from pipelines.sources.gpps.sample import UNKNOWN_PRACTICE, columns_2023
from tests.conftest import failed_checks, materialize, query, step_failures
from tests.gpps.weighted_outcomes import weighted_outcomes


@pytest.fixture(scope="module")
def run(all_definitions: dg.Definitions, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    warehouse = tmp_path_factory.mktemp("gpps_sample") / "w.duckdb"
    result = materialize(all_definitions, sample_landing, warehouse, groups=["reference", "gpps"])
    return result, warehouse


def test_reference_and_gpps_materialise_with_every_check_passing(run) -> None:  # noqa: ANN001
    result, warehouse = run
    assert step_failures(result) == {}
    assert failed_checks(result) == []
    evaluated = {
        e.event_specific_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert {"proportions_within_0_1", "bounds_bracket_value", "practices_in_geography_of_year",
            "catalogue_measures_found_in_files", "catalogue_matches_reporting_variables"} <= evaluated  # fmt: skip
    assert query(warehouse, "SELECT count(*) FROM ref.gpps_measures") != [(0,)]


def test_each_generation_parsed_from_generated_files(run) -> None:  # noqa: ANN001
    _, warehouse = run
    rows = query(
        warehouse,
        """SELECT l.layout, r.survey_year, r.level, count(DISTINCT r.org_code), count(DISTINCT r.question)
           FROM staged.gpps_results r JOIN meta.ingest_ledger l ON l.path = r.source_file
           GROUP BY ALL ORDER BY 2, 3""",
    )
    got = {(layout, year, level): (orgs, questions) for layout, year, level, orgs, questions in rows}
    assert got[("gpps_results_2017_2021", 2019, "practice")][0] == 66
    assert got[("gpps_results_2017_2021", 2019, "ccg")][0] == 4
    # Every question stem of the real 2023 list reached the tidy table; the unknown practice did not.
    stems_2023 = {spec.question for spec in plan_header(columns_2023(), GEN_B).specs}
    assert got[("gpps_results_2022_2023", 2023, "practice")] == (66, len(stems_2023))
    assert got[("gpps_results_2022_2023", 2023, "national")][0] == 1
    assert got[("gpps_results_2024_on", 2025, "practice")][0] == 66
    assert got[("gpps_results_2024_on", 2025, "ics")][0] == 1
    quarantined = query(warehouse, "SELECT value, rule FROM quarantine.rows WHERE source = 'gpps'")
    assert quarantined == [(UNKNOWN_PRACTICE, "practice_in_geography")]
    # Suppressed practices have NULLs, never zeros, and bases survive.
    suppressed = query(
        warehouse,
        """SELECT count(*), count(weighted_proportion), min(unweighted_base) FROM staged.gpps_results
           WHERE suppressed AND survey_year = 2023 AND level = 'practice' AND question = 'q28'""",
    )
    assert suppressed[0][0] >= 1 and suppressed[0][1] == 0 and suppressed[0][2] is not None


def test_generated_2023_file_carries_the_full_real_column_list(
    sample_landing: Path, shared_data: Path
) -> None:
    with (shared_data / "gpps" / "gpps_2023_practice_reporting_variables.csv").open(
        encoding="utf-8"
    ) as handle:
        real = [r["Variable"].lower() for r in csv.DictReader(handle)]
    generated = (
        (sample_landing / "gpps" / "GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv").open().readline()
    )
    assert generated.strip().lower().split(",") == real
    assert columns_2023() == real
    new_series = (
        (sample_landing / "gpps" / "GPPS_2025_Practice_data_(weighted)_(csv)_PUBLIC.csv").open().readline()
    )
    with (shared_data / "gpps" / "gpps_2026_national_excerpt_first25cols.csv").open() as handle:
        real_2026 = handle.readline().strip().split(",")
    assert set(real_2026[5:]) <= set(new_series.strip().split(","))  # the real phone stem's 20 columns
    assert len(new_series.split(",")) > 1000


def test_respondent_profile_in_people_vocabulary(run) -> None:  # noqa: ANN001
    _, warehouse = run
    values = dict(
        query(
            warehouse,
            "SELECT dimension, list(DISTINCT value ORDER BY value) FROM staged.gpps_respondent_profile "
            "WHERE survey_year = 2023 GROUP BY 1",
        )
    )
    assert values["age_band"] == sorted(
        ["Under 16", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"]
    )
    assert "Asian or Asian British: Bangladeshi" in values["ethnicity"]
    assert values["ethnicity_band"] == ["Asian", "Black", "Mixed", "Other", "White"]
    assert {"Female", "Male", "Non-binary", "Prefer not to say"} <= set(values["sex"])


def _outcomes(warehouse: Path, geography: str, dims: list[str], year: int | None = None) -> pd.DataFrame:
    """Weighted outcomes of every extract loaded, or of one survey year's."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = weighted_outcomes(con, geography, dims)
    return out if year is None else out[out.survey_year == year]


def test_weighted_outcomes_agree_with_stats_weighted_proportion(run) -> None:  # noqa: ANN001
    _, warehouse = run
    out = _outcomes(warehouse, "sub_icb", ["age_band"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute(
            """SELECT s.survey_year, s.measure_id, g.sub_icb_code, s.age_band, s.weight, s.is_positive::INT AS y
               FROM staged.survey_responses s JOIN ref.practice_geography_versions g
                 ON g.practice_code = s.practice_code AND g.valid_from = DATE '2021-04-01'
               WHERE s.is_positive IS NOT NULL"""
        ).df()
    checked = 0
    for (year, measure, sub_icb, band), cell in raw.groupby(
        ["survey_year", "measure_id", "sub_icb_code", "age_band"]
    ):
        p, sum_w, n_eff = weighted_proportion(cell["y"], cell["weight"])
        row = out[(out.survey_year == year) & (out.measure_id == measure) & (out.geography_code == sub_icb)
                  & (out.age_band == band)].iloc[0]  # fmt: skip
        if len(cell) < 10:
            assert row.suppressed and np.isnan(row.weighted_proportion)
            continue
        assert row.weighted_proportion == pytest.approx(p, abs=1e-12)
        assert row.n_eff == pytest.approx(n_eff, rel=1e-12)
        assert row.ci_lower < p < row.ci_upper
        checked += 1
    assert checked > 100


def test_planted_inequalities_are_recoverable(run) -> None:  # noqa: ANN001
    """In the 2023 extract (2021's carries the same story with a shallower deprivation gradient)."""
    _, warehouse = run
    by_age = _outcomes(warehouse, "icb", ["age_band"], 2023).set_index(["measure_id", "age_band"])
    young, old = by_age.loc[("phone_access", "16-24")], by_age.loc[("phone_access", "65-74")]
    assert young.ci_upper < old.ci_lower  # worse phone access for the young, beyond chance
    by_quintile = _outcomes(warehouse, "icb", ["deprivation_quintile"], 2023).set_index(
        ["measure_id", "deprivation_quintile"]
    )
    assert by_quintile.loc[("phone_access", "1")].ci_upper < by_quintile.loc[("phone_access", "5")].ci_lower
    by_group = _outcomes(warehouse, "icb", ["ethnicity"], 2023).set_index(["measure_id", "ethnicity"])
    gap = (by_group.loc[("overall_experience", PLANTED["ethnic_group_gap"]["group"])].weighted_proportion
           - by_group.loc[("overall_experience", "White: English, Welsh, Scottish, Northern Irish or British")].weighted_proportion)  # fmt: skip
    assert gap < -0.07
    # Young men answer far less than their share; their weights make up for it.
    shares = query(
        warehouse,
        """SELECT avg((sex = 'Male' AND age_band = '16-24')::INT),
                  sum(weight * (sex = 'Male' AND age_band = '16-24')::INT) / sum(weight)
           FROM staged.survey_responses WHERE question = 'q28' AND survey_year = 2023""",
    )[0]
    assert shares[1] > 2 * shares[0]
