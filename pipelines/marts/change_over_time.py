"""Change over time in the marts: each row against its previous and earliest comparable period, the recent
trend, and whether a deprivation gradient is widening.

A *comparable series* is one geography, metric, source, dimension and group, in periods of one kind
(survey years with survey years, months with months) and one survey series: GPPS 2017-2023 and 2024+ are
different series (the 2024 questionnaire redesign), so nothing here is ever compared across that break. Only
published values are compared: a suppressed row gets no change, and is never the period a later row is
compared with (the row before it that was published is). The statistics are those of
``pipelines.methods.change``; this module only lines up the rows, all series at once (sort, then shift by
position within a series: no loop over rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipelines.methods.change import (
    TREND_POINTS,
    gap_change,
    proportion_change,
    rate_change,
    recent_trend,
    recent_trend_from_intervals,
    trend_with_polarity,
)

# What makes two rows of marts.metric_by_group points of one comparable series.
SERIES_KEY = [
    "geography_level",
    "geography_code",
    "boundaries",  # a series on today's boundaries continues across CCG mergers; one at the time does not
    "metric_id",
    "source",
    "series",
    "period_kind",
    "dimension",
    "group_value",
]
RATE_SUFFIX = "_per_10k"
RATE_MULTIPLIER = 10_000
LEVELS = (0.95, 0.998)

# The change columns of marts.metric_by_group, in contract order (descriptions: schemas/tables/marts). Text as
# pandas "string" and flags as "boolean", so a build with nothing to compare still writes VARCHAR and BOOLEAN.
CHANGE_COLUMNS: dict[str, str] = {
    "previous_period": "string",
    "change_from_previous": "float64",
    "change_from_previous_lower_95": "float64",
    "change_from_previous_upper_95": "float64",
    "change_from_previous_significant_95": "boolean",
    "change_from_previous_significant_998": "boolean",
    "earliest_period": "string",
    "change_from_earliest": "float64",
    "change_from_earliest_lower_95": "float64",
    "change_from_earliest_upper_95": "float64",
    "change_from_earliest_significant_95": "boolean",
    "change_from_earliest_significant_998": "boolean",
    "recent_trend": "string",
    "recent_trend_from": "string",
}


def _empty_change(index: pd.Index) -> dict[str, pd.Series]:
    return {
        c: pd.Series(pd.NA if t == "boolean" else None, index=index, dtype=t)
        for c, t in CHANGE_COLUMNS.items()
    }


def _years(period_start: pd.Series) -> NDArray[np.float64]:
    """Period starts as years (2023.0 = 1 January 2023), the time axis of the trend slopes."""
    days = pd.to_datetime(period_start).to_numpy(dtype="datetime64[D]").astype(np.int64)
    return 1970.0 + days / 365.25


def _comparable_points(frame: pd.DataFrame) -> pd.DataFrame:
    """The published rows that can be compared, sorted by series and period, with their series number and
    position. A series holding two rows for one period (which the marts never build) is left uncompared."""
    rate = frame["metric_id"].astype(str).str.endswith(RATE_SUFFIX).to_numpy()
    usable = (~frame["suppressed"].astype(bool) & frame["value"].notna()).to_numpy() & np.where(
        rate,
        (frame["numerator"].notna() & (frame["denominator"] > 0)).to_numpy(),
        (frame["n_eff"] > 0).to_numpy(),
    )
    points = frame.loc[usable, [*SERIES_KEY, "period", "period_start", "value", "n_eff", "numerator",
                                "denominator", "lower_95", "upper_95", "higher_is_better"]].copy()  # fmt: skip
    points["_rate"] = rate[usable]
    points["_t"] = _years(points["period_start"])
    points = points.sort_values([*SERIES_KEY, "_t"], kind="mergesort")
    points["_series"] = points.groupby(SERIES_KEY, sort=False, dropna=False).ngroup().to_numpy()
    repeated = points.duplicated(["_series", "_t"], keep=False)
    repeated = repeated.groupby(points["_series"]).transform("any")
    points = points[~repeated.to_numpy()].copy()
    points["_position"] = points.groupby("_series").cumcount().to_numpy()
    return points


def _change(points: pd.DataFrame, then: NDArray[np.int64], now: NDArray[np.int64]) -> pd.DataFrame:
    """Change from row ``then`` to row ``now`` of ``points`` (positions): proportions by the z-test on n_eff,
    rates per 10,000 by Byar limits combined by MOVER (significant when the interval excludes 0)."""
    columns = ["change", "lower_95", "upper_95", "significant_95", "significant_998"]
    out = pd.DataFrame({c: np.full(len(now), np.nan) for c in columns[:3]})
    for c in columns[3:]:
        out[c] = np.zeros(len(now), dtype=bool)
    rate = points["_rate"].to_numpy()[now]
    for is_rate in (False, True):
        chosen = np.flatnonzero(rate == is_rate)
        if not len(chosen):
            continue
        a, b = points.iloc[then[chosen]], points.iloc[now[chosen]]
        if is_rate:
            result = rate_change(
                a["numerator"].to_numpy(), a["denominator"].to_numpy(),
                b["numerator"].to_numpy(), b["denominator"].to_numpy(),
                multiplier=RATE_MULTIPLIER, confidence=LEVELS, method="byar",
            )  # fmt: skip
        else:
            result = proportion_change(a["value"], a["n_eff"], b["value"], b["n_eff"], confidence=LEVELS)
        for c in columns:
            out.loc[chosen, c] = result[c].to_numpy()
    return out


def _assign(result: dict[str, pd.Series], rows: pd.Index, prefix: str, change: pd.DataFrame) -> None:
    """Write one comparison's change, interval and flags into the result columns at ``rows``."""
    result[prefix].loc[rows] = change["change"].to_numpy(dtype=float)
    for tag in ("lower_95", "upper_95"):
        result[f"{prefix}_{tag}"].loc[rows] = change[tag].to_numpy(dtype=float)
    for tag in ("significant_95", "significant_998"):
        valid = ~np.isnan(change["change"].to_numpy(dtype=float))
        flags = pd.array(np.where(valid, change[tag].astype(bool), False), dtype="boolean")
        flags[~valid] = pd.NA
        result[f"{prefix}_{tag}"].loc[rows] = flags


