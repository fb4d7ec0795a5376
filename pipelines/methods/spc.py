"""Statistical process control in the NHS "Making Data Count" style: XmR charts, special-cause rules, icons.

Follows NHS England / NHS Improvement "Making Data Count" (Strengthening your decisions, 2019, and the SPC
tool's "plot the dots" rules) as implemented by the NHS-R Community package NHSRplotthedots
(github.com/nhs-r-community/NHSRplotthedots, ``R/ptd_spc_standard.R`` and ``R/ptd_calculate_point_type.R``):

- **XmR limits**: centre line = mean of the values; moving range MRₜ = |xₜ − xₜ₋₁|; process limits = mean
  ± 2.66 × mean MR (2.66 = 3/d₂, d₂ = 1.128), the 2-sigma lines at ± (2/3) × 2.66 × mean MR. Optionally the
  limits come from the first ``baseline_points`` of a phase only (then are extended), are recalculated at
  every change of ``phase`` (a step change, new service…), and moving ranges ≥ 3.267 × mean MR are screened
  out before the limits are set (``screen_outliers``, as NHSRplotthedots).
- **Special-cause rules** (each phase on its own): a point outside the process limits; a shift, a run of
  ``shift_length`` (7) or more points on one side of the mean (a point on the mean breaks a run); a trend,
  ``trend_length`` (6) or more consecutive points each higher (or each lower) than the last (equal values break
  it); two out of three consecutive points beyond the same 2-sigma line (the Western Electric form: the two
  may be beyond the process limit as well).
- **Variation icon** per series, from its latest point: 'common cause', 'special cause improving',
  'special cause concerning', or 'special cause neither' where the measure has no better direction. A point's
  direction is its side of the mean (outside limits, shift, two of three) or, when only a trend flags it,
  the trend's direction.

Functions take a long DataFrame with a series key and do every series at once with grouped array
operations, for the thousands of series the marts chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pipelines.methods.polarity import polarity_sign

__all__ = ["LIMIT_FACTOR", "spc_summary", "xmr_chart"]

#: 3 / d₂ for moving ranges of two points (d₂ = 1.128): mean ± 2.66 × mean MR is the 3-sigma limit.
LIMIT_FACTOR = 2.66
#: NHSRplotthedots' screen for moving-range outliers: D₄ × mean MR (D₄ = 3.267 for n = 2).
MR_SCREEN_FACTOR = 3.267

COMMON = "common cause"
IMPROVING = "special cause improving"
CONCERNING = "special cause concerning"
NEITHER = "special cause neither"


def _runs(values: NDArray[np.float64], starts: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Length of the run each element belongs to; a run breaks where the value changes or ``starts`` is set."""
    same = np.r_[False, values[1:] == values[:-1]] & ~starts
    run_id = np.cumsum(~same)
    return np.bincount(run_id)[run_id]


def _shift_back(a: NDArray, k: int, segment: NDArray[np.int64], fill: object) -> NDArray:
    """a[i + k] where that element is in the same segment, else ``fill`` (a look-ahead for k > 0)."""
    out = np.full(a.shape, fill, dtype=a.dtype)
    n = len(a)
    if k > 0 and n > k:
        same = segment[k:] == segment[:-k]
        out[:-k] = np.where(same, a[k:], fill)
    elif k < 0 and n > -k:
        same = segment[:k] == segment[-k:]
        out[-k:] = np.where(same, a[:k], fill)
    return out


