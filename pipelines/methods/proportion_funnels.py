"""Funnel plots for proportions (PHEindicatormethods ``calculate_funnel_limits``, statistic "proportion"):
Wilson limits at 95% and 99.8% around the overall value, axis points and significance labels. Rate and
ratio funnels are in ``pipelines.methods.funnels``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

from pipelines.methods.intervals import FloatArray, _out


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
    overall_p: float | ArrayLike,
    side: Literal["low", "high"],
    multiplier: float = 1.0,
) -> FloatArray | float:
    """One funnel line: the observed proportion at population n whose Wilson limit is overall_p.

    Solves Wilson's (one-sided, z = Φ⁻¹(prob)) bound for the observed value in closed form,
    the PHE ``sigma_adjustment``. prob 0.975 ≈ 2σ, 0.999 ≈ 3σ. Not clamped to [0, 1]. ``overall_p`` may
    be one value or one per population (each record against its own funnel).
    """
    n_ = np.asarray(n, dtype=float)
    p = np.asarray(overall_p, dtype=float)
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


def funnel_significance_against(x: ArrayLike, n: ArrayLike, baseline: ArrayLike) -> NDArray[np.object_]:
    """PHE funnel labels for proportions x/n, each record against its own baseline proportion (many funnels
    at once: each practice against its ICB, or against England). The same limits and labels as
    :func:`funnel_significance`; a record with no baseline, no n or no x gets None."""
    x_, n_, p = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (x, n, baseline))
    with np.errstate(invalid="ignore", divide="ignore"):
        value = x_ / n_
        lo3, lo2 = (wilson_funnel_limit(prob, n_, p, "low") for prob in (0.999, 0.975))
        hi3, hi2 = (wilson_funnel_limit(prob, n_, p, "high") for prob in (0.999, 0.975))
    labels = np.select(
        [value < lo3, value < lo2, value > hi3, value > hi2],
        ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
        default="Not significant",
    ).astype(object)
    labels[np.isnan(value) | np.isnan(p)] = None
    return labels


# --------------------------------------------------------------------------------------------
# Comparing two groups
# --------------------------------------------------------------------------------------------