def _trend(points: pd.DataFrame) -> tuple[NDArray[np.int64], NDArray[np.object_], NDArray[np.object_]]:
    """The Fingertips recent trend as of every point with four comparable points before it: (row positions,
    trend wording with polarity, first period of the five)."""
    position = points["_position"].to_numpy()
    ends = np.flatnonzero(position >= TREND_POINTS - 1)
    if not len(ends):
        return ends, np.array([], dtype=object), np.array([], dtype=object)
    # One window of five rows per end point, as a long frame keyed by window: every window tested at once.
    offsets = np.arange(-(TREND_POINTS - 1), 1)
    take = (ends[:, None] + offsets[None, :]).ravel()
    window = np.repeat(np.arange(len(ends)), TREND_POINTS)
    rows = points.iloc[take]
    long = pd.DataFrame({
        "_window": window, "_t": rows["_t"].to_numpy(), "value": rows["value"].to_numpy(),
        "x": (rows["value"] * rows["n_eff"]).to_numpy(), "n": rows["n_eff"].to_numpy(),
        "lower_95": rows["lower_95"].to_numpy(), "upper_95": rows["upper_95"].to_numpy(),
    })  # fmt: skip
    rate = points["_rate"].to_numpy()[ends]
    trend = np.empty(len(ends), dtype=object)
    for is_rate in (False, True):
        chosen = np.flatnonzero(rate == is_rate)
        if not len(chosen):
            continue
        block = long[np.isin(long["_window"].to_numpy(), chosen)]
        if is_rate:
            # Rates: weighted regression on the published Byar limits.
            tested = recent_trend_from_intervals(block, key=["_window"], time="_t", value="value",
                                                 lower_95="lower_95", upper_95="upper_95")  # fmt: skip
        else:
            # Proportions: the chi-square test for trend on p·n_eff of n_eff (counts: the published counts).
            tested = recent_trend(block, key=["_window"], time="_t", numerator="x", denominator="n")
        trend[tested["_window"].to_numpy()] = tested["trend"].to_numpy()
    polarity = points["higher_is_better"].to_numpy(dtype=object)[ends]
    worded = trend_with_polarity(trend, polarity)
    first = points["period"].to_numpy(dtype=object)[take.reshape(-1, TREND_POINTS)[:, 0]]
    return ends, worded.astype(object), first


