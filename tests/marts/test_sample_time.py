"""Over time, on the sample, read from the published store: the widening gap and the FFT step change the
generator planted are found, with significance; nothing is compared across the GPPS series break; every
change significant at 99.8% is one the generator planted; and the quarterly complaints charts, where
nothing was planted, show common cause only (issue 19)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.sample.ics import PLANTED, synthetic_ics
from tests.marts.test_sample_story import PLANTED_NOT

ICB = "QZ9"
WIDENING = PLANTED["widening_deprivation_gap"]
SHIFT = PLANTED["fft_shift"]
WIDENING_MEASURES = ("phone_access", "making_appointment")  # the measures the deprivation slope is planted on


def frame(published: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql, params or []).df()


def test_the_planted_widening_deprivation_gap_is_found_and_called_widening(sample_published: Path) -> None:
    gradient = frame(
        sample_published,
        """SELECT metric_id, period, previous_period, sii, sii_change, sii_change_lower_95,
                  sii_change_significant_998, gap_trend
           FROM marts.deprivation_gradient
           WHERE geography_level = 'icb' AND geography_code = ? AND source = 'gpps_respondents'
             AND boundaries = 'as_of_period'""",
        [ICB],
    )
    later = gradient[gradient.period == str(WIDENING["later_year"])].set_index("metric_id")
    for metric in WIDENING_MEASURES:
        row = later.loc[metric]
        assert row.previous_period == str(WIDENING["earlier_year"]), metric
        assert row.sii > 0 and row.sii_change > 0 and row.sii_change_lower_95 > 0, metric
        assert row.sii_change_significant_998 and row.gap_trend == "widening", metric
    # Measures with no planted change in their gradient are not called widening or narrowing at 99.8%.
    others = later.drop(index=list(WIDENING_MEASURES))
    assert len(others) >= 5 and set(others.gap_trend.dropna()) <= {"no significant change"}


def test_the_most_deprived_fall_further_behind_between_the_two_surveys(sample_published: Path) -> None:
    """The group whose gap widened: quintile 1's gap from the ICB overall grows, and its value falls
    significantly on the measure where the plant moved it most."""
    rows = frame(
        sample_published,
        """SELECT metric_id, period, group_value, value, diff_from_overall, previous_period, change_from_previous,
                  change_from_previous_significant_95, change_from_previous_significant_998
           FROM marts.metric_by_group
           WHERE geography_level = 'icb' AND geography_code = ? AND source = 'gpps_respondents'
             AND dimension = 'deprivation_quintile' AND group_value IN ('1', '5') AND boundaries = 'as_of_period'""",
        [ICB],
    ).set_index(["metric_id", "group_value", "period"])
    earlier, later = str(WIDENING["earlier_year"]), str(WIDENING["later_year"])
    for metric in WIDENING_MEASURES:
        most, least = rows.loc[(metric, "1", later)], rows.loc[(metric, "5", later)]
        assert most.diff_from_overall < rows.loc[(metric, "1", earlier)].diff_from_overall < 0, metric
        assert most.previous_period == earlier and most.change_from_previous < 0 < least.change_from_previous
    fell = rows.loc[("making_appointment", "1", later)]
    assert fell.change_from_previous_significant_95 and fell.change_from_previous_significant_998


def test_nothing_is_compared_across_the_gpps_series_break(sample_published: Path) -> None:
    # Every comparison names a period of the same series and kind in the same geography, metric and group.
    pairs = frame(
        sample_published,
        """SELECT m.source, m.series, p.series AS previous_series, m.period_kind, p.period_kind AS previous_kind,
                  m.period_start > p.period_start AS later, m.change_from_previous, m.value - p.value AS difference
           FROM marts.metric_by_group m
           LEFT JOIN marts.metric_by_group p
                  ON p.geography_level = m.geography_level AND p.geography_code = m.geography_code
                 AND p.metric_id = m.metric_id AND p.source = m.source AND p.dimension = m.dimension
                 AND p.group_value = m.group_value AND p.period = m.previous_period
                 AND p.boundaries = m.boundaries
           WHERE m.previous_period IS NOT NULL""",
    )
    assert len(pairs) > 1000 and pairs.previous_series.notna().sum() > 500
    assert (pairs.series.fillna("") == pairs.previous_series.fillna("")).all()
    assert (pairs.period_kind == pairs.previous_kind).all() and pairs.later.all()
    assert (pairs.change_from_previous - pairs.difference).abs().max() < 1e-9
    # GPPS 2025 (2024+ series) results of measures also published in 2023 are not compared with 2023.
    across = frame(
        sample_published,
        """SELECT count(*) AS cells, count(now.previous_period) AS compared, count(now.earliest_period) AS earliest
           FROM marts.metric_by_group now
           JOIN marts.metric_by_group before
             ON before.geography_level = now.geography_level AND before.geography_code = now.geography_code
            AND before.metric_id = now.metric_id AND before.source = now.source
            AND before.dimension = now.dimension AND before.group_value = now.group_value
            AND before.boundaries = now.boundaries
           WHERE now.source = 'gpps_published' AND now.period = '2025' AND before.period = '2023'
             AND NOT now.suppressed AND NOT before.suppressed""",
    ).iloc[0]
    assert across.cells > 50  # the test has teeth: the same measure and organisation on both sides
    assert across.compared == 0 and across.earliest == 0
    gradients = frame(
        sample_published,
        "SELECT count(*) AS n FROM marts.deprivation_gradient WHERE previous_period IS NOT NULL AND series = '2024+'",
    )
    assert gradients.n[0] == 0


def test_the_planted_fft_step_change_is_special_cause_and_the_other_trust_is_not(
    sample_published: Path,
) -> None:
    spc = frame(
        sample_published,
        """SELECT geography_level, geography_code, period, value, mean, points, shift, special_cause, variation,
                  series_variation
           FROM marts.spc WHERE icb_code = ? AND metric_id = ? AND geography_level = 'trust'
           ORDER BY geography_code, period_start""",
        [ICB, f"fft_positive_{SHIFT['setting']}"],
    )
    shifted = spc[spc.geography_code == SHIFT["trust"]]
    assert len(shifted) == shifted.points.iloc[0] >= 12
    after = shifted[shifted.period >= SHIFT["from_month"]]
    before = shifted[shifted.period < SHIFT["from_month"]]
    assert len(after) >= 7 and len(before) >= 7
    # From the step on, every point is special cause below the mean: a shift, concerning as higher is better.
    assert after["shift"].all() and (after.value < after["mean"]).all()
    assert set(after.variation) == {"special cause concerning"}
    assert shifted.series_variation.iloc[-1] == "special cause concerning"
    noise = spc[spc.geography_code != SHIFT["trust"]]
    assert len(noise) >= 12 and not noise.special_cause.any()
    assert set(noise.series_variation) == {"common cause"}


def flagged_changes(published: Path, sources: tuple[str, ...]) -> pd.DataFrame:
    """Every comparison (with the previous and with the earliest comparable period) significant at 99.8% in
    ``sources``: one row each, with the period compared with and the change."""
    return frame(
        published,
        f"""SELECT source, geography_level, geography_code, metric_id, dimension, group_value, period,
                   previous_period AS compared_with, change_from_previous AS change
            FROM marts.metric_by_group WHERE change_from_previous_significant_998
              AND source IN ({", ".join("?" for _ in sources)})
            UNION ALL
            SELECT source, geography_level, geography_code, metric_id, dimension, group_value, period,
                   earliest_period, change_from_earliest
            FROM marts.metric_by_group WHERE change_from_earliest_significant_998
              AND source IN ({", ".join("?" for _ in sources)})""",
        [*sources, *sources],
    )


def planted_direction(geography_level: str, geography_code: str, dimension: str, group_value: str) -> int:
    """The sign of the change the widening gap plants in a survey cell (-1 worse, +1 better, 0 either): the
    most deprived quintiles fall and the least deprived rise; an area more deprived than the middle falls,
    a less deprived one rises (its respondents' practices decide, whatever the group)."""
    if dimension.startswith("deprivation_quintile"):
        return {"1": -1, "2": -1, "4": 1, "5": 1}.get(group_value, 0)
    names, parts = dimension.split(" x "), group_value.split(" | ")  # an intersection: its quintile decides
    if "deprivation_quintile" in names and len(parts) == len(names):
        return {"1": -1, "2": -1, "4": 1, "5": 1}.get(parts[names.index("deprivation_quintile")], 0)
    members = {
        "practice": lambda p: p.code == geography_code,
        "pcn": lambda p: p.pcn_code == geography_code,
        "sub_icb": lambda p: geography_code in (p.sub_icb, p.old_ccg),
    }.get(geography_level)
    if members is None:
        return 0  # the ICB, England: as deprived as the middle
    deprivation = [p.deprivation for p in synthetic_ics().practices if members(p)]
    middle_distance = sum(deprivation) / len(deprivation) - 0.5
    return 0 if abs(middle_distance) < 0.1 else (-1 if middle_distance > 0 else 1)


def test_every_change_significant_at_99_8_is_a_planted_one(sample_published: Path) -> None:
    """In the survey, the complaints and the FFT: no change at 99.8% but the planted ones (the found ones
    are the tests above). Comments are left out: the 2024 ones are a few Healthwatch and Care Opinion
    stories, the 2025 ones mostly FFT, so what they talk about differs by channel, not by year."""
    flagged = flagged_changes(
        sample_published, ("gpps_respondents", "gpps_published", "gpps_practices", "fft", "complaints")
    )
    # The published practice files (2019, 2023) plant nothing between the years: nothing changed there.
    assert flagged[flagged.source.isin(["gpps_published", "gpps_practices"])].empty
    survey = flagged[flagged.source == "gpps_respondents"]
    assert len(survey) >= 4  # the planted gap is found (and the check below has something to check)
    assert set(survey.metric_id) <= set(WIDENING_MEASURES)
    assert set(survey.compared_with) == {str(WIDENING["earlier_year"])}
    directions = [
        planted_direction(r.geography_level, r.geography_code, r.dimension, r.group_value)
        for r in survey.itertuples()
    ]
    wrong_way = survey[[d * c < 0 for d, c in zip(directions, survey.change, strict=True)]]
    assert wrong_way.empty, wrong_way
    # FFT: only the shifted trust, its site and its ICB, across the step, downwards.
    fft = flagged[flagged.source == "fft"]
    assert len(fft) >= 7
    assert set(fft.geography_code) <= {SHIFT["trust"], f"{SHIFT['trust']}01", ICB}
    assert (fft.period >= SHIFT["from_month"]).all() and (fft.compared_with < SHIFT["from_month"]).all()
    assert (fft.change < 0).all() and set(fft.metric_id) <= {f"fft_positive_{SHIFT['setting']}"}
    # Twelve quarters of complaints returns, nothing planted in them: nothing changed.
    assert flagged[flagged.source == "complaints"].empty
    compared = frame(
        sample_published,
        """SELECT count(previous_period) AS n FROM marts.metric_by_group
           WHERE source = 'complaints' AND metric_id = 'complaints_per_10k'""",
    )
    assert compared.n[0] > 500  # the test has teeth: quarters were compared
    surveys = frame(
        sample_published,
        "SELECT count(previous_period) AS n FROM marts.metric_by_group WHERE source = 'gpps_published'",
    )
    assert surveys.n[0] > 400  # ... and practices' 2019 and 2023 results
    trends = frame(
        sample_published,
        """SELECT source, geography_code FROM marts.metric_by_group
           WHERE source IN ('gpps_respondents', 'fft', 'complaints')
             AND recent_trend NOT IN ('no significant change', 'cannot be calculated')""",
    )
    assert set(trends.source) <= {"fft"}
    assert set(trends.geography_code) <= {SHIFT["trust"], f"{SHIFT['trust']}01", ICB}


def test_nothing_planted_as_noise_changes_at_99_8(sample_published: Path) -> None:
    """The groups planted as noise (and the ICB overall) change on no measure at all between the extracts."""
    groups = ", ".join(f"'{g}'" for g in (*PLANTED_NOT, "All"))
    survey = frame(
        sample_published,
        f"""SELECT metric_id, dimension, group_value, change_from_previous FROM marts.metric_by_group
            WHERE geography_level = 'icb' AND source = 'gpps_respondents' AND previous_period IS NOT NULL
              AND group_value IN ({groups}) AND dimension <> 'deprivation_quintile'
              AND metric_id NOT IN ({", ".join(f"'{m}'" for m in WIDENING_MEASURES)})""",
    )
    assert len(survey) > 50
    assert (survey.change_from_previous.abs() < 1e-9).all(), survey[survey.change_from_previous.abs() >= 1e-9]


def test_complaints_are_charted_quarterly_with_common_cause_only(sample_published: Path) -> None:
    """Twelve quarters of practice complaints returns, nothing planted: every practice's quarterly rate is
    charted with its limits, and no point is special cause."""
    spc = frame(
        sample_published,
        """SELECT geography_code, period, period_kind, value, mean, lower_limit, upper_limit, points,
                  special_cause, variation, series_variation
           FROM marts.spc WHERE icb_code = ? AND metric_id = 'complaints_per_10k' AND geography_level = 'practice'""",
        [ICB],
    )
    assert spc.geography_code.nunique() == len(synthetic_ics().practices)
    assert (spc.points == 12).all() and (spc.groupby("geography_code").size() == 12).all()
    assert set(spc.period_kind) == {"financial_year_quarter"}
    assert ((spc.lower_limit < spc["mean"]) & (spc["mean"] < spc.upper_limit)).all()
    assert spc.value.between(spc.lower_limit, spc.upper_limit).all()
    assert not spc.special_cause.any()
    assert set(spc.variation) == set(spc.series_variation) == {"common cause"}
