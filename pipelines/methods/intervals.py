"""Confidence intervals, following the OHID / PHE Fingertips methods (docs/DESIGN.md section 7): Wilson for
proportions (also on an effective sample size), Byar / exact Poisson for counts and rates, and the z-test for
the difference between two groups.

No Dagster here: every function takes scalars or numpy arrays and returns numpy values, so assets, marts and
notebooks share one implementation. The reference is the R package PHEindicatormethods; its published test
fixtures are checked in ``tests/stats/test_stats.py``. Confidence levels may be given as a fraction (0.95)
or, as PHE allows, a percentage (95).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

FloatArray = NDArray[np.float64]


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
        lower = np.atleast_1d(np.asarray(byars_lower(np.where(small, 10.0, x_), c), dtype=float))
        upper = np.atleast_1d(np.asarray(byars_upper(x_, c), dtype=float))
    # The exact limits only where they are used, once per distinct count: chi2.ppf is slow, and a national
    # mart holds hundreds of thousands of counts of which only a handful of values are below 10.
    flat_small = np.atleast_1d(small)
    counts, where = np.unique(np.atleast_1d(x_)[flat_small], return_inverse=True)
    # chi2 with 0 degrees of freedom is undefined in scipy; the x = 0 lower limit is 0.
    exact_lo = np.where(counts > 0, _st.chi2.ppf(alpha / 2, 2 * np.where(counts > 0, counts, 1)) / 2, 0.0)
    exact_hi = _st.chi2.ppf(1 - alpha / 2, 2 * counts + 2) / 2
    lower[flat_small], upper[flat_small] = exact_lo[where], exact_hi[where]
    nan = np.atleast_1d(np.isnan(x_))
    lower, upper = (
        np.where(nan, np.nan, lower).reshape(x_.shape),
        np.where(nan, np.nan, upper).reshape(x_.shape),
    )
    return _out(lower), _out(upper)


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
