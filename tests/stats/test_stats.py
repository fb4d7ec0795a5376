"""Tests for pipelines.methods (intervals, inequality, proportion funnels) against the PHEindicatormethods reference fixtures (docs/DESIGN.md §7).

Fixtures live outside the repo in ../shared/data/phe-methods (see SOURCE.txt there). Closed forms
are matched to ~1e-9 relative (the xlsx files carry full double precision), funnels to 1e-6
(the CSV is printed to 6 decimals) and Monte-Carlo SII limits to 5% (the R package's own tolerance).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.methods import inequality, intervals, proportion_funnels

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "phe-methods"

CLOSED = {"rtol": 1e-9, "atol": 1e-12}


def _fixture(name: str, sheet: str | int = 0) -> pd.DataFrame:
    """Read one fixture file, skipping (with the reason) only if the folder is genuinely absent."""
    if not FIXTURES.is_dir():
        pytest.skip(f"PHE reference fixtures not found at {FIXTURES}")
    path = FIXTURES / name
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig")
    return pd.read_excel(path, sheet_name=sheet, engine="openpyxl")


def _conf_label(label: object) -> float:
    return float(str(label).rstrip("%")) / 100


# --------------------------------------------------------------------------------------------
# z, Wilson, Byar
# --------------------------------------------------------------------------------------------


def test_z_for_levels_and_percent_input() -> None:
    assert intervals.z_for(0.95) == pytest.approx(1.959963984540054, rel=1e-12)
    assert intervals.z_for(99.8) == pytest.approx(3.090232306167813, rel=1e-12)
    with pytest.raises(ValueError):
        intervals.z_for(0.2)


def test_byars_and_wilson_fixture_rows() -> None:
    df = _fixture("testdata_Byars_Wilson.xlsx")
    byars = df[df["method"] == "Byars"]
    for _, r in byars.iterrows():
        conf = _conf_label(r["confidence"])
        np.testing.assert_allclose(intervals.byars_upper(r["x"], conf), r["uppercl"], **CLOSED)
        if np.isnan(r["lowercl"]):
            # x=1 at 99.8%: the Byar bracket goes negative; PHE's fixture has no lower limit
            assert np.isnan(intervals.byars_lower(r["x"], conf))
        else:
            np.testing.assert_allclose(intervals.byars_lower(r["x"], conf), r["lowercl"], **CLOSED)
    wilson = df[df["method"] == "Wilson"]
    assert len(byars) == 7 and len(wilson) == 6
    for label, grp in wilson.groupby("confidence"):
        lo, hi = intervals.wilson_interval(grp["x"].to_numpy(), grp["n"].to_numpy(), _conf_label(label))
        np.testing.assert_allclose(lo, grp["lowercl"], **CLOSED)
        np.testing.assert_allclose(hi, grp["uppercl"], **CLOSED)


def test_wilson_edge_cases() -> None:
    lo, hi = intervals.wilson_interval(np.array([0, 5, 3, np.nan]), np.array([0, 5, 10, 10]))
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and np.isnan(lo[3])
    assert lo[1] < 1 and hi[1] == pytest.approx(1.0)
    assert 0 < lo[2] < 0.3 < hi[2] < 1
    lo0, hi0 = intervals.wilson_interval(0, 20)
    assert lo0 == pytest.approx(0.0, abs=1e-15) and hi0 > 0
    assert isinstance(lo0, float)


def test_byar_interval_exact_below_ten_and_zero() -> None:
    lo, hi = intervals.byar_interval(np.array([0, 1, 9, 10, 65]))
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(-np.log(0.025), rel=1e-12)  # χ²(0.975; 2)/2
    np.testing.assert_allclose(lo[3:], intervals.byars_lower([10, 65]), **CLOSED)
    np.testing.assert_allclose(hi[3:], intervals.byars_upper([10, 65]), **CLOSED)
    with pytest.raises(ValueError):
        intervals.byar_interval(-1)


# --------------------------------------------------------------------------------------------
# phe_proportion and phe_rate
# --------------------------------------------------------------------------------------------


def test_proportion_fixture_both_levels_and_multipliers() -> None:
    df = _fixture("testdata_Proportion.xlsx", "testdata_Prop")
    assert len(df) >= 16
    for mult, grp in df.groupby("multiplier"):
        x, n = grp["Numerator"].to_numpy(), grp["Denominator"].to_numpy()
        for conf, lo_col, hi_col in [
            (0.95, "lower95_0cl", "upper95_0cl"),
            (0.998, "lower99_8cl", "upper99_8cl"),
        ]:
            value, lo, hi = intervals.proportion_interval(x, n, multiplier=mult, conf=conf)
            np.testing.assert_allclose(value, grp["value"], equal_nan=True, **CLOSED)
            np.testing.assert_allclose(lo, grp[lo_col], equal_nan=True, **CLOSED)
            np.testing.assert_allclose(hi, grp[hi_col], equal_nan=True, **CLOSED)


def test_proportion_fixture_grouped_sums_with_missing() -> None:
    df = _fixture("testdata_Proportion.xlsx", "testdata_Prop_g")
    value, lo, hi = intervals.proportion_interval(df["Numerator"], df["Denominator"], 1, 0.95)
    np.testing.assert_allclose(value, df["value"], equal_nan=True, **CLOSED)
    np.testing.assert_allclose(lo, df["lowercl"], equal_nan=True, **CLOSED)
    np.testing.assert_allclose(hi, df["uppercl"], equal_nan=True, **CLOSED)


def test_rate_fixture_exact_and_byar() -> None:
    df = _fixture("testdata_Rate.xlsx", "testdata_Rate")
    exact = df["method"] == "Exact"
    assert exact.sum() >= 4 and (df["method"] == "Byars").sum() >= 12
    for mult, grp in df.groupby("multiplier"):
        x, d = grp["Numerator"].to_numpy(), grp["Denominator"].to_numpy()
        for conf, lo_col, hi_col in [
            (0.95, "lower95_0cl", "upper95_0cl"),
            (0.998, "lower99_8cl", "upper99_8cl"),
        ]:
            value, lo, hi = intervals.rate_interval(x, d, multiplier=mult, conf=conf)
            np.testing.assert_allclose(value, grp["value"], equal_nan=True, **CLOSED)
            np.testing.assert_allclose(lo, grp[lo_col], equal_nan=True, **CLOSED)
            np.testing.assert_allclose(hi, grp[hi_col], equal_nan=True, **CLOSED)


def test_rate_fixture_grouped_sums_with_missing() -> None:
    df = _fixture("testdata_Rate.xlsx", "testdata_Rate_g")
    value, lo, hi = intervals.rate_interval(df["Numerator"], df["Denominator"], 100_000, 0.95)
    np.testing.assert_allclose(value, df["value"], equal_nan=True, **CLOSED)
    np.testing.assert_allclose(lo, df["lowercl"], equal_nan=True, **CLOSED)
    np.testing.assert_allclose(hi, df["uppercl"], equal_nan=True, **CLOSED)


# --------------------------------------------------------------------------------------------
# Weighted survey proportions and group differences
# --------------------------------------------------------------------------------------------


def test_weighted_proportion_kish() -> None:
    y = np.array([1, 0, 1, 1, np.nan])
    w = np.array([1.0, 2.0, 1.0, 4.0, 3.0])
    p, sum_w, n_eff = intervals.weighted_proportion(y, w)
    assert p == pytest.approx(6 / 8)
    assert sum_w == pytest.approx(8.0)
    assert n_eff == pytest.approx(64 / 22)
    # equal weights: n_eff is the plain count and Wilson-on-n_eff is plain Wilson
    p2, _, n2 = intervals.weighted_proportion([1, 0, 1, 0], [2, 2, 2, 2])
    assert n2 == pytest.approx(4) and p2 == 0.5
    np.testing.assert_allclose(intervals.wilson_on_effective_n(0.65, 100), intervals.wilson_interval(65, 100))
    assert np.isnan(intervals.weighted_proportion([np.nan], [1.0])[0])
    with pytest.raises(ValueError):
        intervals.weighted_proportion([1, 0], [1, -1])


def test_two_group_difference() -> None:
    diff, lo, hi, p, sig = intervals.two_group_difference(0.60, 400, 0.50, 400)
    se = np.sqrt(0.6 * 0.4 / 400 + 0.5 * 0.5 / 400)
    assert diff == pytest.approx(0.10)
    assert lo == pytest.approx(0.10 - intervals.z_for(0.95) * se)
    assert hi == pytest.approx(0.10 + intervals.z_for(0.95) * se)
    assert p == pytest.approx(2 * (1 - 0.9977), abs=5e-4) and sig is True
    d, lo, hi, p, sig = intervals.two_group_difference(
        np.array([0.5, 0.5]), [50, 0], np.array([0.48, 0.5]), [50, 10]
    )
    assert not sig[0] and lo[0] < 0 < hi[0]
    assert np.isnan(p[1]) and not sig[1]


# --------------------------------------------------------------------------------------------
# phe_quantile
# --------------------------------------------------------------------------------------------


def _quantile_cases(df: pd.DataFrame) -> list[tuple[pd.DataFrame, str | None, int, bool]]:
    """The fixture's test blocks, sliced as PHEindicatormethods' own tests slice them.

    GroupSet "None" (read as NaN) is one ungrouped quartile set over all its rows with the default
    inversion; the other blocks are per indicator, within region for "IndSexReg", and inverted
    unless high values are good (Polarity "RAG - High is good" / False).
    """
    cases: list[tuple[pd.DataFrame, str | None, int, bool]] = []
    nq_of = {"Decile": 10, "Quartile": 4, "Septile": 7}
    ungrouped = df[df["GroupSet"].isna()]
    cases.append((ungrouped, None, nq_of[ungrouped["QuantileNm"].iloc[0]], True))
    for (_, group_set, qname, _), blk in df[df["GroupSet"].notna()].groupby(
        ["IndSexRef", "GroupSet", "QuantileNm", "Test"], sort=False
    ):
        by = "ParentCode" if group_set == "IndSexReg" else None
        invert = str(blk["Polarity"].iloc[0]) not in ("RAG - High is good", "False")
        cases.append((blk, by, nq_of[qname], invert))
    return cases


def test_quantile_fixture_all_blocks() -> None:
    df = _fixture("testdata_Quantiles.xlsx")
    df = df[df["Test"] != "BadPolarity"]  # an input-validation case for the R data-frame API
    checked = 0
    for blk, by, nq, invert in _quantile_cases(df):
        groups = blk[by].to_numpy() if by else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            got = inequality.phe_quantile(blk["Value"].to_numpy(), nq, invert=invert, groups=groups)
        np.testing.assert_array_equal(got, blk["QuantileInGrp"].to_numpy(dtype=float))
        checked += len(blk)
    assert checked >= 900


def test_quantile_ties_nan_and_small_groups() -> None:
    vals = np.array([10.0, 9, 9, 7, np.nan, 5, 4, 3, 2, 1])
    q = inequality.phe_quantile(vals, nquantiles=3)
    assert np.isnan(q[4])
    assert q[1] == q[2]  # ties share the "min" rank
    assert q[0] == 1 and q[-1] == 3  # highest value → quantile 1 when inverted
    assert inequality.phe_quantile(vals, nquantiles=3, invert=False)[0] == 3
    with pytest.warns(UserWarning):
        assert np.isnan(inequality.phe_quantile([1.0, 2.0], nquantiles=5)).all()


# --------------------------------------------------------------------------------------------
# Slope index of inequality
# --------------------------------------------------------------------------------------------

_VALUE_TYPE = {0: "other", 1: "rate", 2: "proportion"}


def _sii_confidences(desc: str, column: object) -> list[float]:
    """The R tests' confidence for each block (the fixture column says 95 for some 98% blocks)."""
    if "multiple CIs" in desc:
        return [0.95, 0.99]
    if re.search(r"95 and 98|95% and 98%", desc):
        return [0.95, 0.98]
    if "98%" in desc:
        return [0.98]
    return [float(column) / 100]


