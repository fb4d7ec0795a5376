"""Change between periods, the Fingertips recent trend and the SII gap over time (pipelines.methods.change).

Expected values are derived independently: the Wald and binomial tests with scipy, the Cochran–Armitage
statistic in Armitage's own form (Σtᵢ(xᵢ − nᵢp̄))² / (p̄(1−p̄)(Σnᵢtᵢ² − (Σnᵢtᵢ)²/N)) (Altman, Practical
Statistics for Medical Research, 1991, §10.7), and the weighted slope by numpy least squares. PHE's
trend-marker test data (testdata_trend_markers.xlsx, PHEindicatormethods branch add_trend_markers) is not in
../shared/data/phe-methods; its test skips until it is copied there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pipelines.methods.change import (
    TREND_CHI_SQUARE,
    difference_from_intervals,
    gap_change,
    proportion_change,
    rate_change,
    recent_trend,
    recent_trend_from_intervals,
    trend_with_polarity,
)
from pipelines.methods.intervals import rate_interval
from tests.methods.phe_reference import phe_fixture

# --------------------------------------------------------------------------------------------
# Two periods
# --------------------------------------------------------------------------------------------


def test_proportion_change_worked_example() -> None:
    out = proportion_change([0.50, 0.50, 0.5], [400, 400, 0], [0.60, 0.52, 0.6], [400, 400, 100])
    se = np.sqrt(0.5 * 0.5 / 400 + 0.6 * 0.4 / 400)
    first = out.iloc[0]
    assert first["change"] == pytest.approx(0.10)
    assert first["p_value"] == pytest.approx(2 * st.norm.sf(0.10 / se))
    assert first["lower_95"] == pytest.approx(0.10 - st.norm.ppf(0.975) * se)
    assert first["upper_998"] == pytest.approx(0.10 + st.norm.ppf(0.999) * se)
    assert bool(first["significant_95"]) and not bool(first["significant_998"])  # p ≈ 0.004
    assert not out["significant_95"].iloc[1] and out["lower_95"].iloc[1] < 0 < out["upper_95"].iloc[1]
    assert np.isnan(out["change"].iloc[2]) and not out["significant_95"].iloc[2]  # no effective sample then


def test_rate_change_exact_conditional_test() -> None:
    # 20 events then, 40 now, equal exposure: given 60 events, 'now' ~ Binomial(60, 1/2) if nothing changed.
    out = rate_change([20, 50, 0], [1000, 1000, 1000], [40, 50, 0], [1000, 1000, 1000], multiplier=1000)
    first = out.iloc[0]
    assert (
        first["rate_then"] == 20 and first["rate_now"] == 40 and first["change"] == 20 and first["ratio"] == 2
    )
    assert first["p_value"] == pytest.approx(2 * st.binom.sf(39, 60, 0.5), rel=1e-12)
    assert bool(first["significant_95"]) and not bool(first["significant_998"])
    assert out["p_value"].iloc[1] == 1.0 and not out["significant_95"].iloc[1]
    assert np.isnan(out["p_value"].iloc[2]) and not out["significant_95"].iloc[2]  # no events at all
    # exposure matters: 40 events in twice the time is the same rate
    same = rate_change(20, 1000, 40, 2000).iloc[0]
    assert same["ratio"] == pytest.approx(1.0) and same["p_value"] == pytest.approx(1.0)


def test_rate_change_exact_interval_agrees_with_its_test() -> None:
    rng = np.random.default_rng(5)
    x1, x2 = rng.integers(0, 60, 300), rng.integers(0, 60, 300)
    e1, e2 = rng.integers(500, 3000, 300), rng.integers(500, 3000, 300)
    out = rate_change(x1, e1, x2, e2)
    usable = (x1 + x2) > 0
    for tag in ("95", "998"):
        excludes_one = (out[f"ratio_lower_{tag}"] > 1) | (out[f"ratio_upper_{tag}"] < 1)
        np.testing.assert_array_equal(out[f"significant_{tag}"][usable], excludes_one[usable])
    assert (out["significant_95"] | ~out["significant_998"]).all()  # 99.8% significant implies 95%


def test_rate_change_byar_is_the_mover_difference_of_byar_limits() -> None:
    out = rate_change([25, 8], [10_000, 4_000], [60, 9], [12_000, 4_000], method="byar").set_index(
        pd.Index([0, 1])
    )
    r1, l1, u1 = rate_interval(np.array([25, 8]), np.array([10_000, 4_000]), 100_000, 0.95)
    r2, l2, u2 = rate_interval(np.array([60, 9]), np.array([12_000, 4_000]), 100_000, 0.95)
    d = r2 - r1
    np.testing.assert_allclose(out["lower_95"], d - np.sqrt((r2 - l2) ** 2 + (u1 - r1) ** 2))
    np.testing.assert_allclose(out["upper_95"], d + np.sqrt((u2 - r2) ** 2 + (r1 - l1) ** 2))
    assert list(out["significant_95"]) == [True, False] and out["p_value"].isna().all()
    assert set(out["method"]) == {"byar"}


def test_difference_from_intervals_reduces_to_the_wald_interval_when_symmetric() -> None:
    d, lo, hi = difference_from_intervals(10, 8, 12, 15, 14, 16)
    assert (
        d[0] == 5
        and lo[0] == pytest.approx(5 - np.sqrt(1 + 4))
        and hi[0] == pytest.approx(5 + np.sqrt(1 + 4))
    )


# --------------------------------------------------------------------------------------------
# Recent trend
# --------------------------------------------------------------------------------------------


def _armitage(x: np.ndarray, n: np.ndarray, t: np.ndarray) -> float:
    big_n, p = n.sum(), x.sum() / n.sum()
    return (t * (x - n * p)).sum() ** 2 / (p * (1 - p) * ((n * t * t).sum() - (n * t).sum() ** 2 / big_n))


def _series(name: str, years: range, x: list[float], n: list[float], polarity: object = None) -> pd.DataFrame:
    return pd.DataFrame({"series": name, "year": list(years), "x": x, "n": n, "polarity": polarity})


def test_recent_trend_proportions_many_series_at_once() -> None:
    rising = _series(
        "rising", range(2015, 2022), [100, 100, 300, 320, 340, 360, 390], [1000] * 7, "higher is better"
    )
    worse = _series("worse", range(2018, 2023), [300, 320, 340, 360, 390], [1000] * 5, "lower is better")
    flat = _series("flat", range(2018, 2023), [300, 304, 297, 301, 299], [1000] * 5, "higher is better")
    outlier = _series("outlier", range(2018, 2023), [300, 302, 298, 294, 450], [1000] * 5, None)
    short = _series("short", range(2019, 2023), [300, 320, 340, 360], [1000] * 4)
    gap = _series("gap", range(2018, 2023), [300, 320, np.nan, 360, 390], [1000] * 5)
    edge = _series("edge", range(2018, 2023), [0, 320, 340, 360, 390], [1000] * 5)
    data = pd.concat([rising, worse, flat, outlier, short, gap, edge]).sample(frac=1, random_state=1)
    out = recent_trend(data, key=["series"], time="year", numerator="x", denominator="n", polarity="polarity")
    out = out.set_index("series")
    assert (
        out.loc["rising", "trend"] == "increasing"
        and out.loc["rising", "trend_judgement"] == "getting better"
    )
    assert (
        out.loc["worse", "trend"] == "increasing" and out.loc["worse", "trend_judgement"] == "getting worse"
    )
    assert (
        out.loc["flat", "trend"] == "no significant change"
        and out.loc["flat", "reason"] == "no significant trend"
    )
    # only the last five points count: the jump from 100 to 300 in 2016–2017 is not in the test
    last5 = rising[rising["year"] >= 2017]
    expected = _armitage(
        last5["x"].to_numpy(float), last5["n"].to_numpy(float), last5["year"].to_numpy(float)
    )
    assert out.loc["rising", "chi_square"] == pytest.approx(expected, rel=1e-10)
    assert out.loc["rising", "trend_first_time"] == 2017 and out.loc["rising", "n_points"] == 7
    logit = np.log(last5["x"] / (last5["n"] - last5["x"]))
    assert out.loc["rising", "slope"] == pytest.approx(np.polyfit(last5["year"], logit, 1)[0], rel=1e-10)
    # significant overall, but without the last point it falls: an outlier, not a trend
    assert out.loc["outlier", "chi_square"] > TREND_CHI_SQUARE
    assert (
        out.loc["outlier", "trend"] == "no significant change"
        and out.loc["outlier", "reason"] == "outlier found"
    )
    assert out.loc["outlier", "trend_judgement"] == "no significant change"
    for name, reason in (
        ("short", "not enough data points"),
        ("gap", "missing values"),
        ("edge", "a proportion of 0 or 1 among the last five points"),
    ):
        assert out.loc[name, "trend"] == "cannot be calculated" and out.loc[name, "reason"] == reason
        assert np.isnan(out.loc[name, "chi_square"])
    # the same answers one series at a time
    alone = recent_trend(worse, key=["series"], time="year", numerator="x", denominator="n")
    assert alone["chi_square"].iloc[0] == pytest.approx(out.loc["worse", "chi_square"], rel=1e-12)


def test_recent_trend_from_intervals_is_weighted_least_squares() -> None:
    rng = np.random.default_rng(2)
    years = np.arange(2016, 2023)
    value = 40 - 0.8 * (years - 2016) + rng.normal(0, 0.2, len(years))
    half = rng.uniform(0.5, 1.5, len(years))
    data = pd.DataFrame({"year": years, "v": value, "lo": value - half, "hi": value + half})
    out = recent_trend_from_intervals(
        data, key=[], time="year", value="v", lower_95="lo", upper_95="hi"
    ).iloc[0]
    last = data.tail(5)
    sigma = (last["hi"] - last["lo"]) / (2 * st.norm.ppf(0.975))
    design = np.column_stack([np.ones(5), last["year"]]) / sigma.to_numpy()[:, None]
    coef, *_ = np.linalg.lstsq(design, last["v"].to_numpy() / sigma.to_numpy(), rcond=None)
    cov = np.linalg.inv(design.T @ design)
    assert out["slope"] == pytest.approx(coef[1], rel=1e-9)
    assert out["chi_square"] == pytest.approx(coef[1] ** 2 / cov[1, 1], rel=1e-9)
    assert out["trend"] == "decreasing"
    assert list(
        trend_with_polarity(["decreasing", "increasing", "no significant change"], "no judgement")
    ) == [
        "decreasing",
        "increasing",
        "no significant change",
    ]


def test_recent_trend_repeated_periods_cannot_be_calculated() -> None:
    data = _series("dup", range(2018, 2023), [300, 320, 340, 360, 390], [1000] * 5)
    data = pd.concat([data, data.tail(1)])
    out = recent_trend(data, key=["series"], time="year", numerator="x", denominator="n")
    assert (
        out["trend"].iloc[0] == "cannot be calculated" and out["reason"].iloc[0] == "duplicate time periods"
    )


def test_recent_trend_matches_phe_fixture() -> None:
    sheets = (("testdata_prop_trends", []), ("testdata_prop_grouped", ["Ethnicity"]))
    for sheet, key in sheets:
        data = phe_fixture("testdata_trend_markers.xlsx", sheet)
        out = recent_trend(data, key=key, time="Year", numerator="Count", denominator="denominator")
        expected = data.dropna(subset=["recent_trend"]).reset_index(drop=True)
        assert list(out["trend"]) == list(expected["recent_trend"].str.lower())
    for sheet, key in (
        ("testdata_other_trends", []),
        ("testdata_other_grouped", ["Ethnicity"]),
        ("testdata_other_6", []),
    ):
        data = phe_fixture("testdata_trend_markers.xlsx", sheet)
        out = recent_trend_from_intervals(
            data, key=key, time="Year", value="Value", lower_95="LL", upper_95="UL"
        )
        expected = data.dropna(subset=["recent_trend"]).reset_index(drop=True)
        assert list(out["trend"]) == list(expected["recent_trend"].str.lower())
        tested = expected["Significance"].notna()
        np.testing.assert_allclose(out["chi_square"][tested].round(4), expected["Significance"][tested])
        np.testing.assert_allclose(out["slope"][tested].round(4), expected["Gradient"][tested])


# --------------------------------------------------------------------------------------------
# SII / RII gap over time
# --------------------------------------------------------------------------------------------


def test_gap_change_worked_example() -> None:
    # SII 2 (1 to 3) then 5 (4 to 6): SEs 1/1.96 and 1/1.96, difference 3 with SE √2/1.96.
    out = gap_change(
        [2, 2, 1.5, 4, np.nan],
        [1, 1.5, 1.2, 3, 1],
        [3, 2.5, 1.9, 5, 2],
        [5, -3, 1.6, 1, 1],
        [4, -4, 1.3, 0, 0],
        [6, -2, 2.0, 2, 2],
    )
    se = np.sqrt(2) / st.norm.ppf(0.975)
    assert out["change"].iloc[0] == 3 and out["p_value"].iloc[0] == pytest.approx(2 * st.norm.sf(3 / se))
    assert out["lower_998"].iloc[0] == pytest.approx(3 - st.norm.ppf(0.999) * se)
    assert list(out["gap_trend"]) == [
        "widening",
        "widening",
        "no significant change",
        "narrowing",
        "cannot be calculated",
    ]
    assert list(out["reversed"]) == [False, True, False, False, False]


def test_gap_change_rii_on_the_log_scale() -> None:
    out = gap_change(
        [2.0, 1.5], [1.6, 1.2], [2.5, 1.9], [1.2, 0.5], [1.0, 0.4], [1.44, 0.625], measure="rii"
    ).iloc[0]
    se = np.sqrt(
        (np.log(2.5 / 1.6) / (2 * st.norm.ppf(0.975))) ** 2
        + (np.log(1.44 / 1.0) / (2 * st.norm.ppf(0.975))) ** 2
    )
    assert out["change"] == pytest.approx(0.6)  # RII now / RII then
    assert out["p_value"] == pytest.approx(2 * st.norm.sf(abs(np.log(0.6)) / se))
    assert out["gap_trend"] == "narrowing"
    with pytest.raises(ValueError):
        gap_change([1], [0], [2], [1], [0], [2], level=0.9)
