"""Inequality across deprivation: PHE quantiles (``phe_quantile``) and the slope and relative indices of
inequality (``slope_index_of_inequality``, PHEindicatormethods ``phe_sii``, proportions on the logit scale).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from pipelines.methods.intervals import FloatArray, _conf, z_for


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