def _sii_blocks() -> list[tuple[str, str, pd.DataFrame]]:
    df = _fixture("testdata_SII.xlsx")
    blocks = []
    for (desc, area), blk in df.groupby(["TestDescription", "Area"], sort=False):
        if blk["sii"].notna().any():
            blocks.append((str(desc), str(area), blk.sort_values("Quantile")))
    return blocks


def _run_sii(desc: str, blk: pd.DataFrame, **kw: object) -> inequality.SIIResult:
    vt = _VALUE_TYPE[int(blk["ValueType"].iloc[0])]
    transform = {"rate": "log", "proportion": "logit"}[vt] if "transform" in desc else None
    mult = re.search(r"multiplier \(x (-?\d+)\)", desc)
    multiplier = float(mult.group(1)) if mult else (-1.0 if "negative multiplier" in desc else 1.0)
    return inequality.slope_index_of_inequality(
        blk["Value"].to_numpy(),
        None,
        blk["Population"].to_numpy(),
        lower_cl=blk["LowerCL"].to_numpy(),
        upper_cl=blk["UpperCL"].to_numpy(),
        value_type=vt,  # type: ignore[arg-type]
        transform=transform,  # type: ignore[arg-type]
        multiplier=multiplier,
        confidence=_sii_confidences(desc, blk["Confidence"].iloc[0]),
        **kw,  # type: ignore[arg-type]
    )


