"""Funnel limits, significance and polarity-aware judgements (pipelines.methods.funnels).

The proportion funnel is checked against PHEindicatormethods' fixture in ../shared/data/phe-methods. The ratio
and rate fixtures (testdata_funnel_ratio_*.csv, testdata_funnel_rate_*.csv) are not there yet: their tests
mirror the package's testFunnels.R and skip until the files are copied. The other tests are derived
independently: the Poisson limit of O events is a chi-square quantile (P(K ≤ O | μ) = P(χ²₂ₒ₊₂ > 2μ)), and
the labels follow from exact / Byar limits written out with scipy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pipelines.methods.funnels import (
    NOT_APPLICABLE_DSR,
    assign_funnel_significance,
    calculate_funnel_limits,
    calculate_funnel_points,
    funnel_judgement,
    judge,
    poisson_funnel,
    polarity_sign,
)
from tests.methods.phe_reference import phe_fixture

# --------------------------------------------------------------------------------------------
# Poisson search and ratio funnels
# --------------------------------------------------------------------------------------------


def _on_bisection_scale(mean: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """PHE bisects on v = μ/(μ + O + 1) and stops within 0.5/2²³ ≈ 6e-8 of the root."""
    return mean / (mean + observed + 1)


def test_poisson_funnel_is_the_exact_poisson_limit() -> None:
    observed = np.array([1, 2, 5, 9, 10, 37, 150, 2000], dtype=float)
    for p in (0.025, 0.001):
        # side 'high': P(K ≤ O | μ) = p ⇔ μ = χ²₁₋ₚ(2O + 2)/2; side 'low': P(K ≥ O | μ) = p ⇔ μ = χ²ₚ(2O)/2
        for side, exact in (
            ("high", st.chi2.isf(p, 2 * observed + 2) / 2),
            ("low", st.chi2.ppf(p, 2 * observed) / 2),
        ):
            np.testing.assert_allclose(
                _on_bisection_scale(poisson_funnel(observed, p, side), observed),
                _on_bisection_scale(exact, observed),
                rtol=0,
                atol=6e-8,
            )
    with pytest.raises(ValueError):
        poisson_funnel(observed, 0.025, "middle")  # type: ignore[arg-type]


def test_ratio_funnel_limits_and_scales() -> None:
    expected = np.array([5.0, 12.0, 40.0, 90.0, 150.0])
    observed = np.array([4, 15, 38, 120, 149])
    isr = calculate_funnel_limits("ratio", observed, expected, multiplier=100, ratio_type="isr")
    count = calculate_funnel_limits("ratio", observed, expected, multiplier=100, ratio_type="count")
    assert len(isr) == 100 and isr["observed_events"].is_monotonic_increasing
    o = isr["observed_events"].to_numpy()
    np.testing.assert_allclose(
        isr["lower_3s_limit"], o / (st.chi2.isf(0.001, 2 * o + 2) / 2) * 100, rtol=1e-5
    )
    np.testing.assert_allclose(count["upper_2s_limit"], isr["upper_2s_limit"] / 100 - 1, rtol=1e-12)
    # the funnel narrows towards a ratio of 1 (100) as events grow, the 99.8% outside the 95%
    assert (isr["lower_3s_limit"] < isr["lower_2s_limit"]).all() and (
        isr["upper_2s_limit"] < isr["upper_3s_limit"]
    ).all()
    assert (
        isr["lower_2s_limit"].iloc[-1] > isr["lower_2s_limit"].iloc[0]
        and isr["upper_2s_limit"].iloc[-1] < 200
    )
    assert set(isr["statistic"]) == {"ratio (isr)"} and set(count["method"]) == {"Poisson"}


def test_ratio_significance_labels() -> None:
    observed = np.array([30, 18, 15, 3, 5, 0])
    expected = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 4.0])
    labels = assign_funnel_significance("ratio", observed, expected)
    # 30 vs 10: Byar 99.8% lower limit of 30 is ~17.5 > 10 → High (0.001)
    # 18 vs 10: 95% lower ~10.7 > 10 but 99.8% lower ~8.2 < 10 → High (0.025); 15 → not significant
    # 3 vs 10: exact 99.8% upper χ²₀.₉₉₉(8)/2 ≈ 13.1 > 10, 95% upper χ²₀.₉₇₅(8)/2 ≈ 8.8 < 10 → Low (0.025)
    # 0 vs 4: exact 95% upper χ²₀.₉₇₅(2)/2 ≈ 3.69 < 4 → Low (0.025)
    assert st.chi2.ppf(0.999, 8) / 2 > 10 > st.chi2.ppf(0.975, 8) / 2 > 3
    assert list(labels) == [
        "High (0.001)",
        "High (0.025)",
        "Not significant",
        "Low (0.025)",
        "Not significant",
        "Low (0.025)",
    ]


# --------------------------------------------------------------------------------------------
# Rate funnels
# --------------------------------------------------------------------------------------------


def _rates() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    pop = rng.integers(5_000, 60_000, 30).astype(float)
    events = rng.poisson(pop * 0.004)
    events[0], events[1] = 400, 3  # one far above the average rate, one far below
    return pd.DataFrame({"events": events, "pop": pop, "rate": events / pop * 1e5})


def test_rate_funnel_centres_on_the_average_and_brackets_it() -> None:
    d = _rates()
    lim = calculate_funnel_limits(
        "rate", d["events"], rate=d["rate"], multiplier=1e5, rate_type="crude", years_of_data=1
    )
    average = d["events"].sum() / d["pop"].sum() * 1e5
    assert lim["baseline"].iloc[0] == pytest.approx(average, rel=1e-12)
    assert (lim["lower_3s_limit"] < average).all() and (lim["upper_3s_limit"] > average).all()
    # limits at E events: E / (μ/average) where μ is the exact Poisson mean for that tail
    e = lim["events"].to_numpy()
    # (to PHE's bisection resolution, 6e-8 on μ/(μ + E + 1): ~5e-6 relative at E = 1)
    np.testing.assert_allclose(
        lim["upper_2s_limit"], e / (st.chi2.ppf(0.025, 2 * e) / 2) * average, rtol=1e-5
    )
    # pooled over three years, the axis population is per year
    three = calculate_funnel_limits(
        "rate", d["events"], rate=d["rate"], multiplier=1e5, rate_type="crude", years_of_data=3
    )
    assert three["statistic"].iloc[0] == "rate (crude per 100,000)"
    assert (three["lower_2s_population_1_year"] > 0).all()


def test_rate_significance_and_small_dsrs() -> None:
    d = _rates()
    labels = assign_funnel_significance(
        "rate", d["events"], d["pop"], d["rate"], rate_type="crude", multiplier=1e5
    )
    assert labels[0] == "High (0.001)" and labels[1] == "Low (0.001)"
    dsr = assign_funnel_significance(
        "rate", d["events"], d["pop"], d["rate"], rate_type="dsr", multiplier=1e5
    )
    assert dsr[1] == NOT_APPLICABLE_DSR and dsr[0] == "High (0.001)"
    with pytest.raises(ValueError, match="denominator"):
        assign_funnel_significance("rate", [0, 5], None, [0.0, 3.0], rate_type="crude", multiplier=100)


def test_rate_funnel_points() -> None:
    pts = calculate_funnel_points(
        [5, 40, 0],
        [50.0, 80.0, 0.0],
        [10_000, 50_000, 20_000],
        rate_type="crude",
        years_of_data=2,
        multiplier=1e5,
    )
    np.testing.assert_allclose(pts["denominator_derived"], [5_000, 25_000, 10_000])
    dsr = calculate_funnel_points([5, 40], [50.0, 80.0], rate_type="dsr", years_of_data=1, multiplier=1e5)
    assert np.isnan(dsr["rate_chart"].iloc[0]) and dsr["rate_chart"].iloc[1] == 80.0


# --------------------------------------------------------------------------------------------
# Proportions (reused from pipelines.methods.proportion_funnels) and many funnels at once
# --------------------------------------------------------------------------------------------


def test_proportion_funnel_matches_phe_fixture() -> None:
    inputs = phe_fixture("testdata_funnel_prop_inputs.csv")
    expected = phe_fixture("testdata_funnel_prop_outputs.csv")
    lim = calculate_funnel_limits("proportion", inputs["numerator"], inputs["denominator"], multiplier=100)
    np.testing.assert_array_equal(lim["population"], expected["Population"].to_numpy(float))
    for ours, theirs in (
        ("lower_2s_limit", "Lower2s0025limit"),
        ("upper_3s_limit", "Upper3s0001limit"),
        ("baseline", "Baseline"),
    ):
        np.testing.assert_allclose(lim[ours], expected[theirs], rtol=0, atol=1e-6)
    labels = assign_funnel_significance("proportion", inputs["numerator"], inputs["denominator"])
    np.testing.assert_array_equal(labels, inputs["significance"].to_numpy())


def test_groups_get_their_own_funnels() -> None:
    d = _rates()
    g = np.where(np.arange(len(d)) % 2 == 0, "north", "south")
    labels = assign_funnel_significance("ratio", d["events"], d["pop"] * 0.004, groups=g)
    for name in ("north", "south"):
        pick = g == name
        np.testing.assert_array_equal(
            labels[pick], assign_funnel_significance("ratio", d["events"][pick], d["pop"][pick] * 0.004)
        )
    rates = calculate_funnel_limits(
        "rate", d["events"], rate=d["rate"], multiplier=1e5, rate_type="crude", years_of_data=1, groups=g
    )
    assert rates.groupby("group").size().to_dict() == {"north": 100, "south": 100}
    south = d[g == "south"]
    assert rates.loc[rates["group"] == "south", "baseline"].iloc[0] == pytest.approx(
        south["events"].sum() / south["pop"].sum() * 1e5
    )


# --------------------------------------------------------------------------------------------
# Polarity
# --------------------------------------------------------------------------------------------


def test_high_is_never_better_for_a_negative_measure() -> None:
    labels = ["High (0.001)", "High (0.025)", "Low (0.001)", "Not significant", NOT_APPLICABLE_DSR]
    assert list(funnel_judgement(labels, "higher is better")) == [
        "better",
        "similar",
        "worse",
        "similar",
        "not compared",
    ]
    assert list(funnel_judgement(labels, "lower is better")) == [
        "worse",
        "similar",
        "better",
        "similar",
        "not compared",
    ]
    assert list(funnel_judgement(labels, "no judgement")) == ["not compared"] * 5
    assert list(funnel_judgement(labels, False, level=0.95)) == [
        "worse",
        "worse",
        "better",
        "similar",
        "not compared",
    ]
    # one polarity per row, as the marts carry higher_is_better
    per_row = funnel_judgement(["High (0.001)"] * 3, [True, False, None])
    assert list(per_row) == ["better", "worse", "not compared"]


def test_polarity_words_and_booleans() -> None:
    assert list(
        polarity_sign(["higher is better", "Lower is better", "no judgement", True, False, None, np.nan])
    ) == [
        1,
        -1,
        0,
        1,
        -1,
        0,
        0,
    ]
    assert int(polarity_sign("higher_is_better")) == 1
    with pytest.raises(ValueError, match="unknown polarity"):
        polarity_sign("bigger")
    assert list(judge([1, -1, 0, np.nan], "lower is better")) == [
        "worse",
        "better",
        "similar",
        "not compared",
    ]


# --------------------------------------------------------------------------------------------
# PHEindicatormethods' ratio and rate fixtures (testFunnels.R)
# --------------------------------------------------------------------------------------------

# The CSVs are printed to 10 significant figures.
CSV = {"rtol": 1e-8, "atol": 1e-9}


def test_ratio_funnels_match_phe_fixture() -> None:
    inputs = phe_fixture("testdata_funnel_ratio_inputs.csv")
    expected = phe_fixture("testdata_funnel_ratio_outputs.csv")
    expected.columns = ["observed_events", *expected.columns[1:]]
    for ratio_type in ("count", "isr"):
        lim = calculate_funnel_limits(
            "ratio", inputs["obs"], inputs["expected"], multiplier=100, ratio_type=ratio_type
        )
        np.testing.assert_array_equal(lim["observed_events"], expected["observed_events"].to_numpy(float))
        for bound in ("lower_2s", "upper_2s", "lower_3s", "upper_3s"):
            np.testing.assert_allclose(lim[f"{bound}_exp_events"], expected[f"{bound}_exp_events"], **CSV)
            np.testing.assert_allclose(lim[f"{bound}_limit"], expected[f"{bound}_{ratio_type}"], **CSV)
    labels = assign_funnel_significance("ratio", inputs["obs"], inputs["expected"])
    np.testing.assert_array_equal(labels, inputs["significance"].to_numpy())


def test_rate_funnels_match_phe_fixture() -> None:
    inputs = phe_fixture("testdata_funnel_rate_input_funnels.csv")

    def check(lim: pd.DataFrame, name: str) -> None:
        expected = phe_fixture(name).rename(columns={"Events": "events"})
        for col in expected.columns:
            if col in ("statistic", "method"):
                assert list(lim[col]) == list(expected[col])
            else:
                np.testing.assert_allclose(lim[col], expected[col], err_msg=col, **CSV)

    check(
        calculate_funnel_limits(
            "rate", inputs["ev"], rate=inputs["rate"], multiplier=1e5, rate_type="dsr", years_of_data=3
        ),
        "testdata_funnel_rate_outputs.csv",
    )
    fewer = inputs["ev"].where(inputs["ev"] != inputs["ev"].max(), 5)
    check(
        calculate_funnel_limits(
            "rate", fewer, rate=inputs["rate"], multiplier=1e5, rate_type="crude", years_of_data=3
        ),
        "testdata_funnel_rate_outputs_2.csv",
    )
    zero = inputs[["ev", "rate"]].assign(pop=1e5 * inputs["ev"] / inputs["rate"])
    biggest = zero["ev"] == zero["ev"].max()
    zero.loc[biggest, ["ev", "rate"]] = 0
    zero = zero[zero["pop"] > zero["pop"].max() / 2]
    check(
        calculate_funnel_limits(
            "rate", zero["ev"], zero["pop"], zero["rate"], multiplier=1e5, rate_type="crude", years_of_data=3
        ),
        "testdata_funnel_rate_outputs_3.csv",
    )


def test_rate_significance_matches_phe_fixture() -> None:
    d = phe_fixture("testdata_funnel_rate_dsr_inputs.csv")
    cases = [
        ("rate_dsr", "dsr", 1e5, "dsr_per_100000"),
        ("rate_dsr", "dsr", 100, "dsr_per_100"),
        ("rate_crude_per_100000", "crude", 1e5, "crude_per_100000"),
        ("rate_crude_per_100", "crude", 100, "crude_per_100"),
    ]
    for rate, rate_type, multiplier, column in cases:
        for subset, suffix in ((d, "with_0"), (d[d["count"] != 0], "without_0")):
            if f"{column}_{suffix}" not in d.columns:
                continue
            labels = assign_funnel_significance(
                "rate",
                subset["count"],
                subset["pop"],
                subset[rate],
                rate_type=rate_type,
                multiplier=multiplier,
            )
            np.testing.assert_array_equal(
                labels, subset[f"{column}_{suffix}"].to_numpy(), err_msg=f"{column}_{suffix}"
            )
