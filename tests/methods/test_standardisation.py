"""Directly and indirectly standardised rates (pipelines.methods.standardisation).

PHEindicatormethods' own DSR/ISR test data (testdata_DSR_ISR.xlsx) is not in ../shared/data/phe-methods, so
the tests that read it skip until it is copied there (they mirror the package's testDSRs.R / testISRatios.R).
Every other expected value here is a worked example derived independently: by hand in the comments, with
Byar's and the exact chi-square limits written out from their formulas with scipy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from pipelines.methods.standardisation import calculate_dsr, calculate_isratio, esp2013, esp2013_band
from tests.methods.phe_reference import phe_fixture

Z95 = st.norm.ppf(0.975)
Z998 = st.norm.ppf(0.999)


def byar_lower(x: float, z: float) -> float:
    return x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3


def byar_upper(x: float, z: float) -> float:
    return (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3


# --------------------------------------------------------------------------------------------
# European Standard Population 2013
# --------------------------------------------------------------------------------------------


def test_esp2013_is_the_published_standard() -> None:
    esp = esp2013()
    assert len(esp) == 19 and esp["standard_population"].sum() == 100_000
    assert esp["age_band"].iloc[0] == "0-4" and esp["standard_population"].iloc[0] == 5000  # 1,000 + 4,000
    assert esp["age_band"].iloc[-1] == "90+" and esp["standard_population"].iloc[-1] == 1000
    assert esp.set_index("age_band").loc["50-54", "standard_population"] == 7000
    esp.loc[0, "standard_population"] = 0  # a copy: the packaged table cannot be changed by a caller
    assert esp2013()["standard_population"].iloc[0] == 5000


def test_esp2013_band_maps_ages_and_narrower_bands() -> None:
    bands = esp2013_band([0, 4, 5, 89, 90, 95, 104, np.nan, -1])
    assert list(bands) == ["0-4", "0-4", "5-9", "85-89", "90+", "90+", "90+", None, None]


# --------------------------------------------------------------------------------------------
# DSR, worked examples
# --------------------------------------------------------------------------------------------


def test_dsr_two_band_worked_example() -> None:
    # Bands: 30 events in 1,000 people (standard weight 60,000), 20 in 4,000 (weight 40,000).
    # DSR = (30/1000·60000 + 20/4000·40000) / 100000 = 0.02 → 2,000 per 100,000.
    # var = (30·(60000/1000)² + 20·(40000/4000)²) / 100000² = 110000 / 1e10 = 1.1e-5; X = 50.
    # Dobson: 2000 + √(1.1e-5/50)·(Byar(50) − 50)·1e5.
    data = pd.DataFrame({"x": [30, 20], "n": [1000, 4000], "w": [60000, 40000]})
    out = calculate_dsr(data, x="x", n="n", stdpop="w")
    row = out.iloc[0]
    assert row["total_count"] == 50 and row["total_pop"] == 5000
    assert row["value"] == pytest.approx(2000.0, rel=1e-12)
    scale = np.sqrt(1.1e-5 / 50) * 1e5
    assert row["lower_95"] == pytest.approx(2000 + scale * (byar_lower(50, Z95) - 50), rel=1e-12)
    assert row["upper_95"] == pytest.approx(2000 + scale * (byar_upper(50, Z95) - 50), rel=1e-12)
    assert row["lower_998"] == pytest.approx(2000 + scale * (byar_lower(50, Z998) - 50), rel=1e-12)
    assert row["upper_998"] == pytest.approx(2000 + scale * (byar_upper(50, Z998) - 50), rel=1e-12)
    assert row["statistic"] == "dsr per 100000" and row["method"] == "Dobson"
    assert row["confidence"] == "95%, 99.8%"


def test_dsr_of_a_standard_shaped_population_is_its_crude_rate() -> None:
    esp = esp2013()
    rng = np.random.default_rng(7)
    data = esp.assign(n=esp["standard_population"] * 3, x=rng.integers(5, 80, len(esp)))
    row = calculate_dsr(data, x="x", n="n", stdpop="standard_population", multiplier=1000).iloc[0]
    assert row["value"] == pytest.approx(data["x"].sum() / data["n"].sum() * 1000, rel=1e-12)


def test_dsr_of_one_band_has_the_crude_rates_byar_limits() -> None:
    # One band: var/X = 1/n², so the Dobson limits are Byar's limits on the count, over n.
    data = pd.DataFrame({"x": [120], "n": [40_000], "w": [1]})
    row = calculate_dsr(data, x="x", n="n", stdpop="w", multiplier=1e5).iloc[0]
    assert row["lower_95"] == pytest.approx(byar_lower(120, Z95) / 40_000 * 1e5, rel=1e-12)
    assert row["upper_998"] == pytest.approx(byar_upper(120, Z998) / 40_000 * 1e5, rel=1e-12)


def test_dsr_suppressed_below_ten_events_and_missing_counts_are_zero() -> None:
    data = pd.DataFrame(
        {
            "area": ["a", "a", "b", "b"],
            "x": [4.0, 5.0, 6.0, np.nan],
            "n": [100, 100, 100, 100],
            "w": [1, 1, 1, 1],
        }
    )
    out = calculate_dsr(data, x="x", n="n", stdpop="w", by=["area"], confidence=0.95).set_index("area")
    assert np.isnan(out.loc["a", "value"]) and np.isnan(out.loc["a", "upper_95"])
    assert out.loc["a", "statistic"] == "dsr NA for total count < 10" and out.loc["a", "total_count"] == 9
    assert out.loc["b", "total_count"] == 6
    assert "lower_998" not in out.columns and out.loc["b", "confidence"] == "95%"


def test_dsr_many_areas_at_once_equal_one_at_a_time() -> None:
    esp = esp2013()
    rng = np.random.default_rng(3)
    frames = [
        esp.assign(area=f"A{i}", n=rng.integers(200, 5000, len(esp)), x=rng.poisson(30, len(esp)))
        for i in range(40)
    ]
    together = calculate_dsr(pd.concat(frames), x="x", n="n", stdpop="standard_population", by=["area"])
    assert list(together["area"]) == [f"A{i}" for i in range(40)]
    for i in (0, 17, 39):
        alone = calculate_dsr(frames[i], x="x", n="n", stdpop="standard_population")
        cols = ["value", "lower_95", "upper_95", "lower_998", "upper_998"]
        np.testing.assert_allclose(
            together.iloc[i][cols].to_numpy(float), alone.iloc[0][cols].to_numpy(float)
        )


def test_dsr_non_independent_events_widen_the_limits() -> None:
    esp = esp2013()
    people = esp.assign(n=2000, persons=np.arange(1, 20))
    once = calculate_dsr(people, x="persons", n="n", stdpop="standard_population").iloc[0]
    # everyone had exactly one event: the same as independent events
    as_freq = calculate_dsr(
        people.assign(freq=1),
        x="persons",
        n="n",
        stdpop="standard_population",
        independent_events=False,
        eventfreq="freq",
        ageband="age_band",
    ).iloc[0]
    cols = ["value", "lower_95", "upper_95"]
    np.testing.assert_allclose(as_freq[cols].to_numpy(float), once[cols].to_numpy(float), rtol=1e-12)
    # the same people each with two events: twice the rate; the variance is 2² × the people's variance
    twice = calculate_dsr(
        people.assign(freq=2),
        x="persons",
        n="n",
        stdpop="standard_population",
        independent_events=False,
        eventfreq="freq",
        ageband="age_band",
    ).iloc[0]
    events = calculate_dsr(
        people.assign(ev=people["persons"] * 2), x="ev", n="n", stdpop="standard_population"
    ).iloc[0]
    assert twice["value"] == pytest.approx(2 * once["value"], rel=1e-12)
    assert twice["total_count"] == events["total_count"] == 2 * once["total_count"]
    assert twice["upper_95"] - twice["lower_95"] > events["upper_95"] - events["lower_95"]
    assert twice["method"].startswith("Dobson, with confidence adjusted")


def test_dsr_rejects_bad_input() -> None:
    ok = pd.DataFrame({"x": [10, 20], "n": [100, 100], "w": [1, 1]})
    with pytest.raises(ValueError, match="greater than or equal to zero"):
        calculate_dsr(ok.assign(x=[-1, 20]), x="x", n="n", stdpop="w")
    with pytest.raises(ValueError, match="greater than zero"):
        calculate_dsr(ok.assign(n=[0, 100]), x="x", n="n", stdpop="w")
    with pytest.raises(ValueError, match="missing"):
        calculate_dsr(ok.assign(n=[np.nan, 100]), x="x", n="n", stdpop="w")
    with pytest.raises(ValueError, match="confidence"):
        calculate_dsr(ok, x="x", n="n", stdpop="w", confidence=0.8)
    with pytest.raises(KeyError):
        calculate_dsr(ok, x="x", n="n", stdpop="esp")
    with pytest.raises(ValueError, match="different populations"):
        calculate_dsr(
            pd.DataFrame({"x": [1, 2], "n": [100, 200], "w": [1, 1], "f": [1, 2], "band": ["0-4", "0-4"]}),
            x="x",
            n="n",
            stdpop="w",
            independent_events=False,
            eventfreq="f",
            ageband="band",
        )


# --------------------------------------------------------------------------------------------
# ISR, worked examples
# --------------------------------------------------------------------------------------------


# Reference rates: 0.001 for the young, 0.03 for the old.
REFERENCE = pd.DataFrame({"band": ["young", "old"], "ref_x": [10, 90], "ref_n": [10_000, 3_000]})


def test_isratio_worked_example_exact_and_byar() -> None:
    # Area 1: 4,000 young and 200 old → expected 4,000·0.001 + 200·0.03 = 10; observed 6 (exact limits).
    # Area 2: 1,000 young and 1,000 old → expected 1 + 30 = 31; observed 62 (Byar limits).
    data = pd.DataFrame(
        {
            "area": ["a1", "a1", "a2", "a2"],
            "band": ["young", "old"] * 2,
            "x": [2, 4, 10, 52],
            "n": [4000, 200, 1000, 1000],
        }
    )
    out = calculate_isratio(
        data, x="x", n="n", x_ref="ref_x", n_ref="ref_n", by=["area"], reference=REFERENCE, on="band"
    ).set_index("area")
    assert out.loc["a1", "expected"] == pytest.approx(10.0)
    assert out.loc["a2", "expected"] == pytest.approx(31.0)
    assert out.loc["a1", "value"] == pytest.approx(0.6) and out.loc["a2", "value"] == pytest.approx(2.0)
    assert out.loc["a1", "lower_95"] == pytest.approx(st.chi2.ppf(0.025, 12) / 2 / 10, rel=1e-12)
    assert out.loc["a1", "upper_998"] == pytest.approx(st.chi2.ppf(0.999, 14) / 2 / 10, rel=1e-12)
    assert out.loc["a2", "lower_95"] == pytest.approx(byar_lower(62, Z95) / 31, rel=1e-12)
    assert out.loc["a2", "upper_998"] == pytest.approx(byar_upper(62, Z998) / 31, rel=1e-12)
    assert list(out["method"]) == ["Exact", "Byars"]
    scaled = calculate_isratio(
        data,
        x="x",
        n="n",
        x_ref="ref_x",
        n_ref="ref_n",
        by=["area"],
        reference=REFERENCE,
        on="band",
        refvalue=100,
    )
    np.testing.assert_allclose(scaled["upper_95"], out["upper_95"].to_numpy() * 100)
    assert scaled["statistic"].iloc[0] == "indirectly standardised ratio x 100"


def test_isratio_is_one_at_reference_rates_and_totals_match_band_counts() -> None:
    data = pd.DataFrame({"area": ["p"] * 2, "band": ["young", "old"], "n": [20_000, 1_000]})
    data["x"] = data["n"] * np.array([0.001, 0.03])  # exactly the reference rates: 20 + 30 events
    by_band = calculate_isratio(
        data, x="x", n="n", x_ref="ref_x", n_ref="ref_n", by=["area"], reference=REFERENCE, on="band"
    )
    assert by_band["value"].iloc[0] == pytest.approx(1.0, rel=1e-12)
    totals = pd.DataFrame({"area": ["p"], "complaints": [50]})
    from_totals = calculate_isratio(
        data,
        x="complaints",
        n="n",
        x_ref="ref_x",
        n_ref="ref_n",
        by=["area"],
        reference=REFERENCE,
        on="band",
        observed_totals=totals,
    )
    cols = ["observed", "expected", "value", "lower_95", "upper_998"]
    np.testing.assert_allclose(from_totals[cols].to_numpy(float), by_band[cols].to_numpy(float), rtol=1e-12)


def test_isratio_needs_a_reference_for_every_band() -> None:
    data = pd.DataFrame({"band": ["young", "middle"], "x": [1, 2], "n": [100, 100]})
    with pytest.raises(ValueError, match="no reference"):
        calculate_isratio(data, x="x", n="n", x_ref="ref_x", n_ref="ref_n", reference=REFERENCE, on="band")


# --------------------------------------------------------------------------------------------
# PHEindicatormethods' own test data (testDSRs.R / testISRatios.R)
# --------------------------------------------------------------------------------------------

PHE_COLUMNS = {
    "value": "value",
    "lower_95": "lower95_0cl",
    "upper_95": "upper95_0cl",
    "lower_998": "lower99_8cl",
    "upper_998": "upper99_8cl",
}


def test_dsr_matches_phe_fixture() -> None:
    areas = phe_fixture("testdata_DSR_ISR.xlsx", "testdata_multiarea")
    expected = phe_fixture("testdata_DSR_ISR.xlsx", "testresults_DSR")
    areas["esp2013"] = np.tile(esp2013()["standard_population"].to_numpy(), areas["area"].nunique())
    for multiplier, rows in ((10_000, [0, 1, 2]), (100_000, [4, 5, 6])):
        out = calculate_dsr(areas, x="count", n="pop", stdpop="esp2013", by=["area"], multiplier=multiplier)
        want = expected.iloc[rows].reset_index(drop=True)
        for ours, theirs in {**PHE_COLUMNS, "total_count": "total_count", "total_pop": "total_pop"}.items():
            np.testing.assert_allclose(out[ours], want[theirs], rtol=1e-9, equal_nan=True)
        assert list(out["statistic"]) == list(want["statistic"])


def test_dsr_non_independent_matches_phe_fixture() -> None:
    wide = phe_fixture("testdata_DSR_ISR.xlsx", "testdata_nonindepe").drop(columns="count")
    expected = phe_fixture("testdata_DSR_ISR.xlsx", "testresults_DSR").iloc[8:12].set_index("area")
    long = wide.melt(id_vars=["area", "ageband", "pop"], var_name="freq", value_name="persons")
    long["freq"] = long["freq"].str[1:].astype(int)
    # as LoadTestdata.R: the three smaller areas have no frequency-4 rows
    long = long[~(long["area"].ne("testdata_nonind_big") & long["freq"].eq(4))]
    bands = sorted(long["ageband"].unique())
    long["esp2013"] = long["ageband"].map(dict(zip(bands, esp2013()["standard_population"], strict=True)))
    out = calculate_dsr(
        long,
        x="persons",
        n="pop",
        stdpop="esp2013",
        by=["area"],
        independent_events=False,
        eventfreq="freq",
        ageband="ageband",
    ).set_index("area")
    want = expected.loc[out.index]
    for ours, theirs in PHE_COLUMNS.items():
        np.testing.assert_allclose(out[ours], want[theirs], rtol=1e-9, equal_nan=True)


def test_isratio_matches_phe_fixture() -> None:
    data = phe_fixture("testdata_DSR_ISR.xlsx", "testdata_multiarea_isr")
    expected = phe_fixture("testdata_DSR_ISR.xlsx", "testresults_ISR")
    for refvalue, rows in ((1, [6, 7, 8]), (100, [9, 10, 11])):
        out = calculate_isratio(
            data, x="count", n="pop", x_ref="refcount", n_ref="refpop", by=["area"], refvalue=refvalue
        )
        want = expected.iloc[rows].reset_index(drop=True)
        for ours, theirs in {**PHE_COLUMNS, "observed": "observed", "expected": "expected"}.items():
            np.testing.assert_allclose(out[ours], want[theirs], rtol=1e-9)
        assert list(out["method"]) == list(want["method"])
