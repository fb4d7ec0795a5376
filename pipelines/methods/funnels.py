"""Funnel plots for rates and ratios beside proportions, with significance labels and polarity-aware judgements.

Mirrors PHEindicatormethods (github.com/dhsc-govuk/PHEindicatormethods v2.1.0, ``R/Funnels.R``
``calculate_funnel_limits`` / ``assign_funnel_significance`` / ``calculate_funnel_points`` and the helpers
``poisson_funnel`` / ``funnel_ratio_significance`` in ``R/utils.R``), itself the OHID funnel plot tools for
ratios and rates (Fingertips technical guide "Funnel plots", 2017):

- **ratio** (observed / expected, e.g. an indirectly standardised ratio): for each observed count O on the
  axis, the expected count E at which O sits exactly on the 95% (0.025 each side, "2s") or 99.8% (0.001, "3s")
  exact Poisson limit, found by PHE's bisection; the limit is O/E (``ratio_type='isr'``: × 100;
  ``'count'``: O/E − 1).
- **rate** (crude or directly standardised): the same Poisson search on the events axis, the population is
  E / average rate, the limit events / population × multiplier; ``years_of_data`` turns pooled populations
  into per-year ones for the axis.
- **proportion**: Wilson-based limits, reused from ``pipelines.methods.proportion_funnels`` (``funnel_limits_proportion``).

Significance labels are PHE's: 'High (0.001)', 'High (0.025)', 'Low (0.001)', 'Low (0.025)', 'Not significant'
(and, for DSRs on fewer than 10 events, 'Not applicable for events less than 10 for dsrs'). They say only
high or low; :func:`funnel_judgement` turns them into better / worse / similar / not compared with the
measure's polarity, so "high" is never "better" for a negative measure and theme shares are never judged.
All functions take flat arrays and an optional ``groups`` array (one funnel per group, e.g. measure × year).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special as _special

from pipelines.methods.intervals import byar_interval
from pipelines.methods.polarity import judge, polarity_sign
from pipelines.methods.proportion_funnels import (
    _signif_ceiling,
    _signif_floor,
    funnel_axis_points,
    funnel_limits_proportion,
    funnel_significance,
)

__all__ = [
    "assign_funnel_significance",
    "calculate_funnel_limits",
    "calculate_funnel_points",
    "funnel_judgement",
    "judge",
    "poisson_funnel",
    "polarity_sign",
]

Statistic = Literal["proportion", "ratio", "rate"]

NOT_APPLICABLE_DSR = "Not applicable for events less than 10 for dsrs"
_N_POINTS = 100
# PHE's two funnels: 95% (2 "sigma", 0.025 in each tail) and 99.8% (3 "sigma", 0.001 in each tail).
_FUNNELS = (("2s", 0.025), ("3s", 0.001))


def _poisson_cdf(k: NDArray[np.float64], mean: NDArray[np.float64]) -> NDArray[np.float64]:
    """P(K ≤ k) for K ~ Poisson(mean); 0 for k < 0."""
    return np.where(k < 0, 0.0, _special.pdtr(np.maximum(k, 0.0), mean))


def _phe_series_end(mean: NDArray[np.float64]) -> NDArray[np.float64]:
    """Where PHE's ``poisson_cis`` series stops: the first k > mean whose term is ≤ 1e-10 of the sum before it.

    The term-to-sum ratio falls steadily beyond the mean, so an integer bisection finds it for all means at once.
    """

    def stops(k: NDArray[np.float64]) -> NDArray[np.bool_]:
        before = _poisson_cdf(k - 1, mean)
        return _poisson_cdf(k, mean) - before <= 1e-10 * before

    first = np.floor(mean) + 1
    lo, hi = first, first + np.ceil(60 * np.sqrt(mean + 1)) + 60  # far enough out for the term to be tiny
    at_first = stops(first)
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2)
        done = stops(mid)
        hi, lo = np.where(done, mid, hi), np.where(done, lo, mid)
    return np.where(at_first, first, hi)


def _phe_poisson_probability(
    mean: NDArray[np.float64], x_a: NDArray[np.float64] | float, x_b: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """P(x_a ≤ K ≤ x_b), K ~ Poisson(mean), as PHE's ``poisson_cis`` computes it.

    PHE sums the Poisson terms from 0 until past the mean a term is below 1e-10 of the running total, and
    divides; the truncation moves the answer by up to ~1e-9, enough to change a bisection step. Summing the
    same terms with exact Poisson cdfs reproduces it (to ~1e-15) for any number of means at once.
    """
    end = _phe_series_end(mean)  # terms 0 … end − 1 are summed
    top = np.minimum(x_b, end - 1)
    inside = np.where(top >= x_a, _poisson_cdf(top, mean) - _poisson_cdf(np.asarray(x_a) - 1.0, mean), 0.0)
    return inside / _poisson_cdf(end - 1, mean)


def poisson_funnel(observed: ArrayLike, p: float, side: Literal["low", "high"]) -> NDArray[np.float64]:
    """The Poisson mean at which ``observed`` events sit on a one-sided tail probability ``p`` (PHE bisection).

    side 'low': P(K ≥ O | mean) = p (the mean for which O is the upper p point, i.e. O/mean is the upper funnel);
    side 'high': P(K ≤ O | mean) = p. PHE's 23-step bisection on v = mean/(mean + O + 1), done for all O at
    once with exact Poisson tails; where a tail is so close to p that PHE's truncated sum could step the other
    way, that tail is recomputed PHE's way (:func:`_phe_poisson_probability`). The result is PHE's to
    the last step, within 6e-8 of the exact root on the v scale.
    """
    if side not in ("low", "high"):
        raise ValueError("side must be 'low' or 'high'")
    obs = np.asarray(observed, dtype=float)
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    # PHE's truncated sums differ from the exact tails by up to ~2e-11·√O near the root (measured for O up to
    # 1e6); within three times that of p, the step is decided PHE's way.
    slack = 2e-10 + 5e-11 * np.sqrt(obs + 1)
    while dv > 1e-7:
        dv /= 2
        mean = (1 + obs) * v / (1 - v)
        # exact tails: P(K ≥ O) for 'low', P(K ≤ O) for 'high'
        prob = _special.pdtrc(np.maximum(obs - 1, 0.0), mean) if side == "low" else _poisson_cdf(obs, mean)
        close = np.abs(prob - p) < slack
        if close.any():
            m, o = mean[close], obs[close]
            prob[close] = (
                _phe_poisson_probability(m, o, 1e10) if side == "low" else _phe_poisson_probability(m, 0.0, o)
            )
        too_high = prob > p if side == "low" else prob < p
        v = np.where(too_high, v - dv, v + dv)
    return (1 + obs) * v / (1 - v)


def _axis_points(axis_minimum: float, axis_maximum: float, offset: int) -> NDArray[np.float64]:
    """PHE's 100 x-axis points, denser at the small end (``offset`` 0 for rates/proportions, 1 for ratios)."""
    points = [max(1.0, axis_minimum)]
    for j in range(2, _N_POINTS + 1):
        prev = points[-1]
        # Python's round() rounds halves to even, as R's round() does
        step = float(round((axis_maximum / prev) ** (1 / (_N_POINTS + 1 - (j - offset))) * prev))
        points.append(max(step, prev + 1))
    return np.asarray(points)