def _two_of_three(beyond: NDArray[np.bool_], segment: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Points beyond a 2-sigma line that are one of at least two such points in three consecutive ones."""
    b = beyond.astype(np.int64)
    # windows starting at j: b[j] + b[j+1] + b[j+2], only where all three points share j's segment
    nxt1, nxt2 = _shift_back(b, 1, segment, -10), _shift_back(b, 2, segment, -10)
    window_ok = (b + nxt1 + nxt2) >= 2  # a missing neighbour (-10) can never reach 2
    hit = window_ok | _shift_back(window_ok, -1, segment, False) | _shift_back(window_ok, -2, segment, False)
    return beyond & hit


def xmr_chart(
    data: pd.DataFrame,
    *,
    key: Sequence[str],
    time: str,
    value: str,
    phase: str | None = None,
    baseline_points: int | None = None,
    polarity: object | None = None,
    shift_length: int = 7,
    trend_length: int = 6,
    screen_outliers: bool = False,
) -> pd.DataFrame:
    """XmR chart of every series (``key``) over ``time``: limits, special-cause flags and variation per point.

    ``phase``: optional column; the limits are recalculated from the first point whose phase label differs
    from the one before. ``baseline_points``: set each phase's limits from its first n points only.
    ``polarity``: 'higher is better' / 'lower is better' / 'no judgement', ``higher_is_better``
    True/False/None, or the name of a column holding one per series. Rows with a missing value keep their
    period and limits but are never flagged; the moving range then spans the gap.

    Returns the rows of ``data`` (sorted by key and time) with ``phase_number`` (1, 2, … within a series),
    ``mean``, ``moving_range``, ``mean_moving_range``, ``lower_limit``, ``upper_limit``, ``lower_2_sigma``,
    ``upper_2_sigma``, the flags ``outside_limits``, ``shift``, ``trend``, ``two_of_three``,
    ``special_cause``, and ``variation`` ('common cause' / 'special cause improving' / 'special cause
    concerning' / 'special cause neither'; None for a missing value).
    """
    if shift_length < 2 or trend_length < 3:
        raise ValueError("shift_length must be at least 2 and trend_length at least 3")
    if baseline_points is not None and baseline_points < 2:
        raise ValueError("baseline_points must be at least 2 (a moving range needs two points)")
    needed = [*key, time, value] + ([phase] if phase else [])
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise KeyError(f"not columns of data: {missing}")
    rows = data.sort_values([*key, time], kind="stable").reset_index(drop=True)
    by = list(key) if key else np.zeros(len(rows), dtype=int)
    series = rows.groupby(by, sort=False, dropna=False).ngroup().to_numpy()
    if rows.duplicated([*key, time]).any():
        raise ValueError("each series may have only one value per period")
    series_start = np.r_[True, series[1:] != series[:-1]]
    if phase:
        label = rows[phase].astype(object).to_numpy()
        changed = np.r_[True, ~pd.Series(label[1:]).eq(pd.Series(label[:-1])).to_numpy()]
        phase_start = series_start | changed
    else:
        phase_start = series_start
    segment = np.cumsum(phase_start) - 1
    rows["phase_number"] = pd.Series(phase_start.astype(int)).groupby(series).cumsum().to_numpy()

    y_all = pd.to_numeric(rows[value], errors="raise").astype(float).to_numpy()
    present = ~np.isnan(y_all)
    # Rules and moving ranges run over the points that exist, in order.
    idx = np.flatnonzero(present)
    y, seg = y_all[idx], segment[idx]
    seg_start = np.r_[True, seg[1:] != seg[:-1]]
    position = pd.Series(np.ones(len(idx), dtype=int)).groupby(seg).cumsum().to_numpy() - 1
    in_baseline = position < (baseline_points if baseline_points is not None else np.iinfo(np.int64).max)

    mr = np.where(seg_start, np.nan, np.abs(np.diff(y, prepend=np.nan)))
    n_seg = int(segment.max()) + 1 if len(segment) else 0

    def seg_mean(v: NDArray[np.float64], use: NDArray[np.bool_]) -> NDArray[np.float64]:
        ok = use & ~np.isnan(v)
        total = np.bincount(seg[ok], weights=v[ok], minlength=n_seg)
        count = np.bincount(seg[ok], minlength=n_seg)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    centre = seg_mean(y, in_baseline)
    mr_base = np.where(in_baseline, mr, np.nan)
    amr = seg_mean(mr_base, np.ones(len(idx), dtype=bool))
    if screen_outliers:
        amr = seg_mean(
            np.where(mr_base < MR_SCREEN_FACTOR * amr[seg], mr_base, np.nan), np.ones(len(idx), dtype=bool)
        )

    mean_s, amr_s = centre[segment], amr[segment]
    rows["mean"] = mean_s
    rows["moving_range"] = np.nan
    rows.loc[idx, "moving_range"] = mr
    rows["mean_moving_range"] = amr_s
    rows["lower_limit"] = mean_s - LIMIT_FACTOR * amr_s
    rows["upper_limit"] = mean_s + LIMIT_FACTOR * amr_s
    rows["lower_2_sigma"] = mean_s - 2 / 3 * LIMIT_FACTOR * amr_s
    rows["upper_2_sigma"] = mean_s + 2 / 3 * LIMIT_FACTOR * amr_s

    lo, hi = rows["lower_limit"].to_numpy()[idx], rows["upper_limit"].to_numpy()[idx]
    lo2, hi2 = rows["lower_2_sigma"].to_numpy()[idx], rows["upper_2_sigma"].to_numpy()[idx]
    outside = (y > hi) | (y < lo)
    side = np.sign(y - centre[seg])
    shift = (side != 0) & (_runs(side, seg_start) >= shift_length)

    step = np.where(seg_start, 0.0, np.sign(np.diff(y, prepend=np.nan)))
    step_run = _runs(step, seg_start)
    trend_step = (step != 0) & (step_run >= trend_length - 1)  # k steps join k + 1 points
    trend_starts_here = _shift_back(trend_step, 1, seg, False)  # the point before a trend's first step
    trend = trend_step | trend_starts_here
    trend_direction = np.where(
        trend_step, step, np.where(trend_starts_here, _shift_back(step, 1, seg, 0.0), 0.0)
    )

    two_three = _two_of_three(y > hi2, seg) | _two_of_three(y < lo2, seg)
    special = outside | shift | trend | two_three
    direction = np.where(outside | shift | two_three, side, trend_direction)

    sign_by_row = _polarity_per_row(rows, key, polarity)[idx]
    variation = np.select(
        [~special, sign_by_row == 0, direction * sign_by_row > 0],
        [COMMON, NEITHER, IMPROVING],
        default=CONCERNING,
    )
    for name, flags in (
        ("outside_limits", outside),
        ("shift", shift),
        ("trend", trend),
        ("two_of_three", two_three),
        ("special_cause", special),
    ):
        rows[name] = False
        rows.loc[idx, name] = flags
    rows["variation"] = None
    rows.loc[idx, "variation"] = variation
    return rows


def _polarity_per_row(rows: pd.DataFrame, key: Sequence[str], polarity: object | None) -> NDArray[np.int8]:
    if isinstance(polarity, str) and polarity in rows.columns:
        return polarity_sign(rows[polarity].to_numpy(dtype=object))
    return np.broadcast_to(polarity_sign(polarity), (len(rows),))


def spc_summary(points: pd.DataFrame, *, key: Sequence[str], time: str) -> pd.DataFrame:
    """One row per series from :func:`xmr_chart` output: the icon and the counts behind it.

    ``variation`` is the latest point's (Making Data Count icons show the most recent point);
    ``latest_time``, the current phase's ``mean`` / ``lower_limit`` / ``upper_limit``, ``n_points`` and the
    numbers of special-cause improving / concerning points across the series.
    """
    present = points[points["variation"].notna()].sort_values([*key, time], kind="stable")
    present = present.assign(
        _improving=(present["variation"] == IMPROVING).astype(int),
        _concerning=(present["variation"] == CONCERNING).astype(int),
    )
    by = list(key) if key else np.zeros(len(present), dtype=int)
    grouped = present.groupby(by, sort=False, dropna=False)
    latest = grouped.tail(1).set_index(list(key)) if key else grouped.tail(1).reset_index(drop=True)
    counts = grouped.agg(
        n_points=(time, "size"),
        special_cause_improving=("_improving", "sum"),
        special_cause_concerning=("_concerning", "sum"),
    )
    if not key:
        counts = counts.reset_index(drop=True)
    out = latest[[time, "phase_number", "mean", "lower_limit", "upper_limit", "variation"]].rename(
        columns={time: "latest_time"}
    )
    out = out.join(counts)
    return out.reset_index() if key else out