def test_sii_point_estimates_all_blocks() -> None:
    blocks = _sii_blocks()
    assert len(blocks) == 44
    for desc, area, blk in blocks:
        res = _run_sii(desc, blk, repetitions=1000)
        top = blk.iloc[0]
        np.testing.assert_allclose(res.sii, top["sii"], **CLOSED, err_msg=f"{desc} {area}")
        if not np.isnan(top["rii"]):
            np.testing.assert_allclose(res.rii, top["rii"], **CLOSED, err_msg=f"{desc} {area}")
        if not np.isnan(top["Intercept"]):
            np.testing.assert_allclose(res.intercept, top["Intercept"], **CLOSED, err_msg=f"{desc} {area}")


def test_sii_monte_carlo_limits_all_blocks() -> None:
    checked = 0
    for desc, area, blk in _sii_blocks():
        if "quintiles" in desc:
            continue  # the fixture carries SII only for quintiles (from the Excel tool)
        res = _run_sii(desc, blk, repetitions=int(blk["Repetitions"].iloc[0]), seed=11)
        top = blk.iloc[0]
        for i in range(len(res.confidence)):
            s = i + 1
            pairs = [
                (res.sii_lower[i], top[f"sii_lowercl_{s}"]),
                (res.sii_upper[i], top[f"sii_uppercl_{s}"]),
                (res.rii_lower[i], top[f"rii_lowercl_{s}"]),
                (res.rii_upper[i], top[f"rii_uppercl_{s}"]),
            ]
            for got, want in pairs:
                if np.isnan(want):
                    continue
                assert got == pytest.approx(want, rel=0.05), f"{desc} {area} conf {res.confidence[i]}"
                checked += 1
    assert checked >= 150