def _derived_denominator(
    numerator: NDArray[np.float64],
    rate: NDArray[np.float64],
    denominator: NDArray[np.float64] | None,
    rate_type: Literal["dsr", "crude"],
    multiplier: float,
) -> NDArray[np.float64]:
    """Population implied by a rate (PHE): multiplier·O/rate; a DSR with 0 events has none, a crude rate
    with 0 events uses the denominator given."""
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = multiplier * numerator / rate
    if rate_type == "dsr":
        return np.where(numerator == 0, np.nan, implied)
    if rate_type == "crude":
        if denominator is None:
            return implied
        return np.where(numerator == 0, denominator, implied)
    raise ValueError("rate_type must be 'dsr' or 'crude'")


def _check_rate_inputs(
    numerator: NDArray[np.float64], rate: NDArray[np.float64] | None, denominator: NDArray[np.float64] | None
) -> None:
    if rate is None:
        raise ValueError("rates need the rate of every record")
    if np.isnan(numerator).any():
        raise ValueError(
            "for rates, numerators must be provided for all records, even when their values are zero"
        )
    no_rate = np.isnan(rate) if denominator is None else np.isnan(rate) & np.isnan(denominator)
    if no_rate.any():
        raise ValueError(
            "for rates, rates must be provided for all records, or a denominator must be provided if the rate is zero"
        )
    zero = numerator == 0
    if zero.any():
        if denominator is None:
            raise ValueError(
                "for rates, where there are 0 events for a record, the denominator field needs to be provided"
            )
        if (zero & ~(denominator > 0)).any():
            raise ValueError(
                "for rates, where there are 0 events for a record, the denominator must be provided"
            )


