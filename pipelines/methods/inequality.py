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


@dataclass(frozen=True)
class SIIResults:
    """SII/RII of many areas at once (:func:`slope_index_of_inequality_many`): ``sii``, ``rii`` and
    ``intercept`` have one entry per area, the limits one row per area and one column per confidence level.
    An area with missing data has NaN throughout."""

    sii: FloatArray
    rii: FloatArray
    intercept: FloatArray
    confidence: tuple[float, ...]
    sii_lower: FloatArray
    sii_upper: FloatArray
    rii_lower: FloatArray
    rii_upper: FloatArray


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


# Monte-Carlo draws are made for this many values (areas × repetitions × quantiles) at a time: ~32 MB each.
_DRAW_BLOCK = 4_000_000


def slope_index_of_inequality_many(
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
) -> SIIResults:
    """PHE ``phe_sii`` for many areas at once: one row per area of ``values`` (areas × quantiles, each row
    **ordered most → least deprived**), the same for ``se`` / ``lower_cl`` / ``upper_cl`` / ``population``.

    Exactly :func:`slope_index_of_inequality` for each row (which calls this with one row): the same
    regression, scales and order statistics; the seeded standard-normal draws (repetitions × quantiles) are
    shared by every area, so an area's limits are those it would get alone with the same ``seed``. Rows
    with missing data give NaN (no warning: the caller knows which rows were incomplete). Vectorised over
    areas: a national refresh's thousands of gradients are a few matrix products, not a loop per area.
    """
    y = np.atleast_2d(np.asarray(values, dtype=float))
    pop = np.atleast_2d(np.asarray(population, dtype=float))
    m, k = y.shape
    if pop.shape != y.shape:
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
    lo = np.atleast_2d(np.asarray(lower_cl, dtype=float)) if have_cls else None
    hi = np.atleast_2d(np.asarray(upper_cl, dtype=float)) if have_cls else None
    se_in = np.atleast_2d(np.asarray(se, dtype=float)) if se is not None else None
    if se_in is not None and np.any(se_in < 0):
        raise ValueError("negative standard errors in input")
    if value_type == "proportion":
        if np.any((y < 0) | (y > 1)):
            raise ValueError("value proportions are not all between 0 and 1")
        if have_cls and np.any((lo < 0) | (lo > 1) | (hi < 0) | (hi > 1)):
            raise ValueError("confidence limit proportions are not all between 0 and 1")

    # Scale on which the SE lives and draws are made (PHE: driven by value_type alone).
    fwd = {"other": lambda t: t, "rate": np.log, "proportion": _logit}[value_type]
    back = {"other": lambda t: t, "rate": np.exp, "proportion": _expit}[value_type]
    use_se = se_in is not None and transform is None
    with np.errstate(divide="ignore", invalid="ignore"):
        y_t = fwd(y)
        # Derived from CLs, they are taken to be 95% limits (PHE hard-codes this).
        sd = se_in if use_se else (fwd(hi) - fwd(lo)) / z_for(0.95) / 2
    complete = ~(np.isnan(pop) | np.isnan(y) | (np.isnan(se_in) if use_se else (np.isnan(lo) | np.isnan(hi))))
    # An area is usable when every quantile is there and finite on the scale the draws are made on.
    usable = np.flatnonzero(complete.all(axis=1) & np.isfinite(y_t).all(axis=1) & np.isfinite(sd).all(axis=1))

    n_conf = len(confs)
    out = {name: np.full(m, np.nan) for name in ("sii", "rii", "intercept")}
    limits = {
        name: np.full((m, n_conf), np.nan) for name in ("sii_lower", "sii_upper", "rii_lower", "rii_upper")
    }
    fit_scale: Literal["none", "log", "logit"] = "none" if transform is None else transform
    rng = np.random.default_rng(seed)
    normal = rng.standard_normal((reps, k))  # shared by every area (see the docstring)
    # PHE takes order statistics at these 1-based positions (R round = half-to-even).
    positions = []
    for c in confs:
        upper_q = c + (1 - c) / 2
        positions.append(
            (max(int(round(reps * (1 - upper_q))), 1) - 1, min(int(round(reps * upper_q)), reps) - 1)
        )
    kth = sorted({p for pair in positions for p in pair})
    # Draws are back-transformed before the refit only for a log/logit value_type fitted untransformed.
    linear_refit = transform is not None or value_type == "other"

    for first in range(0, len(usable), max(1, _DRAW_BLOCK // (reps * k))):
        rows = usable[first : first + max(1, _DRAW_BLOCK // (reps * k))]
        a = pop[rows] / pop[rows].sum(axis=1, keepdims=True)
        b = np.cumsum(a, axis=1) - a / 2
        sqrt_a = np.sqrt(a)
        design = np.stack([sqrt_a, b * sqrt_a], axis=2)  # areas × k × 2
        # Least-squares projection (XᵀX)⁻¹Xᵀ per area: coefficients for any y are one product away.
        proj = np.linalg.solve(design.transpose(0, 2, 1) @ design, design.transpose(0, 2, 1))  # areas × 2 × k
        y_fit = y_t[rows] if transform is not None else y[rows]
        coef = np.einsum("ajk,ak->aj", proj, sqrt_a * y_fit)
        sii, rii, icpt = _sii_stats(coef[:, 0], coef[:, 1], fit_scale)
        out["sii"][rows] = sii * multiplier
        out["rii"][rows] = 1 / rii if multiplier < 0 else rii
        out["intercept"][rows] = icpt

        if linear_refit:
            # Draws y + sd·z refitted on their own scale: the coefficients are the fitted ones plus the
            # projection of sd·z, one matrix product for every area of the block at once.
            spread = (proj * (sqrt_a * sd[rows])[:, None, :]).transpose(2, 0, 1).reshape(k, -1)
            coefs = (normal @ spread).reshape(reps, len(rows), 2).transpose(1, 0, 2) + coef[:, None, :]
        else:
            draws = back(y_t[rows, None, :] + sd[rows, None, :] * normal[None, :, :])  # areas × reps × k
            coefs = np.matmul(draws * sqrt_a[:, None, :], proj.transpose(0, 2, 1))  # regress on the own scale
        s_sii, s_rii, _ = _sii_stats(coefs[..., 0], coefs[..., 1], fit_scale)
        s_sii = np.partition(s_sii * multiplier, kth, axis=1)
        s_rii = np.partition(1 / s_rii if multiplier < 0 else s_rii, kth, axis=1)
        for i, (pos_lo, pos_hi) in enumerate(positions):
            limits["sii_lower"][rows, i] = s_sii[:, pos_lo]
            limits["sii_upper"][rows, i] = s_sii[:, pos_hi]
            limits["rii_lower"][rows, i] = s_rii[:, pos_lo]
            limits["rii_upper"][rows, i] = s_rii[:, pos_hi]
    return SIIResults(confidence=confs, **out, **limits)


def _as_row(values: ArrayLike | None) -> FloatArray | None:
    """One area's per-quantile inputs as a 1 × k array (None stays None)."""
    return None if values is None else np.asarray(values, dtype=float).ravel()[None, :]


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
    PHE then needs the CLs rather than a supplied SE. On the logit (or log) scale every modelled value is
    positive, so the RII and its limits are too.

    CIs: ``repetitions`` draws of every quantile from Normal(value, se), all refits done as one
    matrix product; limits are the PHE order statistics at round(reps·(1−c')) and round(reps·c')
    where c' = conf + (1 − conf)/2. ``seed`` makes results reproducible (None = fresh entropy).
    Fewer than 5 or more than 100 quantiles raises; more than 10 warns (unstable SII).
    Missing data in any quantile gives an all-NaN result with a warning (PHE drops the area).
    Many areas at once: :func:`slope_index_of_inequality_many` (this is its one-area case).
    """
    y, pop = _as_row(values), _as_row(population)
    if pop.size != y.size:
        raise ValueError("values and population must have the same length")
    lo, hi, se_in = _as_row(lower_cl), _as_row(upper_cl), _as_row(se)
    with warnings.catch_warnings():
        # The unstable-SII warning is raised below, pointing at the caller.
        warnings.simplefilter("ignore", UserWarning)
        result = slope_index_of_inequality_many(
            y, se_in, pop, lower_cl=lo, upper_cl=hi, value_type=value_type, transform=transform,
            multiplier=multiplier, confidence=confidence, repetitions=repetitions, seed=seed,
        )  # fmt: skip
    if y.size > 10:
        warnings.warn(
            "Small values can make SII unstable when using a large number of quantiles",
            UserWarning,
            stacklevel=2,
        )
    use_se = se_in is not None and transform is None
    missing = np.isnan(pop) | np.isnan(y)
    missing |= np.isnan(se_in) if use_se else (np.isnan(lo) | np.isnan(hi))
    if missing.any():
        warnings.warn("incomplete data: SII not calculated for this area", UserWarning, stacklevel=2)
    return SIIResult(
        sii=float(result.sii[0]),
        rii=float(result.rii[0]),
        intercept=float(result.intercept[0]),
        confidence=result.confidence,
        sii_lower=tuple(float(v) for v in result.sii_lower[0]),
        sii_upper=tuple(float(v) for v in result.sii_upper[0]),
        rii_lower=tuple(float(v) for v in result.rii_lower[0]),
        rii_upper=tuple(float(v) for v in result.rii_upper[0]),
    )


# --------------------------------------------------------------------------------------------
# Funnel plots for proportions
# --------------------------------------------------------------------------------------------