def test_sii_se_input_matches_cl_input_and_is_seeded() -> None:
    desc, _, blk = _sii_blocks()[0]
    kw = {"repetitions": 5000, "seed": 3}
    from_cl = _run_sii(desc, blk, **kw)
    from_se = inequality.slope_index_of_inequality(
        blk["Value"],
        blk["StandardError"],
        blk["Population"],
        **kw,  # type: ignore[arg-type]
    )
    assert from_se.sii == pytest.approx(from_cl.sii, rel=1e-12)
    assert from_se.sii_lower[0] == pytest.approx(from_cl.sii_lower[0], rel=1e-3)
    assert _run_sii(desc, blk, **kw) == from_cl


def test_sii_of_many_areas_is_each_area_alone() -> None:
    """Every fixture block of ten proportions with CLs, refitted on the logit scale all at once, gives each
    block exactly what it gives alone with the same seed (the draws are shared, not the areas' order)."""
    blocks = [
        blk
        for desc, _, blk in _sii_blocks()
        if len(blk) == 10 and int(blk["ValueType"].iloc[0]) == 2 and blk["LowerCL"].notna().all()
    ]
    assert len(blocks) >= 3
    stacked = {
        c: np.vstack([b[c].to_numpy(dtype=float) for b in blocks])
        for c in ("Value", "Population", "LowerCL", "UpperCL")
    }
    kw = {"value_type": "proportion", "transform": "logit", "confidence": (0.95, 0.998), "repetitions": 2000}
    many = inequality.slope_index_of_inequality_many(
        stacked["Value"][::-1], None, stacked["Population"][::-1], lower_cl=stacked["LowerCL"][::-1],
        upper_cl=stacked["UpperCL"][::-1], **kw,
    )  # fmt: skip
    for i, blk in enumerate(reversed(blocks)):
        one = inequality.slope_index_of_inequality(
            blk["Value"], None, blk["Population"], lower_cl=blk["LowerCL"], upper_cl=blk["UpperCL"], **kw
        )
        np.testing.assert_allclose(many.sii[i], one.sii, rtol=1e-12)
        np.testing.assert_allclose(many.rii[i], one.rii, rtol=1e-12)
        np.testing.assert_allclose(many.sii_lower[i], one.sii_lower, rtol=1e-9)
        np.testing.assert_allclose(many.rii_upper[i], one.rii_upper, rtol=1e-9)
    # A block with a missing value is NaN in the batch and leaves the others alone.
    values = stacked["Value"].copy()
    values[0, 2] = np.nan
    partial = inequality.slope_index_of_inequality_many(
        values, None, stacked["Population"], lower_cl=stacked["LowerCL"], upper_cl=stacked["UpperCL"], **kw
    )
    assert np.isnan(partial.sii[0]) and np.isnan(partial.rii_lower[0]).all()
    np.testing.assert_allclose(partial.sii[1:], many.sii[::-1][1:], rtol=1e-12)


