"""Change over time in the marts, from small hand-made inputs: what is compared with what, and what is not.

Expected changes and tests are written out here (z-test on n_eff with scipy; Byar limits from
pipelines.methods.intervals), not taken from the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pipelines.core.periods import add_period_columns
from pipelines.marts.change_over_time import with_change_over_time, with_gradient_change
from pipelines.marts.metric_by_group import finalise_estimates as published_rows


def finalise_estimates(estimates: pd.DataFrame) -> pd.DataFrame:
    """The rows marts.metric_by_group publishes, as build_metric_by_group makes them."""
    return with_change_over_time(published_rows(estimates))


def survey_cell(year: int, p: float, n_eff: float = 800, **kw: object) -> dict:
    """One GPPS respondent cell (ICB QZ9, overall) for a survey year, in the series of that year."""
    base = dict(geography_level="icb", geography_code="QZ9", period=str(year), metric_id="phone_access",
                metric_name="phone", source="gpps_respondents", series="2017-2023" if year <= 2023 else "2024+",
                dimension="overall", group_value="All", numerator=p * n_eff, denominator=n_eff,
                unweighted_n=n_eff * 1.5, n_eff=n_eff)  # fmt: skip
    return base | kw


def by_period(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("period")


def test_change_from_previous_and_earliest_within_a_series_with_a_z_test_on_n_eff() -> None:
    out = by_period(finalise_estimates(pd.DataFrame([survey_cell(2019, 0.60), survey_cell(2021, 0.62),
                                                     survey_cell(2023, 0.70)])))  # fmt: skip
    row = out.loc["2023"]
    assert row.previous_period == "2021" and row.earliest_period == "2019"
    assert row.change_from_previous == pytest.approx(0.08)
    se = math.sqrt(0.62 * 0.38 / 800 + 0.70 * 0.30 / 800)
    assert row.change_from_previous_lower_95 == pytest.approx(0.08 - st.norm.ppf(0.975) * se)
    z = 0.08 / se  # ≈ 3.4: beyond 99.8% (3.09)
    assert bool(row.change_from_previous_significant_95) and bool(row.change_from_previous_significant_998)
    assert z > st.norm.ppf(0.999)
    assert row.change_from_earliest == pytest.approx(0.10) and bool(row.change_from_earliest_significant_998)
    small = out.loc["2021"]  # +2 pts on 800: within chance
    assert small.previous_period == "2019" and not small.change_from_previous_significant_95
    first = out.loc["2019"]
    assert pd.isna(first.previous_period) and pd.isna(first.change_from_previous)
    assert pd.isna(first.change_from_previous_significant_95)  # nothing compared: not "not significant"


def test_nothing_is_compared_across_the_gpps_series_break() -> None:
    out = by_period(finalise_estimates(pd.DataFrame([survey_cell(2022, 0.60), survey_cell(2023, 0.61),
                                                     survey_cell(2024, 0.40), survey_cell(2025, 0.42)])))  # fmt: skip
    assert out.loc["2023", "previous_period"] == "2022"
    # 2024 is the first year of the new series: its previous comparable period is none, not 2023.
    assert pd.isna(out.loc["2024", "previous_period"]) and pd.isna(out.loc["2024", "change_from_previous"])
    assert out.loc["2025", "previous_period"] == "2024" and out.loc["2025", "earliest_period"] == "2024"
    assert out.loc["2025", "change_from_earliest"] == pytest.approx(0.02)


def test_each_group_and_geography_is_its_own_series() -> None:
    out = finalise_estimates(pd.DataFrame([
        survey_cell(2021, 0.60), survey_cell(2023, 0.70),
        survey_cell(2021, 0.50, dimension="sex", group_value="Male", n_eff=400),
        survey_cell(2023, 0.40, dimension="sex", group_value="Male", n_eff=400),
        survey_cell(2023, 0.66, geography_level="sub_icb", geography_code="ZA1"),
    ]))  # fmt: skip
    key = out.set_index(["geography_code", "group_value", "period"])
    assert key.loc[("QZ9", "All", "2023"), "change_from_previous"] == pytest.approx(0.10)
    assert key.loc[("QZ9", "Male", "2023"), "change_from_previous"] == pytest.approx(-0.10)
    assert pd.isna(key.loc[("ZA1", "All", "2023"), "previous_period"])


def test_suppressed_rows_get_no_change_and_are_never_the_comparison() -> None:
    out = by_period(finalise_estimates(pd.DataFrame([
        survey_cell(2019, 0.60), survey_cell(2021, 0.62, unweighted_n=8, n_eff=6), survey_cell(2023, 0.70),
    ])))  # fmt: skip
    hidden = out.loc["2021"]
    assert bool(hidden.suppressed)
    assert (
        pd.isna(hidden.previous_period)
        and pd.isna(hidden.change_from_previous)
        and pd.isna(hidden.recent_trend)
    )
    # 2023 is compared with the last period that was published.
    assert out.loc["2023", "previous_period"] == "2019"
    assert out.loc["2023", "change_from_previous"] == pytest.approx(0.10)


def test_periods_of_different_kinds_are_not_compared() -> None:
    cells = [
        dict(geography_level="icb", geography_code="QZ9", period=period, metric_id="complaints_upheld",
             metric_name="upheld", source="complaints", dimension="overall", group_value="All", numerator=x,
             denominator=200, unweighted_n=200, count_based=True, higher_is_better=False)
        for period, x in (("2024", 60), ("2024-25", 90), ("2025", 100))
    ]  # fmt: skip
    out = by_period(finalise_estimates(pd.DataFrame(cells)))
    assert out.loc["2024-25", "period_kind"] == "financial_year" and pd.isna(
        out.loc["2024-25", "previous_period"]
    )
    assert out.loc["2025", "previous_period"] == "2024"  # calendar year with calendar year
    assert out.loc["2025", "change_from_previous"] == pytest.approx(0.5 - 0.3)


def test_rates_use_byar_limits_and_the_interval_decides_significance() -> None:
    from pipelines.methods.intervals import rate_interval

    cells = [
        dict(geography_level="practice", geography_code="X91001", period=period, metric_id="complaints_per_10k",
             metric_name="rate", source="complaints", dimension="overall", group_value="All", numerator=x,
             denominator=10_000, unweighted_n=x, count_based=True, higher_is_better=False)
        for period, x in (("2024-25 Q1", 20), ("2024-25 Q2", 25), ("2024-25 Q3", 60))
    ]  # fmt: skip
    out = by_period(finalise_estimates(pd.DataFrame(cells)))
    row = out.loc["2024-25 Q3"]
    assert row.value == pytest.approx(60.0) and row.change_from_previous == pytest.approx(35.0)
    # MOVER from each rate's own Byar limits (Zou & Donner 2008), written out.
    _, lo_then, hi_then = rate_interval(25, 10_000, 10_000, 0.95)
    _, lo_now, hi_now = rate_interval(60, 10_000, 10_000, 0.95)
    lower = 35 - math.sqrt((60 - lo_now) ** 2 + (hi_then - 25) ** 2)
    assert row.change_from_previous_lower_95 == pytest.approx(lower)
    assert bool(row.change_from_previous_significant_95) == (lower > 0) and lower > 0
    assert not bool(out.loc["2024-25 Q2", "change_from_previous_significant_95"])  # 20 → 25 events


def monthly(values: list[float], higher_is_better: bool | None = True, n: float = 1000) -> pd.DataFrame:
    months = pd.period_range("2024-01", periods=len(values), freq="M").strftime("%Y-%m")
    return pd.DataFrame([
        dict(geography_level="trust", geography_code="RZ1", period=m, metric_id="fft_positive_ae", metric_name="ae",
             source="fft", dimension="overall", group_value="All", numerator=round(v * n / 5) * 5, denominator=n,
             unweighted_n=n, count_based=True, higher_is_better=higher_is_better)
        for m, v in zip(months, values, strict=True)
    ])  # fmt: skip


def test_recent_trend_over_the_five_points_ending_at_each_row_in_polarity_words() -> None:
    rising = [0.70, 0.70, 0.72, 0.75, 0.78, 0.81, 0.84]
    out = by_period(finalise_estimates(monthly(rising)))
    assert list(out.recent_trend[:4]) == ["cannot be calculated"] * 4  # fewer than five points so far
    assert out.loc["2024-07", "recent_trend"] == "getting better"
    assert out.loc["2024-07", "recent_trend_from"] == "2024-03"
    # The same rise of a measure where lower is better is getting worse; with no better direction, increasing.
    assert (
        by_period(finalise_estimates(monthly(rising, False))).loc["2024-07", "recent_trend"]
        == "getting worse"
    )
    assert by_period(finalise_estimates(monthly(rising, None))).loc["2024-07", "recent_trend"] == "increasing"
    flat = by_period(finalise_estimates(monthly([0.80, 0.81, 0.80, 0.79, 0.80, 0.80])))
    assert flat.loc["2024-06", "recent_trend"] == "no significant change"
    # A share of 1 among the five: the logit is undefined, so the trend cannot be calculated (Fingertips).
    full = by_period(finalise_estimates(monthly([0.90, 0.92, 1.0, 0.95, 0.96])))
    assert full.loc["2024-05", "recent_trend"] == "cannot be calculated"
    assert pd.isna(full.loc["2024-05", "recent_trend_from"])


@pytest.mark.parametrize("n", [1000.0, 1500.0, 2000.0])
def test_recent_trend_is_the_armitage_chi_square_at_9_55(n: float) -> None:
    """The same fall on more responses crosses the threshold: χ² ≈ 5.8, 8.7, 11.6 (Altman 1991 §10.7 form)."""
    values = [0.80, 0.79, 0.78, 0.77, 0.76]
    x = np.round(np.asarray(values) * n / 5) * 5
    t, ns = np.arange(5.0), np.full(5, n)
    p = x.sum() / ns.sum()
    chi2 = (np.sum(t * (x - ns * p))) ** 2 / (
        p * (1 - p) * (np.sum(ns * t * t) - np.sum(ns * t) ** 2 / ns.sum())
    )
    out = finalise_estimates(monthly(values, n=n))
    assert out.iloc[-1].recent_trend == ("getting worse" if chi2 > 9.5495 else "no significant change")


def gradient_row(
    period: str, sii: float, half_width: float, series: str | None = "2017-2023", basis: str = "national"
) -> dict:
    return {"geography_level": "icb", "geography_code": "QZ9", "boundaries": "as_of_period", "period": period,
            "metric_id": "phone_access", "source": "gpps_respondents", "series": series, "quintile_basis": basis, "groups": 5, "sii": sii,
            "sii_lower_95": sii - half_width, "sii_upper_95": sii + half_width, "rii": 1 + sii,
            "rii_lower_95": 1 + sii - half_width, "rii_upper_95": 1 + sii + half_width,
            "direction": "worse_in_more_deprived"}  # fmt: skip


def test_gradients_on_different_quintile_bases_are_never_compared() -> None:
    """An ICB's gradient across its own practices' quintiles and one across national quintiles describe
    different groupings: neither is the other's previous period."""
    frame = pd.DataFrame(
        [gradient_row("2021", 0.08, 0.05), gradient_row("2023", 0.28, 0.05, basis="within_icb")]
    )
    out = with_gradient_change(add_period_columns(frame))
    assert out["previous_period"].isna().all() and out["gap_trend"].isna().all()


