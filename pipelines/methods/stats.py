"""Plain statistics for Chorus, following the OHID / PHE Fingertips methods (docs/DESIGN.md section 7).

No Dagster here: every function takes scalars or numpy arrays and returns numpy values, so assets,
marts and notebooks share one implementation. The reference is the R package PHEindicatormethods;
its published test fixtures are checked in ``tests/stats/test_stats.py``.

Confidence levels may be given as a fraction (0.95) or, as PHE allows, a percentage (95).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

FloatArray = NDArray[np.float64]

__all__ = [
    "FunnelLimits",
    "SIIResult",
    "byar_interval",
    "byars_lower",
    "byars_upper",
    "funnel_axis_points",
    "funnel_limits_proportion",
    "funnel_significance",
    "phe_quantile",
    "proportion_interval",
    "rate_interval",
    "slope_index_of_inequality",
    "two_group_difference",
    "weighted_proportion",
    "wilson_funnel_limit",
    "wilson_interval",
    "wilson_on_effective_n",
    "z_for",
]


def _conf(conf: float) -> float:
    """Normalise a confidence level to a fraction (PHE accepts 95 as well as 0.95)."""
    c = float(conf)
    if c >= 1:
        c = c / 100.0
    if not 0.5 <= c < 1:
        raise ValueError(f"confidence must be in [0.5, 1) or [50, 100); got {conf!r}")
    return c


def _out(a: FloatArray) -> FloatArray | float:
    """Return a Python float for 0-d results so scalar callers get scalars back."""
    return float(a) if np.ndim(a) == 0 else a


def z_for(conf: float = 0.95) -> float:
    """Two-sided normal critical value: z = Φ⁻¹(conf + (1 − conf)/2)."""
    c = _conf(conf)
    return float(_st.norm.ppf(c + (1 - c) / 2))


# --------------------------------------------------------------------------------------------
# Proportions (Wilson)
# --------------------------------------------------------------------------------------------


def wilson_interval(
    x: ArrayLike, n: ArrayLike, conf: float = 0.95
) -> tuple[FloatArray | float, FloatArray | float]:
    """Wilson score interval for the proportion x/n, on the 0-1 scale.

    (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)). n = 0 or missing input gives NaN.
    """
    x_ = np.asarray(x, dtype=float)
    n_ = np.asarray(n, dtype=float)
    z = z_for(conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * x_ * (1 - x_ / n_))
        denom = 2 * (n_ + z**2)
        lower = (2 * x_ + z**2 - root) / denom
        upper = (2 * x_ + z**2 + root) / denom
    bad = ~(n_ > 0)  # also catches NaN
    lower = np.where(bad, np.nan, lower)
    upper = np.where(bad, np.nan, upper)
    return _out(lower), _out(upper)


def proportion_interval(
    x: ArrayLike, n: ArrayLike, multiplier: float = 1.0, conf: float = 0.95
) -> tuple[FloatArray | float, FloatArray | float, FloatArray | float]:
    """PHE ``phe_proportion``: (value, lower, upper) = (x/n, Wilson limits) × multiplier."""
    x_ = np.asarray(x, dtype=float)
    n_ = np.asarray(n, dtype=float)
    lower, upper = wilson_interval(x_, n_, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n_ > 0, x_ / n_, np.nan)
    return (
        _out(value * multiplier),
        _out(np.asarray(lower) * multiplier),
        _out(np.asarray(upper) * multiplier),
    )


def weighted_proportion(y: ArrayLike, w: ArrayLike) -> tuple[float, float, float]:
    """Weighted survey proportion with Kish effective sample size.

    Returns (p, Σw, n_eff) where p = Σw·y / Σw and n_eff = (Σw)² / Σw². Pairs where y or w is
    missing are dropped (a non-response is not a "no"). No usable respondents gives NaN, 0, 0.
    """
    y_ = np.asarray(y, dtype=float).ravel()
    w_ = np.asarray(w, dtype=float).ravel()
    if y_.shape != w_.shape:
        raise ValueError("y and w must have the same length")
    keep = ~(np.isnan(y_) | np.isnan(w_))
    y_, w_ = y_[keep], w_[keep]
    if np.any(w_ < 0):
        raise ValueError("weights must be non-negative")
    sum_w = float(w_.sum())
    if sum_w <= 0:
        return float("nan"), 0.0, 0.0
    p = float((w_ * y_).sum() / sum_w)
    n_eff = sum_w**2 / float((w_**2).sum())
    return p, sum_w, n_eff


def wilson_on_effective_n(
    p: ArrayLike, n_eff: ArrayLike, conf: float = 0.95
) -> tuple[FloatArray | float, FloatArray | float]:
    """Wilson interval for a weighted proportion: treat x = p·n_eff successes out of n_eff."""
    p_ = np.asarray(p, dtype=float)
    n_ = np.asarray(n_eff, dtype=float)
    return wilson_interval(p_ * n_, n_, conf)


# --------------------------------------------------------------------------------------------
# Counts and rates (Byar / exact Poisson)
# --------------------------------------------------------------------------------------------


def byars_lower(x: ArrayLike, conf: float = 0.95) -> FloatArray | float:
    """Byar's approximation to the lower Poisson limit of a count, x(1 − 1/(9x) − z/(3√x))³.

    Where the bracket goes negative (x tiny, conf high) the approximation has broken down and
    NaN is returned rather than a negative count, matching the PHE fixture.
    """
    x_ = np.asarray(x, dtype=float)
    z = z_for(conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = 1 - 1 / (9 * x_) - z / (3 * np.sqrt(x_))
        out = np.where(base < 0, np.nan, x_ * base**3)
    return _out(out)


def byars_upper(x: ArrayLike, conf: float = 0.95) -> FloatArray | float:
    """Byar's approximation to the upper Poisson limit, (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³."""
    x1 = np.asarray(x, dtype=float) + 1
    z = z_for(conf)
    return _out(x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3)


