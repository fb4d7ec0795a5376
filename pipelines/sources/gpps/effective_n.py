"""The effective sample size behind a published GPPS result.

GPPS results are weighted, so their precision is that of fewer respondents than answered: Ipsos publishes
each result's 95% Wilson interval on an effective sample size (``.lowileval`` / ``.hiwileval`` from 2024,
``qNci_lower_wil`` / ``qNci_upper_wil`` in the ``qN`` files that carry them). Where a row publishes its
interval, its own n_eff is recovered by inverting the Wilson interval; the national design effect
(n_eff = unweighted base / 2.43, which reproduces the 2026 England interval) is only assumed where it
cannot be, and the row says which.

Inverting Wilson. The limits L < U are the two roots of (p − π)² = z²·π(1 − π)/n, so with A = 1 + z²/n
their product is L·U = p²/A and (1 − L)(1 − U) = (1 − p)²/A. Adding the square roots,
√(LU) + √((1 − L)(1 − U)) = 1/√A: n follows from the two limits alone, and the value they imply,
p = √(A·L·U), must agree with the published value. Published limits are rounded (four decimals in some
files, fifteen in others), so n is re-solved at the corners of the rounding box: when those solutions
spread by more than ``MAX_RELATIVE_SPREAD`` (few decimals, very narrow or very wide intervals), or the
published value lies outside what the rounded limits allow, or the limits would need more effective
respondents than there were respondents, the inversion is not trusted and the design effect is assumed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from pipelines.methods.intervals import z_for

# n_eff = unweighted base / 2.43 reproduces the published 2026 England interval (its exact inversion gives
# 2.432); the same constant is what Chorus assumes where a row publishes no usable interval.
DESIGN_EFFECT = 2.43
FROM_PUBLISHED_CI = "from_published_ci"
DESIGN_EFFECT_ASSUMED = "design_effect_2.43"
# The n_eff solutions over the rounding box of the published limits may spread by at most ±5% of the
# estimate; wider than that and the rounding, not the file, decides the answer.
MAX_RELATIVE_SPREAD = 0.05
_MAX_DECIMALS = 15


def published_decimals(values: ArrayLike) -> np.ndarray:
    """How many decimals each value was written with (0-15; 16 when it needs more): a value read from
    ``.4736`` is the double nearest 0.4736, which round(·, 4) leaves unchanged and round(·, 3) does not."""
    x = np.asarray(values, dtype=float)
    decimals = np.full(x.shape, _MAX_DECIMALS + 1, dtype=int)
    tolerance = 4 * np.spacing(np.abs(np.nan_to_num(x)))
    for k in range(_MAX_DECIMALS, -1, -1):
        exact = np.abs(np.round(x, k) - x) <= tolerance
        decimals = np.where(exact, k, decimals)
    return decimals


def wilson_n_from_limits(
    lower: ArrayLike, upper: ArrayLike, conf: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """The n and the proportion p whose Wilson interval is (lower, upper): NaN where none is."""
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    z = z_for(conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(lo * hi) + np.sqrt((1 - lo) * (1 - hi))
        a = 1.0 / (s * s)
        n = z * z / (a - 1.0)
        p = np.sqrt(a * lo * hi)
    ok = (lo > 0) & (hi < 1) & (lo < hi) & (a > 1)
    return np.where(ok, n, np.nan), np.where(ok, p, np.nan)


def effective_n(
    value: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    unweighted_base: ArrayLike,
    conf: float = 0.95,
    design_effect: float = DESIGN_EFFECT,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (n_eff, method). ``method`` is ``from_published_ci`` where the published interval gives a
    well-determined n_eff consistent with the published value and base, else ``design_effect_2.43``
    (n_eff = unweighted base / design effect). NaN inputs are allowed (a row without limits)."""
    p = np.asarray(value, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    base = np.asarray(unweighted_base, dtype=float)
    n0, _ = wilson_n_from_limits(lo, hi, conf)
    half_lo = 0.5 * 10.0 ** -published_decimals(lo).astype(float)
    half_hi = 0.5 * 10.0 ** -published_decimals(hi).astype(float)
    half_p = 0.5 * 10.0 ** -published_decimals(p).astype(float)
    corners_n, corners_p = [], []
    for d_lo in (-half_lo, half_lo):
        for d_hi in (-half_hi, half_hi):
            n_c, p_c = wilson_n_from_limits(lo + d_lo, hi + d_hi, conf)
            corners_n.append(n_c)
            corners_p.append(p_c)
    n_stack, p_stack = np.vstack(corners_n), np.vstack(corners_p)
    with np.errstate(invalid="ignore"):
        # 0 < p < 1 strictly: at 0 or 1 the value says nothing about the weighting and the limits sit on a bound.
        usable = (p > 0) & (p < 1) & np.isfinite(n0) & np.isfinite(n_stack).all(axis=0) & (base > 0)
        spread = (n_stack.max(axis=0) - n_stack.min(axis=0)) / (2 * n0)
        well_conditioned = spread <= MAX_RELATIVE_SPREAD
        slack = half_p + 1e-12
        consistent = (p >= p_stack.min(axis=0) - slack) & (p <= p_stack.max(axis=0) + slack)
        # Weighting can only lose precision: an n_eff above the respondents means these are not Wilson
        # limits on this base (a file's columns misread, or another interval method).
        plausible = n_stack.min(axis=0) <= base
    trusted = usable & well_conditioned & consistent & plausible
    n_eff = np.where(trusted, np.minimum(n0, base), base / design_effect)
    n_eff = np.where(base > 0, n_eff, np.nan)
    method = np.where(trusted, FROM_PUBLISHED_CI, DESIGN_EFFECT_ASSUMED).astype(object)
    method = np.where(base > 0, method, None)
    return n_eff, method


def with_effective_n(estimates: pd.DataFrame) -> pd.DataFrame:
    """GPPS published estimate rows (value, lower_95, upper_95, unweighted_n) with ``n_eff`` and
    ``n_eff_method`` filled per row."""
    out = estimates.copy()
    if out.empty:
        out["n_eff"] = pd.Series(dtype=float)
        out["n_eff_method"] = pd.Series(dtype=object)
        return out
    n_eff, method = effective_n(out["value"], out["lower_95"], out["upper_95"], out["unweighted_n"])
    out["n_eff"] = n_eff
    out["n_eff_method"] = method
    return out
