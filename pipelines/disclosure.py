"""Disclosure control for anything that leaves the warehouse (DESIGN.md section 8).

No Dagster here. Rules, applied below national level:

* Counts of people, comments or complaints: 1–7 suppressed (NULL/NaN + flag, ``*`` in reports);
  everything else rounded to the nearest 5 (halves up); zero stays zero (NHS Digital HES method).
  Percentages are computed from the rounded, published values.
* Survey results on fewer than 10 unweighted respondents are suppressed (GPPS rule).
* Theme / sentiment breakdowns by demographic group need at least 10 comments.
* Secondary suppression: see :func:`secondary_suppression`.

The constants are plain ints so SQL marts can use them too; :func:`disclosure_sql_count` emits
the DuckDB expression for the count rule so Python and SQL cannot drift apart.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

COUNT_SUPPRESS_MAX = 7
ROUND_TO = 5
MIN_SURVEY_BASE = 10
MIN_COMMENTS_FOR_BREAKDOWN = 10

# Reason codes returned alongside suppressed values (empty string = published).
REASON_PUBLISHED = ""
REASON_SMALL_COUNT = "small_count"
REASON_MISSING = "missing"
REASON_SMALL_BASE = "small_base"
REASON_SECONDARY = "secondary"

FloatArray = NDArray[np.float64]

__all__ = [
    "COUNT_SUPPRESS_MAX",
    "MIN_COMMENTS_FOR_BREAKDOWN",
    "MIN_SURVEY_BASE",
    "REASON_MISSING",
    "REASON_PUBLISHED",
    "REASON_SECONDARY",
    "REASON_SMALL_BASE",
    "REASON_SMALL_COUNT",
    "ROUND_TO",
    "disclosure_sql_count",
    "disclosure_sql_flag",
    "percentage_from_rounded",
    "round_to_base",
    "secondary_suppression",
    "suppress_and_round_counts",
    "suppress_small_base",
]


def round_to_base(values: ArrayLike, base: int = ROUND_TO) -> FloatArray:
    """Round to the nearest multiple of ``base``, halves away from zero (not banker's rounding)."""
    v = np.asarray(values, dtype=float)
    return np.sign(v) * np.floor(np.abs(v) / base + 0.5) * base


def suppress_and_round_counts(counts: ArrayLike) -> tuple[FloatArray, NDArray[np.str_]]:
    """Apply the count rule: 0 → 0, 1–7 → NaN (reason 'small_count'), else nearest 5.

    Missing counts stay NaN with reason 'missing'. Non-integer counts (e.g. weighted) are treated
    the same way: anything above 0 and below 8 is suppressed. Negative counts raise.
    Returns (published values as float, reason array; '' where published).
    """
    c = np.asarray(counts, dtype=float)
    if np.any(c < 0):
        raise ValueError("counts must be >= 0")
    missing = np.isnan(c)
    small = (c > 0) & (c < COUNT_SUPPRESS_MAX + 1)
    out = np.where(small | missing, np.nan, round_to_base(c))
    reason = np.where(missing, REASON_MISSING, np.where(small, REASON_SMALL_COUNT, REASON_PUBLISHED))
    return out, reason.astype(str)


def percentage_from_rounded(
    num_rounded: ArrayLike, den_rounded: ArrayLike, multiplier: float = 100.0
) -> FloatArray:
    """Percentage from published (rounded) numerator and denominator.

    Using the rounded values means the published percentage is consistent with the published
    counts and reveals nothing more. Suppressed (NaN) inputs or a zero denominator give NaN.
    """
    n = np.asarray(num_rounded, dtype=float)
    d = np.asarray(den_rounded, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, n / d * multiplier, np.nan)


def suppress_small_base(
    values: ArrayLike, unweighted_base: ArrayLike, minimum: int = MIN_SURVEY_BASE
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Suppress results resting on fewer than ``minimum`` unweighted respondents (or comments).

    Use ``minimum=MIN_COMMENTS_FOR_BREAKDOWN`` for theme/sentiment breakdowns. A missing base
    counts as too small. Returns (values with NaN where suppressed, suppressed mask).
    """
    v = np.asarray(values, dtype=float)
    b = np.asarray(unweighted_base, dtype=float)
    v, b = np.broadcast_arrays(v, b)
    suppressed = ~(b >= minimum)  # NaN base → suppressed
    return np.where(suppressed, np.nan, v), suppressed


def secondary_suppression(cells: ArrayLike, total: float | None) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Protect a single suppressed cell from being recovered by subtraction from a total.

    ``cells`` are the published values of one set of cells that add up to ``total`` (e.g. the
    age bands of one practice), already through primary suppression (NaN = suppressed).

    Rule: if the total is published (not None/NaN) and exactly one cell is suppressed, also
    suppress the smallest other published cell that is greater than zero (ties: first in order),
    so the two hidden cells can only be recovered as a pair sum. Zeros are avoided because a
    zero is often known to be structural; only if no positive cell remains is a zero taken. If
    the total is itself suppressed, or two or more cells are already hidden, nothing changes.
    Apply once per set of cells; for tables with several overlapping totals, run it per margin
    and repeat until nothing changes.

    Returns (cells with the extra NaN, mask of secondarily suppressed cells).
    """
    v = np.array(cells, dtype=float, copy=True).ravel()
    extra = np.zeros(v.shape, dtype=bool)
    if total is None or np.isnan(float(total)):
        return v, extra
    hidden = np.isnan(v)
    if hidden.sum() != 1:
        return v, extra
    candidates = np.flatnonzero(~hidden & (v > 0))
    if candidates.size == 0:
        candidates = np.flatnonzero(~hidden)
    if candidates.size == 0:
        return v, extra
    pick = candidates[np.argmin(v[candidates])]  # argmin returns the first of equal minima
    extra[pick] = True
    v[pick] = np.nan
    return v, extra


def disclosure_sql_count(expr: str) -> str:
    """DuckDB SQL expression applying the count rule to ``expr`` (NULL where suppressed).

    Matches :func:`suppress_and_round_counts`: NULL stays NULL, 0 stays 0, (0, 8) → NULL,
    otherwise round half away from zero to the nearest 5, as a DOUBLE.
    """
    e = f"({expr})"
    return (
        f"CASE WHEN {e} IS NULL THEN NULL "
        f"WHEN {e} = 0 THEN 0.0 "
        f"WHEN {e} < {COUNT_SUPPRESS_MAX + 1} THEN NULL "
        f"ELSE FLOOR(CAST({e} AS DOUBLE) / {ROUND_TO} + 0.5) * {ROUND_TO} END"
    )


def disclosure_sql_flag(expr: str) -> str:
    """DuckDB SQL expression giving the reason code for ``expr`` ('' when published)."""
    e = f"({expr})"
    return (
        f"CASE WHEN {e} IS NULL THEN '{REASON_MISSING}' "
        f"WHEN {e} > 0 AND {e} < {COUNT_SUPPRESS_MAX + 1} THEN '{REASON_SMALL_COUNT}' "
        f"ELSE '{REASON_PUBLISHED}' END"
    )