def test_on_the_logit_scale_the_rii_interval_cannot_go_negative() -> None:
    """Rare outcomes rising steeply to the least deprived end: a straight line on the proportion scale meets
    the most deprived end below 0, so its RII (and interval) goes negative; fitted on the logit scale every
    modelled value is a proportion and the RII and its limits are positive."""
    p = np.array([0.02, 0.05, 0.10, 0.20, 0.40])
    lower, upper = intervals.wilson_interval(p * 60, np.full(5, 60.0))
    kw = {"lower_cl": lower, "upper_cl": upper, "value_type": "proportion", "repetitions": 10_000}
    linear = inequality.slope_index_of_inequality(p, None, [1000] * 5, **kw)  # type: ignore[arg-type]
    logit = inequality.slope_index_of_inequality(p, None, [1000] * 5, transform="logit", **kw)  # type: ignore[arg-type]
    assert linear.intercept < 0 and linear.rii < 0 and linear.rii_lower[0] < 0
    assert 0 < logit.intercept < p[0] and 1 < logit.rii_lower[0] < logit.rii < logit.rii_upper[0]


def test_sii_input_errors_and_warnings() -> None:
    df = _fixture("testdata_SII.xlsx")

    def blk(prefix: str) -> pd.DataFrame:
        return df[df["TestDescription"].str.startswith(prefix)].sort_values("Quantile")

    b = blk("error handling - negative populations")
    with pytest.raises(ValueError, match="population"):
        inequality.slope_index_of_inequality(b["Value"], b["StandardError"], b["Population"])
    b = blk("error handling - negative counts/standard error")
    with pytest.raises(ValueError, match="standard error"):
        inequality.slope_index_of_inequality(b["Value"], b["StandardError"], b["Population"])
    b = blk("error handling - invalid proportion in CLs")
    with pytest.raises(ValueError, match="between 0 and 1"):
        inequality.slope_index_of_inequality(
            b["Value"],
            None,
            b["Population"],
            lower_cl=b["LowerCL"],
            upper_cl=b["UpperCL"],
            value_type="proportion",
        )
    b = blk("error handling - missing confidence limits and se")
    with pytest.warns(UserWarning, match="incomplete"):
        res = inequality.slope_index_of_inequality(
            b["Value"], None, b["Population"], lower_cl=b["LowerCL"], upper_cl=b["UpperCL"]
        )
    assert np.isnan(res.sii)
    with pytest.raises(ValueError, match="se or both"):
        inequality.slope_index_of_inequality(b["Value"], None, b["Population"])
    b = blk("warning handling - large number of quantiles")
    with pytest.warns(UserWarning, match="unstable"):
        res = inequality.slope_index_of_inequality(
            b["Value"], b["StandardError"], b["Population"], repetitions=1000
        )
    assert np.isfinite(res.sii)
    with pytest.raises(ValueError, match="between 5 and 100"):
        inequality.slope_index_of_inequality([1, 2, 3, 4], [0.1] * 4, [10] * 4)
    with pytest.raises(ValueError, match="transform"):
        inequality.slope_index_of_inequality(
            [1.0] * 5, [0.1] * 5, [10] * 5, value_type="rate", transform="logit"
        )