def _group_index(groups: ArrayLike | None, size: int) -> tuple[NDArray[np.intp], list[object]]:
    if groups is None:
        return np.zeros(size, dtype=np.intp), [None]
    g = pd.Series(np.asarray(groups, dtype=object))
    if len(g) != size:
        raise ValueError("groups must have one entry per record")
    codes, labels = pd.factorize(g, use_na_sentinel=False)
    return codes.astype(np.intp), list(labels)


def _as_array(values: ArrayLike | None) -> NDArray[np.float64] | None:
    return None if values is None else np.atleast_1d(np.asarray(values, dtype=float))


def _proportion_funnel(num: NDArray[np.float64], den: NDArray[np.float64], multiplier: float) -> pd.DataFrame:
    limits = funnel_limits_proportion(funnel_axis_points(den, _N_POINTS), num.sum() / den.sum(), multiplier)
    return pd.DataFrame(
        {
            "population": limits.n,
            "lower_2s_limit": limits.lower_2s,
            "upper_2s_limit": limits.upper_2s,
            "lower_3s_limit": limits.lower_3s,
            "upper_3s_limit": limits.upper_3s,
            "baseline": limits.baseline,
            "statistic": "proportion",
            "method": "Wilson",
        }
    )


def _poisson_axis(
    statistic: Statistic,
    num: NDArray[np.float64],
    den: NDArray[np.float64] | None,
    rate: NDArray[np.float64] | None,
    multiplier: float,
    rate_type: str | None,
    years_of_data: float | None,
) -> tuple[NDArray[np.float64], float]:
    """One funnel's axis (observed events for ratios, events for rates) and, for rates, its average rate."""
    if statistic == "ratio":
        assert den is not None
        lo, hi = float(np.nanmin(den)), float(np.nanmax(den))
        axis_min = 0.0 if hi > 2 * lo else _signif_floor(lo)
        return _axis_points(axis_min, _signif_ceiling(hi), offset=1), np.nan
    assert rate is not None and years_of_data is not None and rate_type is not None
    derived = _derived_denominator(num, rate, den, rate_type, multiplier)  # type: ignore[arg-type]
    average = float(num.sum() / np.nansum(derived))
    lo, hi = float(np.nanmin(derived)), float(np.nanmax(derived))
    axis_min = 0.0 if hi > 2 * lo else _signif_floor(lo / years_of_data) * years_of_data
    axis_max = _signif_ceiling(hi / years_of_data) * years_of_data
    return _axis_points(
        float(np.floor(axis_min * average)), float(np.ceil(axis_max * average)), offset=0
    ), average


def _poisson_limits(
    statistic: Statistic,
    axis: NDArray[np.float64],
    average: NDArray[np.float64],
    multiplier: float,
    ratio_type: str | None,
    rate_type: str | None,
    years_of_data: float | None,
) -> pd.DataFrame:
    """Ratio or rate funnel lines at every axis point of every funnel, one Poisson search per line."""
    out = pd.DataFrame({"observed_events" if statistic == "ratio" else "events": axis})
    # The search depends on the event count alone, and funnels share most of their axis points.
    distinct, where = np.unique(axis, return_inverse=True)
    for name, p in _FUNNELS:
        for bound, side in (("lower", "high"), ("upper", "low")):
            expected = poisson_funnel(distinct, p, side)[where]
            if statistic == "ratio":
                ratio = axis / expected
                out[f"{bound}_{name}_exp_events"] = expected
                out[f"{bound}_{name}_limit"] = ratio * 100 if ratio_type == "isr" else ratio - 1
            else:
                assert years_of_data is not None
                population = expected / average
                out[f"{bound}_{name}_population_1_year"] = population / years_of_data
                out[f"{bound}_{name}_limit"] = axis / population * multiplier
    if statistic == "ratio":
        out["statistic"] = f"ratio ({ratio_type})"
    else:
        out["baseline"] = average * multiplier
        out["statistic"] = f"rate ({rate_type} per {multiplier:,.0f})"
    out["method"] = "Poisson"
    return out


