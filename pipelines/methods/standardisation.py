"""Age standardisation: directly standardised rates (DSR) and indirectly standardised ratios (ISR).

Both follow the R package PHEindicatormethods (OHID; github.com/dhsc-govuk/PHEindicatormethods, v2.1.0,
``R/DSR.R`` ``calculate_dsr`` and ``R/ISRatio.R`` ``calculate_ISRatio``), so a practice with a young or an old
list can be compared with others without its age mix deciding the answer:

- **DSR** (direct): Σ(xᵢ/nᵢ·wᵢ)/Σwᵢ × multiplier with the European Standard Population 2013 as w (packaged
  here as ``esp2013.csv``), Dobson et al. (1991) limits: value + √(var/X)·(Byar(X) − X)·multiplier, X the total
  count and var = Σ xᵢ(wᵢ/nᵢ)² / (Σwᵢ)². Suppressed (NaN) where X < 10, as PHE does. Events that can repeat
  for one person (complaints) can widen the limits by event frequency, PHE's non-independent-events option.
- **ISR** (indirect): observed / expected × refvalue, expected = Σ nᵢ · (reference rate)ᵢ, limits from the
  observed count (exact Poisson below 10, Byar from 10; ``pipelines.methods.intervals.byar_interval``) over expected.

Everything is one pass of grouped sums, so thousands of areas cost no more than one.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from pandas.api.typing import DataFrameGroupBy

from pipelines.methods.intervals import byar_interval, byars_lower, byars_upper
from pipelines.methods.levels import DEFAULT_LEVELS, level_tag, levels

__all__ = ["calculate_dsr", "calculate_isratio", "esp2013", "esp2013_band"]

ESP2013_CSV = Path(__file__).with_name("esp2013.csv")


@cache
def _esp2013() -> pd.DataFrame:
    return pd.read_csv(ESP2013_CSV, dtype={"age_band": str, "age_from": int, "standard_population": int})


def esp2013() -> pd.DataFrame:
    """The European Standard Population 2013 in 19 five-year bands (0-4 … 85-89, 90+), total 100,000.

    Columns ``age_band``, ``age_from``, ``age_to`` (NaN for 90+), ``standard_population``. Source: Eurostat,
    "Revision of the European Standard Population: report of Eurostat's task force", 2013 edition (the 0 and
    1-4 bands, 1,000 and 4,000, are summed as PHE's ``esp2013`` vector does).
    """
    return _esp2013().copy()


def esp2013_band(age_from: ArrayLike) -> NDArray[np.object_]:
    """The ESP 2013 band holding each age (or a narrower band's lower age): 0-4, 5-9, …, 90+.

    For mapping population files onto the standard, e.g. NHS Digital's quinary 90-94 and 95+ both land in 90+.
    Missing or negative ages give None.
    """
    age = np.asarray(age_from, dtype=float)
    bands = _esp2013()["age_band"].to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        index = np.clip(np.floor(age / 5), 0, len(bands) - 1)
    ok = np.isfinite(age) & (age >= 0)
    out = np.full(age.shape, None, dtype=object)
    out[ok] = bands[index[ok].astype(int)]
    return out


def _grouped(frame: pd.DataFrame, by: Sequence[str]) -> DataFrameGroupBy:
    """Group by ``by`` (all rows together when empty), keeping first-seen order and missing keys."""
    if by:
        return frame.groupby(list(by), sort=False, dropna=False)
    return frame.groupby(np.zeros(len(frame), dtype=int), sort=False)


def _finish(result: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    return result.reset_index(drop=not by)


def _dsr_sums(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """total_count, total_pop, Σ x·w/n, Σw and Σ x·(w/n)² per group (PHE's dsr_inner summarise step)."""
    x0 = frame["_x"].fillna(0.0)  # PHE na.zero: a missing count in one band contributes nothing
    ratio = frame["_w"] / frame["_n"]
    work = pd.DataFrame(
        {
            "total_count": frame["_x"],
            "total_pop": frame["_n"],
            "_wt": x0 * ratio,
            "_sw": frame["_w"],
            "_sq": x0 * ratio**2,
        }
    )
    for col in by:
        work[col] = frame[col].to_numpy()
    return _grouped(work, by)[["total_count", "total_pop", "_wt", "_sw", "_sq"]].sum(min_count=0)


def calculate_dsr(
    data: pd.DataFrame,
    *,
    x: str,
    n: str,
    stdpop: str,
    by: Sequence[str] = (),
    confidence: float | Sequence[float] = DEFAULT_LEVELS,
    multiplier: float = 100_000,
    independent_events: bool = True,
    eventfreq: str | None = None,
    ageband: str | None = None,
) -> pd.DataFrame:
    """Directly age-standardised rates with Dobson limits, one row per group of ``by`` (PHE ``calculate_dsr``).

    ``data`` has one row per group × age band with the count ``x`` (NaN counts as 0, as PHE), the population
    ``n`` (> 0, no gaps) and the standard population ``stdpop`` (e.g. from :func:`esp2013`). Returns ``by``,
    ``total_count``, ``total_pop``, ``value`` and ``lower_<l>`` / ``upper_<l>`` for each level (default
    ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``), ``confidence``, ``statistic``, ``method``. A group
    with fewer than 10 events gets NaN value and limits and the statistic "dsr NA for total count < 10".

    Non-independent events (``independent_events=False``): each row counts the *people* ``x`` who had
    ``eventfreq`` events in an age band (``ageband``). The rate uses all events (Σ f·x); the variance is
    Σ_f f²·var_f, var_f the Dobson variance of the people with frequency f, which widens the limits (PHE
    method, Fingertips technical guidance DSR chapter).
    """
    confs = levels(confidence)
    if any(not 0.9 <= c < 1 for c in confs):
        raise ValueError("confidence level must be between 90 and 100 or between 0.9 and 1")
    if multiplier <= 0:
        raise ValueError("multiplier must be greater than 0")
    missing = [c for c in (x, n, stdpop, *by) if c not in data.columns]
    if missing:
        raise KeyError(f"not columns of data: {missing}")
    frame = pd.DataFrame(
        {
            "_x": pd.to_numeric(data[x], errors="raise").astype(float),
            "_n": pd.to_numeric(data[n], errors="raise").astype(float),
            "_w": pd.to_numeric(data[stdpop], errors="raise").astype(float),
        },
        index=data.index,
    )
    for col in by:
        frame[col] = data[col]
    if frame["_n"].isna().any():
        raise ValueError("field n cannot have missing values")
    if frame["_w"].isna().any():
        raise ValueError("field stdpop cannot have missing values")
    if (frame["_x"] < 0).any():
        raise ValueError("numerators must all be greater than or equal to zero")
    if (frame["_n"] <= 0).any():
        raise ValueError("denominators must all be greater than zero")
    if (frame["_w"] < 0).any():
        raise ValueError("stdpop must all be greater than or equal to zero")

    if independent_events:
        sums = _dsr_sums(frame, by)
        vardsr = sums["_sq"] / sums["_sw"] ** 2
        method = "Dobson"
    else:
        if eventfreq is None or ageband is None:
            raise ValueError("independent_events=False needs the eventfreq and ageband columns")
        freq = pd.to_numeric(data[eventfreq], errors="raise").astype(float)
        if freq.isna().any():
            raise ValueError("eventfreq field must not have any missing values")
        if data[ageband].isna().any():
            raise ValueError("ageband field must not have any missing values")
        frame["_f"] = freq
        frame["_band"] = data[ageband]
        # One population and one standard population per group and age band, whatever the frequency.
        spread = _grouped(frame, [*by, "_band"])[["_n", "_w"]].nunique()
        if (spread > 1).any().any():
            raise ValueError(
                "There are rows with the same grouping variables and ageband but with different "
                "populations (n) or standard populations (stdpop)"
            )
        per_freq = _dsr_sums(frame, [*by, "_f"]).reset_index()
        per_freq["_var"] = per_freq["_sq"] / per_freq["_sw"] ** 2 * per_freq["_f"] ** 2
        custom_var = _grouped(per_freq, by)["_var"].sum()
        events = frame.assign(_x=frame["_x"] * frame["_f"])
        events = _grouped(events, [*by, "_band"]).agg(
            _x=("_x", "sum"), _n=("_n", "first"), _w=("_w", "first")
        )
        events = events.reset_index()
        sums = _dsr_sums(events, by)
        vardsr = custom_var.reindex(sums.index)
        method = "Dobson, with confidence adjusted for non-independent events"

    total = sums["total_count"].to_numpy(dtype=float)
    value = (sums["_wt"] / sums["_sw"] * multiplier).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread_per_event = np.sqrt(vardsr.to_numpy(dtype=float) / total) * multiplier
    small = ~(total >= 10)  # also NaN
    out = pd.DataFrame(
        {"total_count": total, "total_pop": sums["total_pop"].to_numpy(dtype=float)}, index=sums.index
    )
    out["value"] = np.where(small, np.nan, value)
    for c in confs:
        tag = level_tag(c)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = value + spread_per_event * (np.asarray(byars_lower(total, c)) - total)
            hi = value + spread_per_event * (np.asarray(byars_upper(total, c)) - total)
        out[f"lower_{tag}"] = np.where(small, np.nan, lo)
        out[f"upper_{tag}"] = np.where(small, np.nan, hi)
    out["confidence"] = ", ".join(f"{c * 100:g}%" for c in confs)
    out["statistic"] = np.where(small, "dsr NA for total count < 10", f"dsr per {multiplier:g}")
    out["method"] = method
    return _finish(out, by)


def calculate_isratio(
    data: pd.DataFrame,
    *,
    x: str | None,
    n: str,
    x_ref: str,
    n_ref: str,
    by: Sequence[str] = (),
    reference: pd.DataFrame | None = None,
    on: str | Sequence[str] | None = None,
    observed_totals: pd.DataFrame | None = None,
    confidence: float | Sequence[float] = DEFAULT_LEVELS,
    refvalue: float = 1.0,
) -> pd.DataFrame:
    """Indirectly standardised ratios, observed / expected × ``refvalue`` (PHE ``calculate_ISRatio``).

    ``data`` has one row per group × age band with the population ``n``. Reference counts ``x_ref`` and
    populations ``n_ref`` per age band are either columns of ``data`` or come from ``reference`` joined on
    ``on`` (e.g. the age-band column); every row must find its reference. expected = Σ n·x_ref/n_ref (NaN
    reference counts and populations count as 0, as PHE). Observed events are Σ ``x`` per group, or, when
    only totals exist (e.g. complaints per practice without ages), the ``x`` column of ``observed_totals``
    joined on ``by``. Limits: exact Poisson below 10 observed events, Byar from 10 (``method`` says which),
    over expected, × refvalue. Returns ``by``, ``observed``, ``expected``, ``value``, ``lower_<l>``/``upper_<l>``,
    ``confidence``, ``statistic``, ``method``.
    """
    confs = levels(confidence)
    if any(not 0.9 <= c < 1 for c in confs):
        raise ValueError("confidence level must be between 90 and 100 or between 0.9 and 1")
    frame = data
    if reference is not None:
        if on is None:
            raise ValueError("reference needs `on`, the column(s) it shares with data (e.g. the age band)")
        keys = [on] if isinstance(on, str) else list(on)
        if reference.duplicated(keys).any():
            raise ValueError(f"reference has more than one row per {keys}")
        frame = data.merge(reference[[*keys, x_ref, n_ref]], on=keys, how="left", validate="many_to_one")
        if frame[n_ref].isna().any():
            raise ValueError(f"some rows of data find no reference population on {keys}")
    for col in (n, x_ref, n_ref, *by):
        if col not in frame.columns:
            raise KeyError(f"{col!r} is not a column of data (or reference)")
    pop = pd.to_numeric(frame[n], errors="raise").astype(float)
    if (pop < 0).any():
        raise ValueError("denominators must all be greater than or equal to zero")
    ref_x = pd.to_numeric(frame[x_ref], errors="raise").astype(float).fillna(0.0)
    ref_n = pd.to_numeric(frame[n_ref], errors="raise").astype(float)
    work = pd.DataFrame({"expected": ref_x / ref_n * pop.fillna(0.0)}, index=frame.index)
    for col in by:
        work[col] = frame[col].to_numpy()
    if observed_totals is None:
        if x is None or x not in frame.columns:
            raise KeyError("x is not in data")
        observed = pd.to_numeric(frame[x], errors="raise").astype(float)
        if (observed < 0).any():
            raise ValueError("numerators must all be greater than or equal to zero")
        work["observed"] = observed.fillna(0.0)  # PHE sums with na.rm
        sums = _grouped(work, by)[["observed", "expected"]].sum()
    else:
        if x is None or x not in observed_totals.columns:
            raise KeyError("observed_totals is provided but x is not a field name in it")
        if (pd.to_numeric(observed_totals[x]) < 0).any():
            raise ValueError("numerators must all be greater than or equal to zero")
        sums = _grouped(work, by)[["expected"]].sum()
        if by:
            totals = observed_totals.set_index(list(by))[x].astype(float)
            if totals.index.duplicated().any():
                raise ValueError("observed_totals has more than one row per group")
            sums["observed"] = totals.reindex(sums.index).to_numpy()
        else:
            if len(observed_totals) != 1:
                raise ValueError("without `by`, observed_totals must have exactly one row")
            sums["observed"] = float(observed_totals[x].iloc[0])
    obs = sums["observed"].to_numpy(dtype=float)
    exp = sums["expected"].to_numpy(dtype=float)
    out = pd.DataFrame({"observed": obs, "expected": exp}, index=sums.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = obs / exp * refvalue
        for c in confs:
            lo, hi = byar_interval(obs, c)
            tag = level_tag(c)
            out[f"lower_{tag}"] = np.asarray(lo) / exp * refvalue
            out[f"upper_{tag}"] = np.asarray(hi) / exp * refvalue
    out["confidence"] = ", ".join(f"{c * 100:g}%" for c in confs)
    out["statistic"] = f"indirectly standardised ratio x {refvalue:g}"
    out["method"] = np.where(obs < 10, "Exact", "Byars")
    return _finish(out, by)