def with_change_over_time(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (rows of marts.metric_by_group, typed periods and disclosure control done) with the change
    columns (``CHANGE_COLUMNS``).

    For each published row with an earlier published row in its comparable series (``SERIES_KEY``):
    ``previous_period`` and the change from it, ``earliest_period`` and the change from that, each with its
    95% interval and significance at 95% and 99.8% (proportions: two-sample z-test on n_eff; rates per
    10,000: Byar limits combined by MOVER); and, where the row ends five comparable points, the Fingertips
    recent trend over those five in words that follow the measure's polarity.
    """
    result = _empty_change(frame.index)
    if frame.empty:
        return frame.assign(**result)
    points = _comparable_points(frame)
    position = points["_position"].to_numpy()
    now = np.flatnonzero(position > 0)
    previous = now - 1
    earliest = now - position[now]
    rows = points.index[now]
    periods = points["period"].to_numpy(dtype=object)
    result["previous_period"].loc[rows] = periods[previous]
    result["earliest_period"].loc[rows] = periods[earliest]
    _assign(result, rows, "change_from_previous", _change(points, previous, now))
    _assign(result, rows, "change_from_earliest", _change(points, earliest, now))
    # Every published row has a trend: the five-point test where there are five points, else it cannot be
    # calculated (Fingertips' wording); suppressed rows have none.
    result["recent_trend"].loc[points.index] = "cannot be calculated"
    ends, worded, first = _trend(points)
    result["recent_trend"].loc[points.index[ends]] = worded
    tested = worded != "cannot be calculated"
    result["recent_trend_from"].loc[points.index[ends[tested]]] = first[tested]
    return frame.assign(**result)


# --------------------------------------------------------------------------------------------
# Deprivation gradient over time
# --------------------------------------------------------------------------------------------

GRADIENT_KEY = [
    "geography_level",
    "geography_code",
    "boundaries",
    "metric_id",
    "source",
    "quintile_basis",
    "series",
    "period_kind",
]

GRADIENT_CHANGE_COLUMNS: dict[str, str] = {
    "previous_period": "string",
    "sii_change": "float64",
    "sii_change_lower_95": "float64",
    "sii_change_upper_95": "float64",
    "sii_change_significant_95": "boolean",
    "sii_change_significant_998": "boolean",
    "rii_change": "float64",
    "rii_change_significant_998": "boolean",
    "gap_trend": "string",
}


def with_gradient_change(gradient: pd.DataFrame) -> pd.DataFrame:
    """``gradient`` (rows of marts.deprivation_gradient with ``series`` and typed periods) with the change
    in its SII and RII since the previous comparable period (same geography, metric, source, quintile basis, survey
    series and period kind): ``gap_trend`` is 'widening' / 'narrowing' / 'no significant change' at 99.8%
    on the SII (``pipelines.methods.change.gap_change``; 'reversed' when the gap changed sides), NULL
    where there is no earlier comparable period."""
    out = gradient.copy()
    for column, dtype in GRADIENT_CHANGE_COLUMNS.items():
        out[column] = pd.Series(pd.NA if dtype == "boolean" else None, index=out.index, dtype=dtype)
    if out.empty:
        return out
    ordered = out.assign(_t=_years(out["period_start"])).sort_values([*GRADIENT_KEY, "_t"], kind="mergesort")
    series = ordered.groupby(GRADIENT_KEY, sort=False, dropna=False).ngroup().to_numpy()
    now = np.flatnonzero(np.r_[False, series[1:] == series[:-1]])
    if not len(now):
        return out
    a, b = ordered.iloc[now - 1], ordered.iloc[now]
    rows = ordered.index[now]
    sii = gap_change(a["sii"], a["sii_lower_95"], a["sii_upper_95"], b["sii"], b["sii_lower_95"],
                     b["sii_upper_95"], measure="sii")  # fmt: skip
    rii = gap_change(a["rii"], a["rii_lower_95"], a["rii_upper_95"], b["rii"], b["rii_lower_95"],
                     b["rii_upper_95"], measure="rii")  # fmt: skip
    out.loc[rows, "previous_period"] = a["period"].to_numpy()
    out.loc[rows, "sii_change"] = sii["change"].to_numpy()
    out.loc[rows, "sii_change_lower_95"] = sii["lower_95"].to_numpy()
    out.loc[rows, "sii_change_upper_95"] = sii["upper_95"].to_numpy()
    usable = sii["gap_trend"].to_numpy() != "cannot be calculated"
    for column, values in (("sii_change_significant_95", sii["significant_95"]),
                           ("sii_change_significant_998", sii["significant_998"])):  # fmt: skip
        flags = pd.array(values.to_numpy(dtype=bool), dtype="boolean")
        flags[~usable] = pd.NA
        out.loc[rows, column] = flags
    out.loc[rows, "rii_change"] = rii["change"].to_numpy()
    rii_flags = pd.array(rii["significant_998"].to_numpy(dtype=bool), dtype="boolean")
    rii_flags[rii["gap_trend"].to_numpy() == "cannot be calculated"] = pd.NA
    out.loc[rows, "rii_change_significant_998"] = rii_flags
    out.loc[rows, "gap_trend"] = np.where(sii["reversed"].to_numpy(), "reversed", sii["gap_trend"].to_numpy())
    return out
