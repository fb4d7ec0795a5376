"""Change over time: between two periods, the recent trend over five, and whether an inequality gap moved.

Every function compares like with like only: callers pass points of one comparable series (the marts key a
series so that nothing crosses a survey's series break). Elementwise functions take aligned arrays (one entry
per row of a mart); the trend functions take a long DataFrame with a series key and do all series at once.

- :func:`proportion_change`: later − earlier with a Wald interval and two-sided z-test on effective sample
  sizes, the same test Chorus uses for gaps between groups (``pipelines.methods.intervals.two_group_difference``).
- :func:`rate_change`: two Poisson counts with their exposures. ``method='exact'`` (default): the conditional
  binomial test (given the total, the later count is Binomial(total, share of exposure) when the rates are
  equal; Breslow & Day 1987 vol. II §2.4, as R's ``poisson.test``), central two-sided p-value and the
  Clopper-Pearson-derived interval for the rate ratio (so significance ⇔ the interval excludes 1).
  ``method='byar'``: the rate difference with a MOVER interval (Zou & Donner, Stat Med 2008;27:1693) built
  from each rate's Byar / exact limits (``pipelines.methods.intervals.rate_interval``), significant when it excludes 0.
- :func:`difference_from_intervals`: the same MOVER difference for any two estimates with their own limits
  (DSRs with Dobson limits, ISRs).
- :func:`recent_trend` / :func:`recent_trend_from_intervals`: the OHID Fingertips recent-trend marker over the
  last five points (Fingertips technical guidance "Trend markers", fingertips.phe.org.uk/static-reports/
  public-health-technical-guidance/Presentation/Trend_markers.html; code: ukhsa-collaboration/fingertips-open
  ``PholioVisualisationWS/Analysis/TrendMarkers/TrendMarkerCalculator.cs`` and PHEindicatormethods
  ``assign_trend_markers``, dhsc-govuk/PHEindicatormethods branch add_trend_markers). Proportions: the
  chi-square test for linear trend (Cochran–Armitage), direction from the slope of logit(p) on time; other
  values: weighted regression with weights from the 95% limits. Significant when χ² > 9.5495 (1 df; two-sided
  99.8%, i.e. z = Φ⁻¹(0.999) — the guidance's "99.9%" is one-sided) and no single point reverses the
  direction when left out.
- :func:`gap_change`: is an SII (or RII) gap widening? The difference of the two periods' estimates with a
  standard error combined from their intervals (Altman & Bland, BMJ 2003;326:219 "Interaction revisited: the
  difference between two estimates"; SE from a CI, BMJ 2011;343:d2090).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats as _st

from pipelines.methods.intervals import rate_interval, two_group_difference, z_for
from pipelines.methods.levels import DEFAULT_LEVELS, level_tag, levels
from pipelines.methods.polarity import polarity_sign

__all__ = [
    "TREND_CHI_SQUARE",
    "difference_from_intervals",
    "gap_change",
    "proportion_change",
    "rate_change",
    "recent_trend",
    "recent_trend_from_intervals",
    "trend_with_polarity",
]

#: Fingertips' critical value for the trend test: χ²(1 df) at 0.998 = Φ⁻¹(0.999)² (TrendMarkerCalculator.cs).
TREND_CHI_SQUARE = 9.54953570608324
TREND_POINTS = 5


def _array(a: ArrayLike) -> NDArray[np.float64]:
    return np.atleast_1d(np.asarray(a, dtype=float))


# --------------------------------------------------------------------------------------------
# Two periods
# --------------------------------------------------------------------------------------------


def proportion_change(
    p_then: ArrayLike,
    n_eff_then: ArrayLike,
    p_now: ArrayLike,
    n_eff_now: ArrayLike,
    confidence: float | Sequence[float] = DEFAULT_LEVELS,
) -> pd.DataFrame:
    """Change in a proportion between two periods: ``change`` = p_now − p_then (0-1 scale), one row per entry.

    Wald interval and two-sided z-test with the unpooled SE √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂) on effective
    sample sizes (Kish n_eff for weighted survey results), via ``pipelines.methods.intervals.two_group_difference``, so a
    change is significant exactly when its interval excludes 0. Columns: ``change``, ``lower_<l>``,
    ``upper_<l>`` and ``significant_<l>`` per level (default 95 and 998), ``p_value``. Missing or zero n_eff
    gives NaN and not significant.
    """
    out: dict[str, NDArray[np.float64] | NDArray[np.bool_]] = {}
    for i, c in enumerate(levels(confidence)):
        diff, lo, hi, p, sig = two_group_difference(
            _array(p_now), _array(n_eff_now), _array(p_then), _array(n_eff_then), conf=c
        )
        if i == 0:
            out["change"] = np.atleast_1d(np.asarray(diff, dtype=float))
            out["p_value"] = np.atleast_1d(np.asarray(p, dtype=float))
        tag = level_tag(c)
        out[f"lower_{tag}"] = np.atleast_1d(np.asarray(lo, dtype=float))
        out[f"upper_{tag}"] = np.atleast_1d(np.asarray(hi, dtype=float))
        out[f"significant_{tag}"] = np.atleast_1d(np.asarray(sig, dtype=bool))
    return pd.DataFrame(out)


def difference_from_intervals(
    value_then: ArrayLike,
    lower_then: ArrayLike,
    upper_then: ArrayLike,
    value_now: ArrayLike,
    lower_now: ArrayLike,
    upper_now: ArrayLike,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """MOVER interval for value_now − value_then from each estimate's own limits (same level for both).

    lower = d − √((v₂ − l₂)² + (u₁ − v₁)²), upper = d + √((u₂ − v₂)² + (v₁ − l₁)²) (Zou & Donner 2008;
    Newcombe's method for proportions is the Wilson case). Keeps the asymmetry of Poisson and Dobson limits.
    Returns (difference, lower, upper).
    """
    v1, l1, u1 = _array(value_then), _array(lower_then), _array(upper_then)
    v2, l2, u2 = _array(value_now), _array(lower_now), _array(upper_now)
    d = v2 - v1
    return d, d - np.sqrt((v2 - l2) ** 2 + (u1 - v1) ** 2), d + np.sqrt((u2 - v2) ** 2 + (v1 - l1) ** 2)


def rate_change(
    x_then: ArrayLike,
    exposure_then: ArrayLike,
    x_now: ArrayLike,
    exposure_now: ArrayLike,
    *,
    multiplier: float = 100_000,
    confidence: float | Sequence[float] = DEFAULT_LEVELS,
    method: Literal["exact", "byar"] = "exact",
) -> pd.DataFrame:
    """Change in a rate between two periods from the two counts and their exposures (populations, months…).

    Always returns ``rate_then``, ``rate_now`` and ``change`` (rate_now − rate_then, per ``multiplier``) with
    its MOVER-Byar limits ``lower_<l>``/``upper_<l>``, and ``ratio`` (rate_now / rate_then) with exact
    conditional limits ``ratio_lower_<l>``/``ratio_upper_<l>``. ``method`` decides ``significant_<l>`` and
    ``p_value``: 'exact' uses the conditional binomial test (p = 2·min of the two tails, capped at 1; its
    significance ⇔ the ratio interval excludes 1); 'byar' uses the difference interval excluding 0 and has
    no p-value (NaN). No events in either period, or a zero exposure, gives NaN and not significant.
    """
    if method not in ("exact", "byar"):
        raise ValueError("method must be 'exact' or 'byar'")
    x1, e1, x2, e2 = _array(x_then), _array(exposure_then), _array(x_now), _array(exposure_now)
    if np.any(x1 < 0) or np.any(x2 < 0):
        raise ValueError("counts must be >= 0")
    total = x1 + x2
    usable = (e1 > 0) & (e2 > 0) & (total > 0)
    share = np.where(
        usable, e2 / np.where(usable, e1 + e2, 1.0), np.nan
    )  # P(an event is 'now') if equal rates
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(usable, (x2 / e2) / (x1 / e1), np.nan)
        p_exact = np.minimum(
            1.0, 2 * np.minimum(_st.binom.cdf(x2, total, share), _st.binom.sf(x2 - 1, total, share))
        )
    p_exact = np.where(usable, p_exact, np.nan)
    out: dict[str, NDArray[np.float64] | NDArray[np.bool_]] = {}
    for i, c in enumerate(levels(confidence)):
        r1, lo1, hi1 = (
            np.atleast_1d(np.asarray(v, dtype=float)) for v in rate_interval(x1, e1, multiplier, c)
        )
        r2, lo2, hi2 = (
            np.atleast_1d(np.asarray(v, dtype=float)) for v in rate_interval(x2, e2, multiplier, c)
        )
        diff, lo, hi = difference_from_intervals(r1, lo1, hi1, r2, lo2, hi2)
        if i == 0:
            out["rate_then"], out["rate_now"], out["change"] = r1, r2, np.where(usable, diff, np.nan)
        tag = level_tag(c)
        out[f"lower_{tag}"] = np.where(usable, lo, np.nan)
        out[f"upper_{tag}"] = np.where(usable, hi, np.nan)
        # Clopper-Pearson limits for the 'now' share of all events, turned into a rate ratio.
        alpha = 1 - c
        with np.errstate(divide="ignore", invalid="ignore"):
            share_lo = np.where(x2 > 0, _st.beta.ppf(alpha / 2, x2, total - x2 + 1), 0.0)
            share_hi = np.where(x2 < total, _st.beta.ppf(1 - alpha / 2, x2 + 1, total - x2), 1.0)
            to_ratio = e1 / e2
            out[f"ratio_lower_{tag}"] = np.where(usable, share_lo / (1 - share_lo) * to_ratio, np.nan)
            out[f"ratio_upper_{tag}"] = np.where(usable, share_hi / (1 - share_hi) * to_ratio, np.nan)
        if method == "exact":
            out[f"significant_{tag}"] = np.asarray(p_exact < alpha)
        else:
            out[f"significant_{tag}"] = np.asarray(usable & ((lo > 0) | (hi < 0)))
    out["ratio"] = ratio
    out["p_value"] = p_exact if method == "exact" else np.full(x1.shape, np.nan)
    frame = pd.DataFrame(out)
    frame["method"] = method
    return frame


# --------------------------------------------------------------------------------------------
# Recent trend (Fingertips)
# --------------------------------------------------------------------------------------------


def _last_points(
    data: pd.DataFrame, key: Sequence[str], time: str, columns: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last five points of every series, and a per-series frame saying which can be tested and why not."""
    missing = [c for c in (*key, time, *columns) if c not in data.columns]
    if missing:
        raise KeyError(f"not columns of data: {missing}")
    ordered = data.sort_values([*key, time], kind="stable").reset_index(drop=True)
    by = list(key) if key else np.zeros(len(ordered), dtype=int)
    grouped = ordered.groupby(by, sort=False, dropna=False)
    series = grouped.ngroup()  # 0, 1, … in order of appearance, the order of `summary`'s rows
    summary = grouped[time].agg(n_points="size", first_time="min", last_time="max")
    if not key:
        summary.index = pd.RangeIndex(len(summary))
    summary["duplicate_time"] = ordered.duplicated([*key, time], keep=False).groupby(series).any().to_numpy()
    tail = grouped.tail(TREND_POINTS).copy()
    tail["_series"] = series.loc[tail.index].to_numpy()
    by_series = tail.groupby("_series")
    summary["trend_first_time"] = by_series[time].min().to_numpy()
    summary["missing_values"] = (
        tail[list(columns)].isna().any(axis=1).groupby(tail["_series"]).any().to_numpy()
    )
    return tail, summary


def _slopes(t: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weighted least-squares slope of y on t per row of (series × points) matrices; w = 0 drops a point."""
    sw, st, sy = w.sum(1), (w * t).sum(1), (w * y).sum(1)
    sty, stt = (w * t * y).sum(1), (w * t * t).sum(1)
    return (sw * sty - st * sy) / (sw * stt - st**2)


def _leave_one_out_agrees(
    t: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64], beta: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Fingertips' outlier check: the slope keeps its sign whichever single point is left out."""
    agrees = np.ones(beta.shape, dtype=bool)
    for j in range(t.shape[1]):
        w_j = w.copy()
        w_j[:, j] = 0.0
        agrees &= np.sign(_slopes(t, y, w_j)) == np.sign(beta)
    return agrees


def _label_trends(
    summary: pd.DataFrame,
    testable: NDArray[np.bool_],
    chi2: NDArray[np.float64],
    beta: NDArray[np.float64],
    agrees: NDArray[np.bool_],
    reasons_not_testable: NDArray[np.object_],
) -> pd.DataFrame:
    out = summary.copy()
    out["chi_square"] = np.nan
    out["slope"] = np.nan
    out.loc[testable, "chi_square"] = chi2
    out.loc[testable, "slope"] = beta
    significant = chi2 > TREND_CHI_SQUARE
    trend = np.where(
        significant & agrees, np.where(beta < 0, "decreasing", "increasing"), "no significant change"
    )
    reason = np.where(
        significant,
        np.where(agrees, "no outliers and significant trend", "outlier found"),
        "no significant trend",
    )
    out["trend"] = "cannot be calculated"
    out["reason"] = reasons_not_testable
    out.loc[testable, "trend"] = trend
    out.loc[testable, "reason"] = reason
    return out.drop(columns=["duplicate_time", "missing_values"]).reset_index(drop=out.index.names == [None])


def _not_testable(summary: pd.DataFrame, extra: NDArray[np.bool_], extra_reason: str) -> NDArray[np.object_]:
    return np.select(
        [
            summary["n_points"].to_numpy() < TREND_POINTS,
            summary["duplicate_time"].to_numpy(),
            summary["missing_values"].to_numpy(),
            extra,
        ],
        ["not enough data points", "duplicate time periods", "missing values", extra_reason],
        default="",
    ).astype(object)


def recent_trend(
    data: pd.DataFrame,
    *,
    key: Sequence[str],
    time: str,
    numerator: str,
    denominator: str,
    polarity: object | None = None,
) -> pd.DataFrame:
    """Fingertips recent trend of a proportion over each series' last five points, for all series at once.

    ``data``: one row per series (``key``) × period (``time``, numeric, e.g. the year) with the count and its
    denominator (for weighted survey results: p·n_eff and n_eff). Per series, the last five periods are
    tested with the chi-square test for linear trend (Cochran–Armitage, time as the score):
    χ² = N(N·Σxt − X·Σnt)² / (X(N−X)(N·Σnt² − (Σnt)²)); the direction is the sign of the least-squares
    slope of logit(x/n) on t, which must survive leaving out any one point. Time enters by its value, as in
    PHEindicatormethods; Fingertips numbers the five points 1–5, which is the same for evenly spaced periods.

    Returns one row per series: ``key``, ``n_points``, ``first_time``, ``last_time``, ``trend_first_time``,
    ``chi_square``, ``slope`` (logit per unit of time), ``trend`` ('increasing' / 'decreasing' /
    'no significant change' / 'cannot be calculated'), ``reason``, and with ``polarity`` (one value, or the
    name of a column of data holding one per series) ``trend_judgement`` (see :func:`trend_with_polarity`).
    Not calculated: fewer than five points, repeated periods, a missing count or denominator among the last
    five, or a proportion of 0 or 1 (logit undefined; Fingertips rejects count = denominator).
    """
    tail, summary = _last_points(data, key, time, [numerator, denominator])
    x = pd.to_numeric(tail[numerator], errors="raise").astype(float).to_numpy()
    n = pd.to_numeric(tail[denominator], errors="raise").astype(float).to_numpy()
    degenerate = pd.Series(~((x > 0) & (x < n)), index=tail.index).groupby(tail["_series"]).any().to_numpy()
    reasons = _not_testable(summary, degenerate, "a proportion of 0 or 1 among the last five points")
    testable = reasons == ""
    rows = np.isin(tail["_series"].to_numpy(), np.flatnonzero(testable))
    shape = (int(testable.sum()), TREND_POINTS)
    t = pd.to_numeric(tail[time]).astype(float).to_numpy()[rows].reshape(shape)
    xs, ns = x[rows].reshape(shape), n[rows].reshape(shape)
    big_n, big_x = ns.sum(1), xs.sum(1)
    sxt, snt, sntt = (xs * t).sum(1), (ns * t).sum(1), (ns * t * t).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = big_n * (big_n * sxt - big_x * snt) ** 2 / (big_x * (big_n - big_x) * (big_n * sntt - snt**2))
        logit = np.log(xs / (ns - xs))
    ones = np.ones(shape)
    beta = _slopes(t, logit, ones)
    out = _label_trends(summary, testable, chi2, beta, _leave_one_out_agrees(t, logit, ones, beta), reasons)
    return _with_polarity(out, data, key, polarity)


def recent_trend_from_intervals(
    data: pd.DataFrame,
    *,
    key: Sequence[str],
    time: str,
    value: str,
    lower_95: str,
    upper_95: str,
    polarity: object | None = None,
) -> pd.DataFrame:
    """Fingertips recent trend for values that are not simple proportions (rates, DSRs, SII, means…).

    Weighted regression of the value on time over the last five points, weights 1/σ² with σ = (upper −
    lower)/(2·1.96) from the 95% limits; χ² = β²/var(β), var(β) = Σw/(Σw·Σwt² − (Σwt)²); same threshold and
    leave-one-out check as :func:`recent_trend`, same output (``slope`` in the value's units per unit of time).
    """
    tail, summary = _last_points(data, key, time, [value, lower_95, upper_95])
    y = pd.to_numeric(tail[value], errors="raise").astype(float).to_numpy()
    width = (pd.to_numeric(tail[upper_95]) - pd.to_numeric(tail[lower_95])).astype(float).to_numpy()
    zero_width = pd.Series(~(width > 0), index=tail.index).groupby(tail["_series"]).any().to_numpy()
    reasons = _not_testable(summary, zero_width, "an interval of zero width among the last five points")
    testable = reasons == ""
    rows = np.isin(tail["_series"].to_numpy(), np.flatnonzero(testable))
    shape = (int(testable.sum()), TREND_POINTS)
    t = pd.to_numeric(tail[time]).astype(float).to_numpy()[rows].reshape(shape)
    ys = y[rows].reshape(shape)
    w = 1 / (width[rows].reshape(shape) / (2 * z_for(0.95))) ** 2
    beta = _slopes(t, ys, w)
    sw, st, stt = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
    chi2 = beta**2 / (sw / (sw * stt - st**2))
    out = _label_trends(summary, testable, chi2, beta, _leave_one_out_agrees(t, ys, w, beta), reasons)
    return _with_polarity(out, data, key, polarity)


def trend_with_polarity(trend: ArrayLike, polarity: object | ArrayLike) -> NDArray[np.str_]:
    """Fingertips' coloured wording: 'increasing'/'decreasing' → 'getting better'/'getting worse'.

    Higher is better: increasing = getting better; lower is better: increasing = getting worse; no judgement
    (or NULL polarity): stays 'increasing'/'decreasing'. 'no significant change' and 'cannot be calculated'
    are kept.
    """
    tr = np.atleast_1d(np.asarray(trend, dtype=object)).astype(str)
    sign = polarity_sign(polarity)
    direction = np.select([tr == "increasing", tr == "decreasing"], [1, -1], default=0) * sign
    return np.select(
        [(tr == "increasing") | (tr == "decreasing")],
        [np.where(direction > 0, "getting better", np.where(direction < 0, "getting worse", tr))],
        default=tr,
    )


def _with_polarity(
    out: pd.DataFrame, data: pd.DataFrame, key: Sequence[str], polarity: object | None
) -> pd.DataFrame:
    if polarity is None:
        return out
    if isinstance(polarity, str) and polarity in data.columns:
        per_series = data.drop_duplicates(list(key))[[*key, polarity]]
        values = out[list(key)].merge(per_series, on=list(key), how="left")[polarity].to_numpy(dtype=object)
    else:
        values = polarity
    out["trend_judgement"] = trend_with_polarity(out["trend"].to_numpy(), values)
    return out


# --------------------------------------------------------------------------------------------
# Inequality gap over time
# --------------------------------------------------------------------------------------------


def gap_change(
    then_estimate: ArrayLike,
    then_lower: ArrayLike,
    then_upper: ArrayLike,
    now_estimate: ArrayLike,
    now_lower: ArrayLike,
    now_upper: ArrayLike,
    *,
    measure: Literal["sii", "rii"] = "sii",
    interval_level: float = 0.95,
    confidence: float | Sequence[float] = DEFAULT_LEVELS,
    level: float = 0.998,
) -> pd.DataFrame:
    """Has the SII (or RII) gap widened, narrowed or not changed significantly between two periods?

    Each period's standard error is taken from its interval at ``interval_level``: SE = (upper − lower)/(2z)
    (SII on its own scale; RII on the log scale, so the gap is its distance from 1). The difference now − then
    is tested with SE = √(SE₁² + SE₂²) (z-test, two-sided). Columns: ``change`` (SII: now − then in the
    measure's units; RII: now / then) with ``lower_<l>``/``upper_<l>`` and ``significant_<l>`` per level,
    ``p_value``, ``gap_trend`` at ``level``: 'widening' (significant and the gap is larger now),
    'narrowing' (significant and smaller), 'no significant change', or 'cannot be calculated' (missing or
    non-positive inputs), and ``reversed`` (significant and the gap changed sides, e.g. the least deprived
    now fare worse). Monte-Carlo SII limits are not quite symmetric; the SE uses the full width.
    """
    confs = levels(confidence)
    if level not in confs:
        raise ValueError(f"level {level} must be one of the confidence levels {confs}")
    e1, l1, u1 = _array(then_estimate), _array(then_lower), _array(then_upper)
    e2, l2, u2 = _array(now_estimate), _array(now_lower), _array(now_upper)
    if measure == "rii":
        with np.errstate(divide="ignore", invalid="ignore"):
            bad = ~((e1 > 0) & (l1 > 0) & (u1 > 0) & (e2 > 0) & (l2 > 0) & (u2 > 0))
            e1, l1, u1, e2, l2, u2 = (np.log(np.where(bad, np.nan, a)) for a in (e1, l1, u1, e2, l2, u2))
    elif measure != "sii":
        raise ValueError("measure must be 'sii' or 'rii'")
    z_in = z_for(interval_level)
    se = np.sqrt(((u1 - l1) / (2 * z_in)) ** 2 + ((u2 - l2) / (2 * z_in)) ** 2)
    diff = e2 - e1
    usable = np.isfinite(diff) & np.isfinite(se) & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_value = np.where(usable, 2 * _st.norm.sf(np.abs(diff / se)), np.nan)
    show = np.exp if measure == "rii" else (lambda a: a)
    out: dict[str, NDArray[np.float64] | NDArray[np.bool_] | NDArray[np.str_]] = {
        "change": np.where(usable, show(diff), np.nan),
        "p_value": p_value,
    }
    for c in confs:
        tag = level_tag(c)
        half = z_for(c) * se
        out[f"lower_{tag}"] = np.where(usable, show(diff - half), np.nan)
        out[f"upper_{tag}"] = np.where(usable, show(diff + half), np.nan)
        out[f"significant_{tag}"] = usable & (p_value < 1 - c)
    significant = out[f"significant_{level_tag(level)}"]
    larger = np.abs(e2) > np.abs(e1)
    out["gap_trend"] = np.select(
        [~usable, significant & larger, significant & ~larger],
        ["cannot be calculated", "widening", "narrowing"],
        default="no significant change",
    )
    out["reversed"] = np.asarray(significant & (np.sign(e1) * np.sign(e2) < 0))
    return pd.DataFrame(out)