# --------------------------------------------------------------------------------------------
# Proportion funnels
# --------------------------------------------------------------------------------------------


def test_funnel_axis_and_limits_match_fixture() -> None:
    inputs = _fixture("testdata_funnel_prop_inputs.csv")
    expected = _fixture("testdata_funnel_prop_outputs.csv")
    axis = proportion_funnels.funnel_axis_points(inputs["denominator"])
    np.testing.assert_array_equal(axis, expected["Population"].to_numpy(dtype=float))
    overall = inputs["numerator"].sum() / inputs["denominator"].sum()
    lim = proportion_funnels.funnel_limits_proportion(expected["Population"], overall, multiplier=100)
    tol = {"rtol": 0, "atol": 1e-6}
    np.testing.assert_allclose(lim.lower_2s, expected["Lower2s0025limit"], **tol)
    np.testing.assert_allclose(lim.upper_2s, expected["Upper2s0025limit"], **tol)
    np.testing.assert_allclose(lim.lower_3s, expected["Lower3s0001limit"], **tol)
    np.testing.assert_allclose(lim.upper_3s, expected["Upper3s0001limit"], **tol)
    np.testing.assert_allclose(lim.baseline, expected["Baseline"], **tol)


def test_funnel_significance_labels_match_fixture() -> None:
    inputs = _fixture("testdata_funnel_prop_inputs.csv")
    x, n = inputs["numerator"].to_numpy(), inputs["denominator"].to_numpy()
    labels = proportion_funnels.funnel_significance(x, n)
    assert len(labels) == 303
    np.testing.assert_array_equal(labels, inputs["significance"].to_numpy())
    # the same answer from explicitly computed, percentage-scaled limits at each area's n
    lim = proportion_funnels.funnel_limits_proportion(n, x.sum() / n.sum(), multiplier=100)
    np.testing.assert_array_equal(proportion_funnels.funnel_significance(x, n, lim), labels)


def test_funnel_limit_is_wilson_inverse() -> None:
    # At the 2σ line, the Wilson one-sided bound (z = Φ⁻¹(0.975)) of the observed value is overall_p.
    n, p = 400.0, 0.3
    hi = proportion_funnels.wilson_funnel_limit(0.975, n, p, "high")
    lo_w, _ = intervals.wilson_interval(hi * n, n, 0.95)
    assert lo_w == pytest.approx(p, rel=1e-10)
    lo = proportion_funnels.wilson_funnel_limit(0.975, n, p, "low")
    _, hi_w = intervals.wilson_interval(lo * n, n, 0.95)
    assert hi_w == pytest.approx(p, rel=1e-10)
