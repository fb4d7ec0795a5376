"""Inequality marts from the files an ICS team really has (issue 18, items 2, 3 and 4): a landing folder of
the real reference files (ODS, NHS Digital, Fingertips, the CCG → ICB crosswalk), the population files in NHS
Digital's and the ONS's layouts (quinary ages, patients by LSOA, Census 2021 TS021) and practice-level GPPS
files of four years in all three header generations, for the real practices of three real ICBs, with a planted
deprivation gradient (``tests/marts/real_files.py``). No respondent-level extract, no national or ICS file.

The pipeline runs through Dagster as every other end-to-end test does; what it published is read back from the
published store, as an analyst would."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import failed_checks, materialize, query, step_failures
from tests.marts.real_files import (
    FLAT_MEASURES,
    ICBS,
    PLANTED_SLOPES,
    REFERENCE_FILES,
    YEARS,
    write_real_landing,
)

GROUPS = ["reference", "gpps", "text", "marts", "publish"]
# The planted measure of each questionnaire: phone access until 2023, contact experience from 2024.
PLANTED = {year: "contact_experience" if year >= 2024 else "phone_access" for year in YEARS}
NATIONAL_CODE = "+".join(sorted(ICBS))  # three ICBs loaded: an aggregate of them is not called England


@pytest.fixture(scope="module")
def real_run(
    all_definitions: dg.Definitions, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, int]]:
    """(working store, published store, practices written per ICB) after one run on the real landing folder."""
    root = tmp_path_factory.mktemp("real_files")
    systems = write_real_landing(shared_data, root / "landing")
    result = materialize(all_definitions, root / "landing", root / "w.duckdb", groups=GROUPS)
    assert result.success, step_failures(result)
    assert not failed_checks(result)
    return root / "w.duckdb", root / "published.duckdb", {s.icb_code: len(s.practices) for s in systems}


def test_the_landing_folder_is_real_reference_files_and_three_gpps_generations(
    real_run: tuple[Path, Path, dict[str, int]], shared_data: Path
) -> None:
    warehouse, _, practices = real_run
    loaded = {path.rsplit("/", 1)[-1] for (path,) in query(warehouse, "SELECT path FROM meta.ingest_ledger")}
    assert {name for _, name in REFERENCE_FILES} <= loaded
    generations = query(
        warehouse,
        """SELECT survey_year, any_value(generation), count(DISTINCT org_code) FROM staged.gpps_organisations
           WHERE level = 'practice' GROUP BY 1 ORDER BY 1""",
    )
    assert [year for year, _, _ in generations] == list(YEARS)
    assert len({generation for _, generation, _ in generations}) == 3
    # Every practice written is a real practice the geography knows: none quarantined as unknown.
    assert all(n == sum(practices.values()) for _, _, n in generations)


def test_deprivation_gradient_for_every_icb_and_the_loaded_nation_every_year(
    real_run: tuple[Path, Path, dict[str, int]],
) -> None:
    _, published, _ = real_run
    rows = query(
        published,
        """SELECT DISTINCT geography_level, geography_code, period, quintile_basis FROM marts.deprivation_gradient
           WHERE source = 'gpps_practices'""",
    )
    expected = {("icb", icb, str(year), "within_icb") for icb in ICBS for year in YEARS}
    expected |= {("all_loaded_areas", NATIONAL_CODE, str(year), "national") for year in YEARS}
    assert set(rows) == expected


def test_the_planted_gradient_is_found_worse_in_more_deprived_practices(
    real_run: tuple[Path, Path, dict[str, int]],
) -> None:
    _, published, _ = real_run
    rows = query(
        published,
        """SELECT geography_code, period, metric_id, direction, sii, sii_lower_998, sii_lower_95, rii_lower_95
           FROM marts.deprivation_gradient WHERE source = 'gpps_practices' AND boundaries = 'as_of_period'""",
    )
    planted = [r for r in rows if r[2] == PLANTED[int(r[1])]]
    assert len(planted) == len(YEARS) * (len(ICBS) + 1)
    for code, period, metric, direction, sii, lower_998, lower_95, rii_lower in planted:
        assert direction == "worse_in_more_deprived", (code, period, metric)
        # The least deprived fare better: the SII is positive with an interval excluding 0, the RII above 1.
        assert sii > 0 and lower_998 > 0 and lower_95 > 0 and rii_lower > 1, (code, period, metric)
    # On the logit scale no RII interval goes below 0, whatever the gradient.
    assert min(r[7] for r in rows) > 0


def test_a_measure_with_no_planted_gradient_has_no_clear_gradient(
    real_run: tuple[Path, Path, dict[str, int]],
) -> None:
    _, published, _ = real_run
    assert all(PLANTED_SLOPES[m] == 0 for m in FLAT_MEASURES)
    rows = query(
        published,
        """SELECT geography_code, period, direction FROM marts.deprivation_gradient
           WHERE source = 'gpps_practices' AND metric_id IN (SELECT unnest(?::VARCHAR[]))
             AND boundaries = 'as_of_period'""",
        [list(FLAT_MEASURES)],
    )
    assert len(rows) == len(YEARS) * (len(ICBS) + 1) * len(FLAT_MEASURES)
    assert {direction for _, _, direction in rows} == {"no_clear_gradient"}, rows


def test_each_quintile_has_a_value_with_an_interval_from_the_practices_in_it(
    real_run: tuple[Path, Path, dict[str, int]],
) -> None:
    _, published, _ = real_run
    rows = query(
        published,
        """SELECT geography_code, period, metric_id, dimension, list(group_value ORDER BY group_value),
                  bool_and(lower_95 < value AND value < upper_95), bool_and(n_eff_method = 'practices_pooled'),
                  arg_min(value, group_value) < arg_max(value, group_value)
           FROM marts.metric_by_group WHERE source = 'gpps_practices' AND NOT suppressed
             AND boundaries = 'as_of_period'
           GROUP BY ALL""",
    )
    assert rows and all(r[4] == ["1", "2", "3", "4", "5"] and r[5] and r[6] for r in rows)
    assert {r[3] for r in rows if r[0] in ICBS} == {"deprivation_quintile_in_icb"}
    assert {r[3] for r in rows if r[0] == NATIONAL_CODE} == {"deprivation_quintile"}
    # The most deprived quintile of the planted measure is below the least deprived one everywhere.
    assert all(r[7] for r in rows if r[2] == PLANTED[int(r[1])])


def test_variation_for_every_icb_against_the_icb_and_the_loaded_nation(
    real_run: tuple[Path, Path, dict[str, int]],
) -> None:
    _, published, practices = real_run
    per_icb = query(
        published,
        """SELECT icb_code, period, max(units), count(DISTINCT unit_code), list(DISTINCT england_value_basis),
                  count(*) FILTER (vs_icb_judgement NOT IN ('better', 'worse', 'similar')),
                  count(*) FILTER (vs_england_judgement NOT IN ('better', 'worse', 'similar'))
           FROM marts.variation WHERE source = 'gpps_published' AND unit_level = 'practice' AND metric_id = 'phone_access'
             AND period IN ('2019', '2022', '2023')
           GROUP BY ALL ORDER BY ALL""",
    )
    assert {(icb, period) for icb, period, *_ in per_icb} == {
        (i, str(y)) for i in ICBS for y in YEARS if y < 2024
    }
    for icb, _, units, distinct, basis, unjudged_icb, unjudged_england in per_icb:
        # Every practice published (a few small ones are suppressed) is compared, and judged both ways.
        assert units == distinct and 0.9 * practices[icb] <= units <= practices[icb]
        assert basis == ["pooled_loaded_areas"] and unjudged_icb == 0 and unjudged_england == 0


def test_national_variation_counts_the_units_beyond_the_998_limits_each_year(
    real_run: tuple[Path, Path, dict[str, int]],
) -> None:
    _, published, _ = real_run
    national = {
        (r[0], r[1]): r[2:]
        for r in query(
            published,
            """SELECT period, metric_id, units, icbs, range, best_to_worst_ratio, units_better_998, units_worse_998,
                      units_outside_998
               FROM marts.national_variation WHERE source = 'gpps_published' AND unit_level = 'practice'
                 AND boundaries = 'as_of_period'""",
        )
    }
    judged = {
        (r[0], r[1]): r[2:]
        for r in query(
            published,
            """SELECT period, metric_id, count(*), count(*) FILTER (vs_england_judgement = 'better'),
                      count(*) FILTER (vs_england_judgement = 'worse'), max(value) - min(value)
               FROM marts.variation WHERE source = 'gpps_published' AND unit_level = 'practice'
                 AND boundaries = 'as_of_period' GROUP BY ALL""",
        )
    }
    assert set(national) == set(judged) and {period for period, _ in national} == {str(y) for y in YEARS}
    for key, (units, icbs, spread, ratio, better, worse, outside) in national.items():
        assert icbs == len(ICBS) and (units, better, worse) == judged[key][:3]
        assert spread == pytest.approx(judged[key][3]) and ratio > 1 and outside == better + worse
    # Where deprivation drives experience, practices fall beyond England's limits on both sides.
    for year in YEARS:
        _, _, _, _, better, worse, _ = national[(str(year), PLANTED[year])]
        assert better > 0 and worse > 0


def test_representation_for_every_icb_against_its_registered_and_census_population(
    real_run: tuple[Path, Path, dict[str, int]], shared_data: Path
) -> None:
    warehouse, published, _ = real_run
    latest = str(max(YEARS))
    rows = query(
        published,
        """SELECT geography_code, dimension, count(*), count(population_share), sum(population_share),
                  count(*) FILTER (abs(representation_ratio - share_of_voices / population_share) < 1e-12),
                  any_value(population_missing_reason)
           FROM marts.representation
           WHERE channel = 'gpps_published' AND geography_level = 'icb' AND period = ?
           GROUP BY ALL ORDER BY ALL""",
        [latest],
    )
    by_icb = {(icb, dimension): rest for icb, dimension, *rest in rows}
    assert {icb for icb, _ in by_icb} == set(ICBS)
    for icb in ICBS:
        # Age, sex and ethnic group each compared with a population that sums to the whole area.
        for dimension, groups in (("age_band", 8), ("sex", 2), ("ethnicity_band", 5)):
            n, with_population, total, ratios, reason = by_icb[(icb, dimension)]
            assert (n, with_population, ratios, reason) == (groups, groups, groups, None)
            assert total == pytest.approx(1.0)
        # Learning disability has no population file: listed, with the file that would fill it.
        assert "LD004" in by_icb[(icb, "learning_disability")][4]
    # Every sub-ICB location of the surveyed practices has its ethnic population too.
    sub_icbs = query(
        warehouse,
        """SELECT DISTINCT g.sub_icb_code FROM ref.practice_geography g
           JOIN staged.gpps_organisations o ON o.org_code = g.practice_code AND o.level = 'practice'""",
    )
    ethnic_subs = query(
        published,
        """SELECT DISTINCT geography_code FROM marts.representation
           WHERE channel = 'gpps_published' AND geography_level = 'sub_icb' AND dimension = 'ethnicity_band'
             AND period = ? AND population_share IS NOT NULL""",
        [latest],
    )
    assert {code for (code,) in ethnic_subs} == {code for (code,) in sub_icbs}


def test_an_icbs_ethnic_population_is_the_census_apportioned_by_where_its_patients_live(
    real_run: tuple[Path, Path, dict[str, int]], shared_data: Path
) -> None:
    """Recomputed from the landing files themselves: each LSOA's Census 2021 broad-group shares, weighted by
    the ICB's registered patients living in it."""
    warehouse, published, _ = real_run
    landing = warehouse.parent / "landing" / "reference"
    expected = dict(
        ((icb, band), share)
        for icb, band, share in query(
            warehouse,
            f"""WITH census AS (
                    UNPIVOT (SELECT "geography code" AS lsoa, COLUMNS('^Ethnic group: [A-Za-z ,]+$')
                             FROM read_csv('{landing / "census2021-ts021-lsoa.csv"}', header = true))
                    ON COLUMNS(* EXCLUDE (lsoa)) INTO NAME category VALUE residents
                ), shares AS (
                    SELECT lsoa, split_part(split_part(category, ': ', 2), ',', 1) AS band,
                           residents / sum(residents) OVER (PARTITION BY lsoa) AS share
                    FROM census WHERE category NOT LIKE '%Total%'
                ), patients AS (
                    SELECT r.PRACTICE_CODE AS practice, r.LSOA_CODE AS lsoa, r.NUMBER_OF_PATIENTS AS n, m.STP_CODE AS icb
                    FROM read_csv('{landing / "gp-reg-pat-prac-lsoa-all.csv"}', header = true) r
                    JOIN read_csv('{landing / "gp-reg-pat-prac-map_2020-09.csv"}', header = true) m
                      ON m.PRACTICE_CODE = r.PRACTICE_CODE
                ), placed AS (
                    SELECT icb, CASE band WHEN 'Mixed or Multiple ethnic groups' THEN 'Mixed'
                                          WHEN 'Other ethnic group' THEN 'Other' ELSE band END AS band,
                           sum(n * share) AS people
                    FROM patients JOIN shares USING (lsoa) WHERE NOT isnan(share) GROUP BY 1, 2
                )
                SELECT icb, band, people / sum(people) OVER (PARTITION BY icb) FROM placed""",
        )
    )
    published_shares = query(
        published,
        """SELECT geography_code, group_value, population_share FROM marts.representation
           WHERE channel = 'gpps_published' AND geography_level = 'icb' AND dimension = 'ethnicity_band'
             AND period = ?""",
        [str(max(YEARS))],
    )
    assert len(published_shares) == 5 * len(ICBS)
    for icb, band, share in published_shares:
        assert share == pytest.approx(expected[(icb, band)], abs=1e-9)