def calculate_funnel_limits(
    statistic: Statistic,
    numerator: ArrayLike,
    denominator: ArrayLike | None = None,
    rate: ArrayLike | None = None,
    *,
    multiplier: float,
    ratio_type: Literal["count", "isr"] | None = None,
    rate_type: Literal["dsr", "crude"] | None = None,
    years_of_data: float | None = None,
    groups: ArrayLike | None = None,
) -> pd.DataFrame:
    """The lines of a funnel plot: 100 axis points and the 95% ("2s") and 99.8% ("3s") limits at each.

    PHE ``calculate_funnel_limits``. 'proportion': numerator/denominator (Wilson, via ``pipelines.methods.proportion_funnels``).
    'ratio': numerator = observed, denominator = expected; needs ``ratio_type``. 'rate': numerator = events,
    ``rate`` per ``multiplier`` (and the denominator where a crude rate has 0 events); needs ``rate_type``
    and ``years_of_data``. With ``groups`` there is one funnel (100 rows) per group, labelled in a ``group``
    column, each around its own average.
    """
    num = _as_array(numerator)
    assert num is not None
    den = _as_array(denominator)
    rates = _as_array(rate)
    if statistic == "proportion":
        if den is None:
            raise ValueError("the following arguments are required for proportions: numerator, denominator")
        if np.isnan(num).any() or np.isnan(den).any():
            raise ValueError(
                "for proportions, numerators and denominators must be provided for all records, even when zero"
            )
    elif statistic == "ratio":
        if den is None or ratio_type not in ("count", "isr"):
            raise ValueError(
                "ratios need the numerator, the denominator (expected) and ratio_type 'count' or 'isr'"
            )
    elif statistic == "rate":
        if rate_type not in ("dsr", "crude") or years_of_data is None:
            raise ValueError("rates need rate_type 'dsr' or 'crude' and years_of_data")
        _check_rate_inputs(num, rates, den)
    else:
        raise ValueError("statistic must be 'proportion', 'ratio' or 'rate'")
    codes, labels = _group_index(groups, num.size)

    def pick(a: NDArray[np.float64] | None, code: int) -> NDArray[np.float64] | None:
        return None if a is None else a[codes == code]

    if statistic == "proportion":
        assert den is not None
        frames = [
            _proportion_funnel(num[codes == c], den[codes == c], multiplier) for c in range(len(labels))
        ]
        sizes = [len(f) for f in frames]
        out = pd.concat(frames, ignore_index=True)
    else:
        # Axes per funnel, then one Poisson search per line over all funnels' points together.
        axes = [
            _poisson_axis(
                statistic, num[codes == c], pick(den, c), pick(rates, c), multiplier, rate_type, years_of_data
            )
            for c in range(len(labels))
        ]
        sizes = [len(axis) for axis, _ in axes]
        out = _poisson_limits(
            statistic,
            np.concatenate([axis for axis, _ in axes]),
            np.repeat([average for _, average in axes], sizes),
            multiplier,
            ratio_type,
            rate_type,
            years_of_data,
        )
    if groups is not None:
        out.insert(0, "group", np.repeat(np.asarray(labels, dtype=object), sizes))
    return out