def byar_interval(x: ArrayLike, conf: float = 0.95) -> tuple[FloatArray | float, FloatArray | float]:
    """Confidence limits for a Poisson count, as counts (PHE ``phe_rate`` before scaling).

    Byar's approximation for x ≥ 10; below 10 the exact chi-square limits χ²(α/2; 2x)/2 and
    χ²(1 − α/2; 2x+2)/2, with lower 0 at x = 0. Negative counts raise; NaN stays NaN.
    """
    x_ = np.asarray(x, dtype=float)
    if np.any(x_ < 0):
        raise ValueError("counts must be >= 0")
    c = _conf(conf)
    alpha = 1 - c
    small = x_ < 10
    with np.errstate(divide="ignore", invalid="ignore"):
        # chi2 with 0 degrees of freedom is undefined in scipy; the x = 0 lower limit is 0.
        exact_lo = np.where(x_ > 0, _st.chi2.ppf(alpha / 2, 2 * np.where(x_ > 0, x_, 1)) / 2, 0.0)
        exact_hi = _st.chi2.ppf(1 - alpha / 2, 2 * x_ + 2) / 2
        byar_lo = np.asarray(byars_lower(np.where(small, 10.0, x_), c))
        byar_hi = np.asarray(byars_upper(x_, c))
    lower = np.where(small, exact_lo, byar_lo)
    upper = np.where(small, exact_hi, byar_hi)
    nan = np.isnan(x_)
    return _out(np.where(nan, np.nan, lower)), _out(np.where(nan, np.nan, upper))


