"""Disclosure control for anything that leaves the warehouse (docs/DESIGN.md section 8).

No Dagster here. Rules, applied below national level:

* Counts of people, comments or complaints: 1–7 suppressed (NULL/NaN + flag, ``*`` in reports);
  everything else rounded to the nearest 5 (halves up); zero stays zero (NHS Digital HES method).
  Percentages are computed from the rounded, published values.
* Survey results on fewer than 10 unweighted respondents are suppressed (GPPS rule).
* Theme / sentiment breakdowns by demographic group need at least 10 comments.
* Secondary suppression: see :func:`secondary_suppression` (one set of cells) and
  :func:`protect_additive_block` (a total and its parts, checked the way an attacker would difference them).
* The rules are applied to the TRUE counts; what is published is the rounded count, and every derived
  figure (share, rate, interval, n_eff, gap) is computed from the published counts by the caller.

The constants are plain ints so SQL marts can use them too; :func:`disclosure_sql_count` emits
the DuckDB expression for the count rule so Python and SQL cannot drift apart.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

COUNT_SUPPRESS_MAX = 7
ROUND_TO = 5
MIN_SURVEY_BASE = 10
MIN_COMMENTS_FOR_BREAKDOWN = 10
# A weighted survey group result stands on its effective sample size, not its respondents: below 30 effective
# respondents its interval is too wide (and its Wilson limits too far from normal) for a gap to mean anything,
# so the cell is not published as a group result (issue 18: the same threshold for single groups and intersections).
MIN_GROUP_N_EFF = 30

# Reason codes returned alongside suppressed values (empty string = published).
REASON_PUBLISHED = ""
REASON_SMALL_COUNT = "small_count"
REASON_MISSING = "missing"
REASON_SMALL_BASE = "small_base"
REASON_SECONDARY = "secondary"
REASON_SMALL_N_EFF = "small_n_eff"  # a survey group on 10+ respondents whose n_eff is under MIN_GROUP_N_EFF

FloatArray = NDArray[np.float64]

__all__ = [
    "COUNT_SUPPRESS_MAX",
    "MIN_COMMENTS_FOR_BREAKDOWN",
    "MIN_GROUP_N_EFF",
    "MIN_SURVEY_BASE",
    "REASON_MISSING",
    "REASON_PUBLISHED",
    "REASON_SECONDARY",
    "REASON_SMALL_BASE",
    "REASON_SMALL_COUNT",
    "REASON_SMALL_N_EFF",
    "ROUND_TO",
    "disclosure_sql_count",
    "disclosure_sql_flag",
    "attacker_domain",
    "pinned_cells",
    "percentage_from_rounded",
    "protect_additive_block",
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


# ------------------------------------------------------------------------------------------------
# Secondary suppression against differencing: a total and its parts
# ------------------------------------------------------------------------------------------------

Domain = list[tuple[float, float]]  # integer values an attacker cannot rule out, as closed intervals
_MANY = float("inf")
# More hidden cells than this with two-piece domains: fall back to each domain's hull (weaker, but bounded).
_MAX_SPLIT = 10


def attacker_domain(published: float, reason: str, role: str = "numerator", rounded: bool = True) -> Domain:
    """What a reader can tell about one true count from its published value and suppression reason.

    ``role`` is ``numerator`` (the count the 1–7 rule was applied to), ``denominator`` (its base) or
    ``weighted`` (a survey's weighted sum, published unrounded: hidden means any amount ≥ 0). A
    published 0 is exactly 0; a published ``p`` rounded to 5 is one of ``p−2 … p+2``; ``small_count``
    means the numerator was 1–7 (and the base at least 1); ``small_base`` means a base under 10;
    ``secondary`` means a cell that was published as 0 or ≥ 8 before being hidden; ``small_n_eff`` a survey
    group that passed the base rule (10 or more respondents) but not the effective-size one.
    """
    if reason == REASON_PUBLISHED and not math.isnan(published):
        if published == 0 or not rounded:
            return [(published, published)]
        half = ROUND_TO // 2
        return [(published - half, published + half)]
    if role == "weighted":  # a weighted sum: any non-negative amount
        return [(0.0, _MANY)]
    if reason == REASON_SMALL_COUNT:
        return [(1.0, COUNT_SUPPRESS_MAX)] if role == "numerator" else [(1.0, _MANY)]
    if reason == REASON_SMALL_BASE:
        return [(0.0, MIN_COMMENTS_FOR_BREAKDOWN - 1)]
    if reason == REASON_SECONDARY:
        return [(0.0, 0.0), (COUNT_SUPPRESS_MAX + 1, _MANY)]
    if reason == REASON_SMALL_N_EFF:
        return [(float(MIN_SURVEY_BASE), _MANY)]
    return [(0.0, _MANY)]


def _size(domain: Domain) -> float:
    return sum(hi - lo + 1 for lo, hi in domain)


def pinned_cells(total: Domain, parts: list[Domain]) -> NDArray[np.bool_]:
    """Which cells of ``total = sum(parts)`` a reader can pin to one value by differencing.

    Each domain is what is known of one cell on its own (:func:`attacker_domain`). Projecting the one
    equation onto each cell gives the values it can still take; a cell whose own domain held several
    values but whose projection holds one has been recovered. Returned mask: total first, then parts.
    Two-piece domains are enumerated piece by piece (up to ``_MAX_SPLIT`` of them), so "0 or ≥ 8" is
    used as such rather than as "≥ 0".
    """
    cells = [total, *parts]
    split = [i for i, d in enumerate(cells) if len(d) > 1]
    if len(split) > _MAX_SPLIT:
        cells = [[(min(lo for lo, _ in d), max(hi for _, hi in d))] for d in cells]
        split = []
    reachable: list[set[float]] = [set() for _ in cells]
    spans: list[list[tuple[float, float]]] = [[] for _ in cells]
    # Plain Python floats, not numpy: the blocks are a handful of cells, called thousands of times per mart,
    # and every bound is a whole number or infinity, so the sums are exact in any order.
    for choice in itertools.product(*[range(len(cells[i])) for i in split]):
        box = [d[0] for d in cells]
        for i, piece in zip(split, choice, strict=True):
            box[i] = cells[i][piece]
        lo = [float(b[0]) for b in box]
        hi = [float(b[1]) for b in box]
        parts_lo = sum(lo[1:])
        unbounded = sum(1 for h in hi[1:] if math.isinf(h))
        finite_hi = sum(h for h in hi[1:] if not math.isinf(h))
        parts_hi = _MANY if unbounded else finite_hi
        if parts_lo > hi[0] or parts_hi < lo[0]:
            continue  # this combination of pieces is impossible
        for j in range(len(box)):
            if j == 0:
                span = (max(lo[0], parts_lo), min(hi[0], parts_hi))
            else:
                # The other parts' largest sum (infinite if any other part is unbounded).
                others_hi = (
                    _MANY
                    if unbounded - int(math.isinf(hi[j])) > 0
                    else finite_hi - (0 if math.isinf(hi[j]) else hi[j])
                )
                span = (max(lo[j], lo[0] - others_hi), min(hi[j], hi[0] - (parts_lo - lo[j])))
            if span[0] <= span[1]:
                spans[j].append(span)
                if span[0] == span[1]:
                    reachable[j].add(span[0])
    return np.array(
        [
            _size(cells[j]) > 1 and bool(found) and all(a == b for a, b in found) and len(reachable[j]) == 1
            for j, found in enumerate(spans)
        ],
        dtype=bool,
    )


def protect_additive_block(
    total: tuple[float, str],
    parts: list[tuple[float, str]],
    keys: list[str],
    role: str = "numerator",
    rounded: bool = True,
) -> tuple[NDArray[np.bool_], bool]:
    """Secondary suppression for one total and the parts that add up to it (docs/DESIGN.md section 8).

    ``total`` and ``parts`` are (published value, reason) after primary suppression (reason '' =
    published). While exactly one part is hidden beside a published total, or differencing pins any cell
    to one value (:func:`pinned_cells`), the smallest published positive part is hidden too — ties broken
    by ``keys`` (e.g. the group names), so every release of the same data hides the same cells. Zeros are
    taken only when no positive part is left; when no part is left to hide, the total is hidden.
    Returns (mask of parts to hide as ``secondary``, whether the total must be hidden as well).
    """
    # Plain Python lists: a block is a handful of cells and this runs thousands of times per mart.
    values = [float(v) for v, _ in parts]
    reasons = [r for _, r in parts]
    extra = np.zeros(len(parts), dtype=bool)
    total_domain = attacker_domain(total[0], total[1], role, rounded)
    order = sorted(
        range(len(parts)), key=lambda i: (values[i] if not math.isnan(values[i]) else 0.0, keys[i])
    )
    while True:
        hidden = [r != REASON_PUBLISHED for r in reasons]
        domains = [attacker_domain(values[i], reasons[i], role, rounded) for i in range(len(parts))]
        lonely = sum(hidden) == 1 and total[1] == REASON_PUBLISHED and len(parts) > 1
        if not lonely and (not any(hidden) or not pinned_cells(total_domain, domains).any()):
            return extra, False
        free = [i for i in order if not hidden[i]]
        pick = next((i for i in free if values[i] > 0), free[0] if free else None)
        if pick is None:
            return extra, total[1] == REASON_PUBLISHED
        reasons[pick] = REASON_SECONDARY
        extra[pick] = True