def assign_funnel_significance(
    statistic: Statistic,
    numerator: ArrayLike,
    denominator: ArrayLike | None = None,
    rate: ArrayLike | None = None,
    *,
    rate_type: Literal["dsr", "crude"] | None = None,
    multiplier: float | None = None,
    groups: ArrayLike | None = None,
) -> NDArray[np.str_]:
    """Where each record falls on its funnel (PHE ``assign_funnel_significance``), one label per record.

    'ratio': numerator observed, denominator expected; 'High' when the ratio's exact/Byar lower limit is above
    1, 'Low' when its upper limit is below 1 (0.001 = outside 99.8%, 0.025 = outside 95% only). 'rate': the
    record's events over its implied population against the group's average rate, the same limits; DSRs on
    fewer than 10 events are 'Not applicable for events less than 10 for dsrs'. 'proportion':
    ``pipelines.methods.proportion_funnels.funnel_significance`` around the group's pooled proportion. With ``groups`` each
    record is compared with its own group's average.
    """
    num = _as_array(numerator)
    assert num is not None
    den = _as_array(denominator)
    rates = _as_array(rate)
    if np.any(num < 0):
        raise ValueError("numerators must be greater than or equal to zero")
    if den is not None and np.any(den <= 0):
        raise ValueError("denominators must be greater than zero")
    codes, labels = _group_index(groups, num.size)
    out = np.full(num.shape, "Not significant", dtype=object)

    if statistic == "proportion":
        if den is None:
            raise ValueError("proportions need numerator and denominator")
        for code in range(len(labels)):
            pick = codes == code
            out[pick] = funnel_significance(num[pick], den[pick])
        return out.astype(str)

    if statistic == "ratio":
        if den is None:
            raise ValueError("ratios need numerator (observed) and denominator (expected)")
        compare_to = np.ones(num.shape)
        scale = den
    elif statistic == "rate":
        if rate_type not in ("dsr", "crude") or multiplier is None:
            raise ValueError("rates need rate_type 'dsr' or 'crude' and multiplier")
        _check_rate_inputs(num, rates, den)
        assert rates is not None
        scale = _derived_denominator(num, rates, den, rate_type, multiplier)
        events = np.bincount(codes, weights=num)
        people = np.bincount(codes, weights=np.nan_to_num(scale, nan=0.0))
        compare_to = (events / people)[codes]
    else:
        raise ValueError("statistic must be 'proportion', 'ratio' or 'rate'")

    with np.errstate(divide="ignore", invalid="ignore"):
        lo3, hi3 = (np.asarray(v) / scale for v in byar_interval(num, 0.998))
        lo2, hi2 = (np.asarray(v) / scale for v in byar_interval(num, 0.95))
    # Outer funnel first, as PHE's case_when; a comparison with NaN is False, leaving 'Not significant'.
    out[:] = np.select(
        [compare_to < lo3, compare_to < lo2, compare_to > hi3, compare_to > hi2],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        default="Not significant",
    )
    if statistic == "rate" and rate_type == "dsr":
        out[num < 10] = NOT_APPLICABLE_DSR
    return out.astype(str)


def calculate_funnel_points(
    numerator: ArrayLike,
    rate: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    rate_type: Literal["dsr", "crude"],
    years_of_data: float,
    multiplier: float,
) -> pd.DataFrame:
    """Where each area's dot goes on a rate funnel (PHE ``calculate_funnel_points``).

    Returns ``rate_chart`` (the rate; none for a DSR on fewer than 10 events) and ``denominator_derived``, the
    implied population per year (multiplier·O/rate/years; the given denominator/years for a crude rate of 0).
    """
    num = np.atleast_1d(np.asarray(numerator, dtype=float))
    rates = np.atleast_1d(np.asarray(rate, dtype=float))
    den = _as_array(denominator)
    if np.any(num == 0) and (den is None or np.any((num == 0) & ~(den > 0))):
        raise ValueError("for rates, where there are 0 events for a record, the denominator must be provided")
    with np.errstate(divide="ignore", invalid="ignore"):
        implied = multiplier * num / rates / years_of_data
    if rate_type == "dsr":
        small = num < 10
        return pd.DataFrame(
            {
                "rate_chart": np.where(small, np.nan, rates),
                "denominator_derived": np.where(small, np.nan, implied),
            }
        )
    if rate_type == "crude":
        derived = implied if den is None else np.where(num == 0, den / years_of_data, implied)
        return pd.DataFrame({"rate_chart": rates, "denominator_derived": derived})
    raise ValueError("rate_type must be 'dsr' or 'crude'")


def funnel_judgement(
    significance: ArrayLike, polarity: object | ArrayLike, level: float = 0.998
) -> NDArray[np.str_]:
    """PHE funnel labels → 'better' / 'worse' / 'similar' / 'not compared', given the measure's polarity.

    ``level`` 0.998 (default) judges only records outside the 99.8% funnel (labels '(0.001)'); 0.95 also those
    outside the 95% funnel ('(0.025)'). Polarity: 'higher is better' / 'lower is better' / 'no judgement' or
    ``higher_is_better`` True / False / None; with no judgement (e.g. theme shares) nothing is compared.
    Labels other than PHE's (e.g. not applicable for small DSRs) are 'not compared'.
    """
    if level not in (0.95, 0.998):
        raise ValueError("level must be 0.95 or 0.998 (the two funnels)")
    s = pd.Series(np.atleast_1d(np.asarray(significance, dtype=object))).astype(str)
    direction = {"High (0.001)": 1.0, "Low (0.001)": -1.0, "Not significant": 0.0}
    direction |= (
        {"High (0.025)": 1.0, "Low (0.025)": -1.0}
        if level == 0.95
        else {"High (0.025)": 0.0, "Low (0.025)": 0.0}
    )
    d = s.map(direction).to_numpy(dtype=float)  # anything else → NaN → 'not compared'
    return judge(d, polarity)