def rate_interval(
    x: ArrayLike, denominator: ArrayLike, multiplier: float = 100_000, conf: float = 0.95
) -> tuple[FloatArray | float, FloatArray | float, FloatArray | float]:
    """PHE ``phe_rate``: crude rate x/denominator × multiplier with Byar / exact limits."""
    x_ = np.asarray(x, dtype=float)
    d_ = np.asarray(denominator, dtype=float)
    lo, hi = byar_interval(x_, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(d_ > 0, multiplier / d_, np.nan)
    return _out(x_ * scale), _out(np.asarray(lo) * scale), _out(np.asarray(hi) * scale)


# --------------------------------------------------------------------------------------------
# Quantiles (deprivation deciles etc.)
# --------------------------------------------------------------------------------------------


def _quantile_1d(v: FloatArray, nquantiles: int, invert: bool) -> FloatArray:
    out = np.full(v.shape, np.nan)
    ok = ~np.isnan(v)
    num = int(ok.sum())
    if num < nquantiles:
        return out
    vals = v[ok]
    # rank ties "min": 1 + number of strictly better values. invert=True ranks the highest value 1.
    key = -vals if invert else vals
    ranks = np.searchsorted(np.sort(key), key, side="left") + 1.0
    q = np.floor((nquantiles + 1) - np.ceil(((num + 1) - ranks) / (num / nquantiles)))
    q[q == 0] = 1  # PHE: the arithmetic can put rank 1 in quantile 0
    out[ok] = q
    return out


def phe_quantile(
    values: ArrayLike,
    nquantiles: int = 10,
    invert: bool = True,
    groups: ArrayLike | None = None,
) -> FloatArray:
    """PHE ``phe_quantile``: assign each value to a quantile 1..nquantiles.

    Ranks ties by "min". With invert=True quantile 1 holds the highest values (e.g. IMD score:
    1 = most deprived); with invert=False quantile 1 holds the lowest. NaN values get NaN and do
    not count towards the group size; a group with fewer values than quantiles gets all NaN (with
    a warning). ``groups`` optionally gives a label per value to assign quantiles within groups.
    """
    if not isinstance(nquantiles, (int, np.integer)) or nquantiles < 1:
        raise TypeError("nquantiles must be a positive integer")
    v = np.asarray(values, dtype=float).ravel()
    if groups is None:
        out = _quantile_1d(v, int(nquantiles), invert)
    else:
        g = np.asarray(groups).ravel()
        if g.shape != v.shape:
            raise ValueError("groups must have the same length as values")
        out = np.full(v.shape, np.nan)
        for label in dict.fromkeys(g.tolist()):
            idx = np.flatnonzero(g == label)
            out[idx] = _quantile_1d(v[idx], int(nquantiles), invert)
    if np.any(np.isnan(out) & ~np.isnan(v)):
        warnings.warn(
            "One or more groups had too few values to allow quantiles to be assigned",
            UserWarning,
            stacklevel=2,
        )
    return out


# --------------------------------------------------------------------------------------------
# Slope and relative index of inequality
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SIIResult:
    """SII/RII with Monte-Carlo limits, one entry per requested confidence level."""

    sii: float
    rii: float
    intercept: float
    confidence: tuple[float, ...]
    sii_lower: tuple[float, ...]
    sii_upper: tuple[float, ...]
    rii_lower: tuple[float, ...]
    rii_upper: tuple[float, ...]


def _logit(p: FloatArray) -> FloatArray:
    return np.log(p / (1 - p))


def _expit(t: FloatArray) -> FloatArray:
    return 1 / (1 + np.exp(-t))


def _sii_stats(
    c0: FloatArray, c1: FloatArray, back: Literal["none", "log", "logit"]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(sii, rii, intercept) from regression coefficients, on the indicator's own scale."""
    if back == "log":
        y0, y1 = np.exp(c0), np.exp(c0 + c1)
    elif back == "logit":
        y0, y1 = _expit(c0), _expit(c0 + c1)
    else:
        y0, y1 = c0, c0 + c1
    return y1 - y0, y1 / y0, y0


def slope_index_of_inequality(
    values: ArrayLike,
    se: ArrayLike | None,
    population: ArrayLike,
    *,
    lower_cl: ArrayLike | None = None,
    upper_cl: ArrayLike | None = None,
    value_type: Literal["other", "rate", "proportion"] = "other",
    transform: Literal["log", "logit"] | None = None,
    multiplier: float = 1.0,
    confidence: float | Sequence[float] = 0.95,
    repetitions: int = 100_000,
    seed: int | None = 20240601,
) -> SIIResult:
    """PHE ``phe_sii`` for one area: SII, RII, intercept and Monte-Carlo confidence limits.

    Inputs are one entry per quantile, **ordered most → least deprived** (quantile 1 first).
    a_i = pop_i/Σpop, b_i = Σ_{j<i} a_j + a_i/2; fit √a·y ~ √a + b√a (no intercept) by least
    squares; SII = coefficient of b√a, RII = (c0 + c1)/c0, intercept = c0 (fitted value at the
    most deprived end). ``multiplier`` scales SII and its limits; a negative one flips polarity
    and inverts the RII (PHE behaviour).

    ``value_type`` 'rate'/'proportion': the standard error is taken on the log/logit scale
    (from the 95% CLs if ``se`` is None, or as given), draws are made on that scale and
    back-transformed before refitting, exactly as PHE. ``transform`` 'log' (rates) or 'logit'
    (proportions) fits the regression itself on that scale and back-transforms SII/RII/intercept;
    PHE then needs the CLs rather than a supplied SE.

    CIs: ``repetitions`` draws of every quantile from Normal(value, se), all refits done as one
    matrix product; limits are the PHE order statistics at round(reps·(1−c')) and round(reps·c')
    where c' = conf + (1 − conf)/2. ``seed`` makes results reproducible (None = fresh entropy).
    Fewer than 5 or more than 100 quantiles raises; more than 10 warns (unstable SII).
    Missing data in any quantile gives an all-NaN result with a warning (PHE drops the area).
    """
    y = np.asarray(values, dtype=float).ravel()
    pop = np.asarray(population, dtype=float).ravel()
    k = y.size
    if pop.size != k:
        raise ValueError("values and population must have the same length")
    if not 5 <= k <= 100:
        raise ValueError("Number of quantiles must be between 5 and 100")
    if k > 10:
        warnings.warn(
            "Small values can make SII unstable when using a large number of quantiles",
            UserWarning,
            stacklevel=2,
        )
    if value_type not in ("other", "rate", "proportion"):
        raise ValueError("value_type must be 'other', 'rate' or 'proportion'")
    expected = {"rate": "log", "proportion": "logit"}.get(value_type)
    if transform is not None and transform != expected:
        raise ValueError(f"transform={transform!r} does not fit value_type={value_type!r}")
    if isinstance(repetitions, bool) or int(repetitions) < 1000:
        raise ValueError("repetitions must be an integer >= 1000")
    reps = int(repetitions)
    confs = tuple(_conf(c) for c in np.atleast_1d(np.asarray(confidence, dtype=float)))
    if np.any(pop <= 0):
        raise ValueError("some groups have a zero or negative population")
    have_cls = lower_cl is not None and upper_cl is not None
    if se is None and not have_cls:
        raise ValueError("need either se or both lower_cl and upper_cl")
    if transform is not None and not have_cls:
        raise ValueError("transform needs lower_cl and upper_cl (a supplied se is not accepted)")
    lo = np.asarray(lower_cl, dtype=float).ravel() if have_cls else None
    hi = np.asarray(upper_cl, dtype=float).ravel() if have_cls else None
    se_in = np.asarray(se, dtype=float).ravel() if se is not None else None
    if se_in is not None and np.any(se_in < 0):
        raise ValueError("negative standard errors in input")
    if value_type == "proportion":
        if np.any((y < 0) | (y > 1)):
            raise ValueError("value proportions are not all between 0 and 1")
        if have_cls and np.any((lo < 0) | (lo > 1) | (hi < 0) | (hi > 1)):
            raise ValueError("confidence limit proportions are not all between 0 and 1")

    nan_result = SIIResult(np.nan, np.nan, np.nan, confs, *([tuple(np.nan for _ in confs)] * 4))
    missing = np.isnan(pop) | np.isnan(y)
    missing |= np.isnan(se_in) if (se_in is not None and not transform) else (np.isnan(lo) | np.isnan(hi))
    if missing.any():
        warnings.warn("incomplete data: SII not calculated for this area", UserWarning, stacklevel=2)
        return nan_result

    # Scale on which the SE lives and draws are made (PHE: driven by value_type alone).
    fwd = {"other": lambda t: t, "rate": np.log, "proportion": _logit}[value_type]
    back = {"other": lambda t: t, "rate": np.exp, "proportion": _expit}[value_type]
    y_t = fwd(y)
    # Derived from CLs, they are taken to be 95% limits (PHE hard-codes this).
    sd = se_in if (se_in is not None and transform is None) else (fwd(hi) - fwd(lo)) / z_for(0.95) / 2

    a = pop / pop.sum()
    b = np.cumsum(a) - a / 2
    sqrt_a = np.sqrt(a)
    design = np.column_stack([sqrt_a, b * sqrt_a])
    # Least-squares projection (XᵀX)⁻¹Xᵀ: coefficients for any y are one matrix product away.
    proj = np.linalg.solve(design.T @ design, design.T)

    fit_scale: Literal["none", "log", "logit"] = "none" if transform is None else transform
    y_fit = y_t if transform is not None else y
    c0, c1 = proj @ (sqrt_a * y_fit)
    sii, rii, icpt = (float(v) for v in _sii_stats(np.asarray(c0), np.asarray(c1), fit_scale))

    rng = np.random.default_rng(seed)
    draws = y_t + sd * rng.standard_normal((reps, k))
    if transform is None:
        draws = back(draws)  # regress on the indicator's own scale
    coefs = (draws * sqrt_a) @ proj.T
    s_sii, s_rii, _ = _sii_stats(coefs[:, 0], coefs[:, 1], fit_scale)
    s_sii = np.sort(s_sii * multiplier)
    if multiplier < 0:
        s_rii = 1 / s_rii
    s_rii = np.sort(s_rii)

    sl, su, rl, ru = [], [], [], []
    for c in confs:
        upper_q = c + (1 - c) / 2
        # PHE takes order statistics at these 1-based positions (R round = half-to-even).
        pos_lo = max(int(round(reps * (1 - upper_q))), 1) - 1
        pos_hi = min(int(round(reps * upper_q)), reps) - 1
        sl.append(float(s_sii[pos_lo]))
        su.append(float(s_sii[pos_hi]))
        rl.append(float(s_rii[pos_lo]))
        ru.append(float(s_rii[pos_hi]))

    return SIIResult(
        sii=sii * multiplier,
        rii=1 / rii if multiplier < 0 else rii,
        intercept=icpt,
        confidence=confs,
        sii_lower=tuple(sl),
        sii_upper=tuple(su),
        rii_lower=tuple(rl),
        rii_upper=tuple(ru),
    )


# --------------------------------------------------------------------------------------------
# Funnel plots for proportions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelLimits:
    """Proportion funnel limits evaluated at populations ``n`` (scaled by ``multiplier``)."""

    n: FloatArray
    lower_2s: FloatArray
    upper_2s: FloatArray
    lower_3s: FloatArray
    upper_3s: FloatArray
    baseline: float
    multiplier: float


def wilson_funnel_limit(
    prob: float,
    n: ArrayLike,
    overall_p: float,
    side: Literal["low", "high"],
    multiplier: float = 1.0,
) -> FloatArray | float:
    """One funnel line: the observed proportion at population n whose Wilson limit is overall_p.

    Solves Wilson's (one-sided, z = Φ⁻¹(prob)) bound for the observed value in closed form,
    the PHE ``sigma_adjustment``. prob 0.975 ≈ 2σ, 0.999 ≈ 3σ. Not clamped to [0, 1].
    """
    n_ = np.asarray(n, dtype=float)
    p = float(overall_p)
    z2 = float(_st.norm.ppf(prob)) ** 2
    k = 1 / z2 + 1 / n_
    centre = p * (n_ / z2 + 1)
    # discriminant of the quadratic in the observed count (divided through by 64)
    disc = centre**2 - k * p * (n_ * (p * (n_ / z2 + 2) - 1) + z2 * (p - 1))
    root = np.sqrt(disc)
    count = (centre - root) / k if side == "low" else (centre + root) / k
    return _out(count / n_ * multiplier)


def funnel_limits_proportion(n: ArrayLike, overall_p: float, multiplier: float = 100.0) -> FunnelLimits:
    """PHE ``calculate_funnel_limits`` (statistic 'proportion') at the given populations.

    Lines at 0.975 (2σ, the 95% funnel) and 0.999 (3σ, the 99.8% funnel) around overall_p, the
    pooled average Σx/Σn; clamped to [0, multiplier] as plotted limits.
    """
    n_ = np.atleast_1d(np.asarray(n, dtype=float))

    def line(prob: float, side: Literal["low", "high"]) -> FloatArray:
        v = np.atleast_1d(np.asarray(wilson_funnel_limit(prob, n_, overall_p, side, multiplier)))
        return np.clip(v, 0.0, multiplier)

    return FunnelLimits(
        n=n_,
        lower_2s=line(0.975, "low"),
        upper_2s=line(0.975, "high"),
        lower_3s=line(0.999, "low"),
        upper_3s=line(0.999, "high"),
        baseline=float(overall_p) * multiplier,
        multiplier=float(multiplier),
    )


def _signif_floor(x: float) -> float:
    """PHE helper: round 95% of x down to its leading digit (axis start)."""
    if x == 0:
        return 0.0
    v = np.floor(x * 0.95)
    e = len(str(int(v))) - 1
    return float(np.floor(x * 0.95 / 10**e) * 10**e)


def _signif_ceiling(x: float) -> float:
    """PHE helper: round 105% of x up to two significant digits (axis end)."""
    if x == 0:
        return 0.0
    v = np.ceil(x * 1.05)
    e = len(str(int(v))) - 2
    return float(np.ceil(x * 1.05 / 10.0**e) * 10.0**e)


def funnel_axis_points(denominators: ArrayLike, n_points: int = 100) -> FloatArray:
    """The population axis PHE uses to draw proportion funnels (geometric-ish, 100 points)."""
    d = np.asarray(denominators, dtype=float)
    lo, hi = float(np.nanmin(d)), float(np.nanmax(d))
    axis_min = 0.0 if hi > 2 * lo else _signif_floor(lo)
    axis_max = _signif_ceiling(hi)
    pts = [max(1.0, axis_min)]
    for j in range(2, n_points + 1):
        prev = pts[-1]
        step = float(np.round((axis_max / prev) ** (1 / (n_points + 1 - j)) * prev))
        pts.append(max(step, prev + 1))
    return np.asarray(pts)


def funnel_significance(x: ArrayLike, n: ArrayLike, limits: FunnelLimits | None = None) -> NDArray[np.str_]:
    """PHE ``assign_funnel_significance`` for proportions.

    Labels: 'Low (0.001)', 'Low (0.025)', 'High (0.001)', 'High (0.025)', 'Not significant'
    (outer funnel checked first). ``limits`` must be evaluated at the same ``n``; if omitted they
    are computed around the pooled average Σx/Σn of the data given.
    """
    x_ = np.atleast_1d(np.asarray(x, dtype=float))
    n_ = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(np.isnan(x_) | np.isnan(n_)):
        raise ValueError("numerators and denominators must be given for all records")
    if np.any(x_ > n_):
        raise ValueError("numerators must be <= denominators for a proportion")
    if limits is None:
        overall = x_.sum() / n_.sum()
        mult = 1.0

        def lim(prob: float, side: Literal["low", "high"]) -> FloatArray:
            return np.atleast_1d(np.asarray(wilson_funnel_limit(prob, n_, overall, side)))

        lo3, lo2, hi3, hi2 = lim(0.999, "low"), lim(0.975, "low"), lim(0.999, "high"), lim(0.975, "high")
    else:
        if limits.n.shape != n_.shape or not np.allclose(limits.n, n_):
            raise ValueError("limits must be evaluated at the same populations n")
        mult = limits.multiplier
        lo3, lo2, hi3, hi2 = limits.lower_3s, limits.lower_2s, limits.upper_3s, limits.upper_2s
    value = x_ / n_ * mult
    return np.select(
        [value < lo3, value < lo2, value > hi3, value > hi2],
        ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
        default="Not significant",
    )


# --------------------------------------------------------------------------------------------
# Comparing two groups
# --------------------------------------------------------------------------------------------


def two_group_difference(
    p1: ArrayLike, n_eff1: ArrayLike, p2: ArrayLike, n_eff2: ArrayLike, conf: float = 0.95
) -> tuple[
    FloatArray | float, FloatArray | float, FloatArray | float, FloatArray | float, NDArray[np.bool_] | bool
]:
    """Difference p1 − p2 with a normal (Wald) CI and two-sided z-test on effective sample sizes.

    Uses the unpooled SE √(p1(1−p1)/n1 + p2(1−p2)/n2) for both the interval and the test so the
    significance flag always agrees with "CI excludes 0". Returns (diff, lower, upper, p_value,
    significant). A zero SE (both proportions 0 or 1) gives p = 1 when diff = 0.
    """
    a = np.asarray(p1, dtype=float)
    b = np.asarray(p2, dtype=float)
    na = np.asarray(n_eff1, dtype=float)
    nb = np.asarray(n_eff2, dtype=float)
    z = z_for(conf)
    diff = a - b
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(a * (1 - a) / na + b * (1 - b) / nb)
        stat = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf * np.sign(diff)))
    bad = ~((na > 0) & (nb > 0)) | np.isnan(diff)
    p_value = np.where(bad, np.nan, 2 * _st.norm.sf(np.abs(stat)))
    lower = np.where(bad, np.nan, diff - z * se)
    upper = np.where(bad, np.nan, diff + z * se)
    diff = np.where(bad, np.nan, diff)
    significant = np.asarray(p_value < (1 - _conf(conf)))
    sig_out: NDArray[np.bool_] | bool = bool(significant) if significant.ndim == 0 else significant
    return _out(diff), _out(lower), _out(upper), _out(p_value), sig_out