def test_gradient_widening_narrowing_and_never_across_the_series_break() -> None:
    frame = pd.DataFrame([
        gradient_row("2021", 0.08, 0.05), gradient_row("2023", 0.28, 0.05),
        gradient_row("2024", 0.10, 0.05, "2024+"), gradient_row("2025", 0.11, 0.05, "2024+"),
    ])  # fmt: skip
    out = by_period(with_gradient_change(add_period_columns(frame)))
    widening = out.loc["2023"]
    assert widening.previous_period == "2021" and widening.sii_change == pytest.approx(0.20)
    se = math.sqrt(2) * 0.05 / st.norm.ppf(0.975)
    assert widening.sii_change_lower_95 == pytest.approx(0.20 - st.norm.ppf(0.975) * se)
    assert bool(widening.sii_change_significant_998) and widening.gap_trend == "widening"
    assert pd.isna(out.loc["2024", "previous_period"]) and pd.isna(out.loc["2024", "gap_trend"])
    assert out.loc["2025", "gap_trend"] == "no significant change"
    narrowing = by_period(with_gradient_change(add_period_columns(pd.DataFrame([
        gradient_row("2021", 0.30, 0.04), gradient_row("2023", 0.05, 0.04)]))))  # fmt: skip
    assert narrowing.loc["2023", "gap_trend"] == "narrowing"
