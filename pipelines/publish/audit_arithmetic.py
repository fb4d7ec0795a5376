"""The arithmetic of the attacker's audit (:mod:`pipelines.publish.disclosure_audit`): the published rules, the
interval formulas and their inversion, the share search, and exact differencing over the integers.

The inversions run on every published row, so they take whole columns (numpy arrays) and answer row by row
in one pass; what runs only for rows already found (the share search, the text of a finding) stays scalar.
Written from the published rules, not imported from the code that applied them (``pipelines.methods``):
an audit that shared that code would share its mistakes.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

# The published rules (README, "Disclosure control"), restated here so the audit does not trust the code
# that applied them.
SMALL_MAX = 7  # counts 1-7 are withheld
ROUNDING = 5  # other counts are published to the nearest 5
MIN_BASE = 10  # survey results and comment breakdowns need 10 respondents / comments
CONFIDENCE = {"95": 0.95, "998": 0.998}
TOLERANCE = 1e-9

Z = {k: float(stats.norm.ppf(0.5 + c / 2)) for k, c in CONFIDENCE.items()}

Domain = list[tuple[int, float]]  # closed integer ranges a count can still take (upper may be infinite)


def is_int(values: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Elementwise: finite and within ``tol`` (relative above 1) of an integer."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(values) & (
            np.abs(values - np.round(values)) <= tol * np.maximum(1.0, np.abs(values))
        )


# ---------------------------------------------------------------------------------------------------
# Wilson limits and their inversion
# ---------------------------------------------------------------------------------------------------


def wilson_limits(x: np.ndarray | float, n: np.ndarray | float, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits for x successes out of n (elementwise)."""
    root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def wilson_candidates(lower: np.ndarray, upper: np.ndarray, z: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (x, n) whose Wilson limits are (lower, upper), row by row: two (x, n) arrays, NaN n where a row
    has no such pair, in the order to try them.

    Both limits are the roots of π²(1 + z²/n) − π(2p + z²/n) + p² = 0 with p = x/n, so their sum S and
    product P give p and n: t = 1 + z²/n solves (S−1)² t² + (2(S−1) − 4P) t + 1 = 0 and p = √(P t).
    A lower limit of 0 means x = 0, and then upper = a / (1 + a) with a = z²/n.
    """
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    nothing = np.full(lower.shape, np.nan)
    with np.errstate(all="ignore"):
        total, product = lower + upper, lower * upper
        zero = lower <= TOLERANCE
        n_zero = np.where(zero & (upper > 0) & (upper < 1), z * z * (1 - upper) / upper, np.nan)
        # float_power is libm's pow, as Python's ``** 2`` on one float: the same bits as the row-by-row audit.
        a, b = np.float_power(total - 1, 2), 2 * (total - 1) - 4 * product
        disc = b * b - 4 * a
        solvable = ~zero & (a > 0) & (disc >= 0)
        pairs = []
        for t in ((-b - np.sqrt(disc)) / (2 * a), (-b + np.sqrt(disc)) / (2 * a)):
            n = np.where(solvable & (t > 1), z * z / (t - 1), np.nan)
            pairs.append((np.sqrt(product * t) * n, n))
    (x1, n1), (x2, n2) = pairs
    return [
        (np.where(zero, 0.0, x1), np.where(zero, n_zero, n1)),
        (np.where(zero, nothing, x2), np.where(zero, nothing, n2)),
    ]


def invert_wilson(lower: float, upper: float, z: float) -> list[tuple[float, float]]:
    """The (x, n) whose Wilson limits are (lower, upper), for one interval (see :func:`wilson_candidates`)."""
    pairs = wilson_candidates(np.array([lower]), np.array([upper]), z)
    return [(float(x[0]), float(n[0])) for x, n in pairs if np.isfinite(n[0])]


def wilson_recovered(lower: np.ndarray, upper: np.ndarray, z: float, num: np.ndarray, den: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Row by row: do the limits solve to an integer pair other than the published (num, den)? Returns
    (found, x, n), the first such pair of :func:`wilson_candidates` whose own limits are the published ones."""
    found = np.zeros(len(lower), dtype=bool)
    x_found, n_found = np.zeros(len(lower)), np.zeros(len(lower))
    finite = np.isfinite(lower) & np.isfinite(upper)
    for x, n in wilson_candidates(lower, upper, z):
        xi, ni = np.round(x), np.round(n)
        with np.errstate(all="ignore"):
            lo, hi = wilson_limits(xi, ni, z)
            # "not further than 1e-9": a NaN limit is not ruled out, as the row-by-row audit did not.
            same_limits = ~(np.abs(lo - lower) > 1e-9) & ~(np.abs(hi - upper) > 1e-9)
            pair = finite & (ni > 0) & is_int(x, 1e-5) & is_int(n, 1e-5) & same_limits
            new = ~found & pair & ((xi != num) | (ni != den))
        x_found[new], n_found[new] = xi[new], ni[new]
        found |= new
    return found, x_found, n_found


# ---------------------------------------------------------------------------------------------------
# Poisson (Byar / exact) limits and their inversion
# ---------------------------------------------------------------------------------------------------


def poisson_limits(x: np.ndarray | float, conf: float) -> tuple[np.ndarray, np.ndarray]:
    """Count limits, elementwise: exact chi-square below 10, Byar's approximation from 10 (PHE rate method)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    z = float(stats.norm.ppf(0.5 + conf / 2))
    alpha = 1 - conf
    lower, upper = np.empty_like(x), np.empty_like(x)
    small = x < 10
    xs = x[small]
    with np.errstate(all="ignore"):
        lower[small] = np.where(xs == 0, 0.0, stats.chi2.ppf(alpha / 2, 2 * xs) / 2)
        upper[small] = stats.chi2.ppf(1 - alpha / 2, 2 * xs + 2) / 2
        xb = x[~small]
        lower[~small] = xb * (1 - 1 / (9 * xb) - z / (3 * np.sqrt(xb))) ** 3
        x1 = xb + 1
        upper[~small] = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def invert_poisson_ratio(ratio: np.ndarray, conf: float, largest: int = 10_000_000) -> np.ndarray:
    """Row by row, the count whose upper/lower limit ratio is ``ratio`` (NaN where none).

    The ratio falls as the count grows, so every row is bisected at once over 1 … ``largest``; the count
    found, or the one below it, must give the ratio back to 1e-9.
    """
    ratio = np.asarray(ratio, dtype=float)
    valid = np.isfinite(ratio) & (ratio > 1)
    lo = np.ones(len(ratio), dtype=np.int64)
    hi = np.where(valid, largest, 1).astype(np.int64)
    while (active := np.flatnonzero(lo < hi)).size:
        mid = (lo[active] + hi[active]) // 2
        low, up = poisson_limits(mid, conf)
        above = up / low > ratio[active]
        lo[active] = np.where(above, mid + 1, lo[active])
        hi[active] = np.where(above, hi[active], mid)
    out = np.full(len(ratio), np.nan)
    for candidate in (lo - 1, lo):
        rows = np.flatnonzero(valid & np.isnan(out) & (candidate >= 1))
        low, up = poisson_limits(candidate[rows], conf)
        match = np.abs(up / low - ratio[rows]) <= 1e-9 * ratio[rows]
        out[rows[match]] = candidate[rows[match]]
    return out


# ---------------------------------------------------------------------------------------------------
# Shares beside their counts
# ---------------------------------------------------------------------------------------------------


def share_mismatch(value: np.ndarray, num: np.ndarray, den: np.ndarray, multiplier: np.ndarray | float = 1.0
                   ) -> np.ndarray:  # fmt: skip
    """Rows whose share (× ``multiplier``) is not the ratio of its published counts, all three published."""
    with np.errstate(all="ignore"):
        published = np.isfinite(value) & np.isfinite(num) & np.isfinite(den) & (den > 0)
        return published & ~(
            np.abs(num / den * multiplier - value) <= TOLERANCE * np.maximum(1.0, np.abs(value))
        )


def share_search(value: float, num: float, den: float, multiplier: float = 1.0) -> list[tuple[int, int]]:
    """Integer (x, n) within rounding of the published (num, den) whose ratio is exactly ``value``."""
    half = ROUNDING // 2
    xs = np.arange(max(0, int(num) - half), int(num) + half + 1)
    ns = np.arange(max(1, int(den) - half), int(den) + half + 1)
    hits = []
    for n in ns:
        for x in xs[xs <= n] if multiplier == 1.0 else xs:
            if abs(x / n * multiplier - value) <= TOLERANCE * max(1.0, abs(value)):
                hits.append((int(x), int(n)))
    return hits


def share_recovered(value: float, num: float, den: float, multiplier: float = 1.0) -> str:
    """What a share that is not from its published counts gives back: the one pair, or how many."""
    hits = share_search(value, num, den, multiplier)
    return (
        f"{hits[0][0]}/{hits[0][1]}"
        if len(hits) == 1
        else f"not {num:g}/{den:g}; {len(hits)} candidate pairs"
    )


# ---------------------------------------------------------------------------------------------------
# What a reader knows of one count, and exact differencing over the integers
# ---------------------------------------------------------------------------------------------------


def known_ranges(published: np.ndarray, reason: np.ndarray, role: str, rounded: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """What a reader cannot rule out for each count of a column: the integer range [lo, hi] (hi may be
    infinite), or, where ``gap`` holds, 0 or SMALL_MAX + 1 upwards (a count withheld to protect another).

    A published count is itself, or within rounding of itself when it is a multiple of 5 (other than 0);
    a withheld one is what its reason allows: 1-7 ("small_count"; 1 up for a base), 0-9 ("small_base"),
    10 up ("small_n_eff"), anything when the reason is not given. Fractions are truncated, as ``int()`` does."""
    published = np.asarray(published, dtype=float)
    reason = np.asarray(reason, dtype=object)
    blank = (reason == "") | np.equal(reason, None)  # no reason given (NaN is not "no reason")
    shown = blank & np.isfinite(published)
    with np.errstate(invalid="ignore"):
        exact = shown & ((published == 0) | (not rounded) | (published % ROUNDING != 0))
        half = ROUNDING // 2
        lo = np.where(exact, np.trunc(published), np.trunc(published) - half)
        hi = np.where(exact, published, published + half)
    lo, hi = np.where(shown, lo, 0.0), np.where(shown, hi, np.inf)
    withheld = ~shown
    small = withheld & (reason == "small_count")
    lo[small], hi[small] = 1, (SMALL_MAX if role == "numerator" else np.inf)
    base = withheld & (reason == "small_base")
    hi[base] = MIN_BASE - 1
    # A survey group withheld for its effective size passed the base rule first: 10 respondents or more.
    lo[withheld & (reason == "small_n_eff")] = MIN_BASE
    gap = withheld & (reason == "secondary")
    return lo, hi, gap


def known_values(published: float, reason: str | None, role: str, rounded: bool = True) -> Domain:
    """Integer ranges a reader cannot rule out for one count (closed; upper may be infinite)."""
    lo, hi, gap = known_ranges(np.array([published]), np.array([reason], dtype=object), role, rounded)
    return domain_of(lo, hi, gap, 0)


GAP = [(0, 0.0), (SMALL_MAX + 1, np.inf)]  # a count withheld to protect another: 0, or 8 up


def domain_of(lo: np.ndarray, hi: np.ndarray, gap: np.ndarray, row: int) -> Domain:
    """Row ``row`` of :func:`known_ranges` as a list of ranges."""
    return list(GAP) if gap[row] else [(int(lo[row]), float(hi[row]))]


def _closed_form(domain: Domain) -> tuple[float, float, bool] | None:
    """A domain as (lo, hi, gap) when :func:`_pins` can take it (a range of whole numbers from 0, or
    :data:`GAP`), else None."""
    if domain == GAP:
        return 0.0, 0.0, True
    if len(domain) == 1:
        lo, hi = domain[0]
        whole = lo >= 0 and float(lo).is_integer() and (hi == np.inf or float(hi).is_integer())
        return (float(lo), float(hi), False) if whole and lo <= hi else None
    return None


def _one_value(pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Row by row, the one integer in the union of the ranges ``(lo, hi, present)``, NaN if not exactly one.
    Bounds are whole (or infinite), so the union is one integer when every non-empty range is that integer."""
    low, high = np.full(len(pieces[0][0]), np.inf), np.full(len(pieces[0][0]), -np.inf)
    for lo, hi, present in pieces:
        some = present & (lo <= hi)
        low, high = np.where(some, np.minimum(low, lo), low), np.where(some, np.maximum(high, hi), high)
    return np.where(low == high, low, np.nan)


@np.errstate(invalid="ignore")  # blocks the caller then ignores may hold anything
def _pins(t_lo: np.ndarray, t_hi: np.ndarray, t_gap: np.ndarray, lo: np.ndarray, hi: np.ndarray, gap: np.ndarray,
          starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Exact differencing for many blocks at once, block ``b`` being total ``b`` = the sum of parts
    ``starts[b]`` … ``starts[b + 1] - 1``, each count a range [lo, hi] of whole numbers from 0 or, where
    ``gap`` holds, 0 or SMALL_MAX + 1 upwards. Returns what each total and each part is pinned to (NaN: not).

    A sum of ranges is a range, and a sum of gap counts is again 0 or SMALL_MAX + 1 up; so with every gap
    count at 0 the parts sum to [A, B], and with any of them above 0 to [A + SMALL_MAX + 1, ∞). A part can
    then take own ∩ (total − the others' sum) and the total own ∩ the parts' sum, each a union of a few
    ranges. No value can exceed the smaller of the total's largest value and the parts' largest sum; when
    neither is bounded, nothing is pinned. A count known exactly already is not "recovered".
    """
    s, inf = float(SMALL_MAX + 1), np.inf
    block = np.repeat(np.arange(len(t_lo)), np.diff(starts))
    first_lo, first_hi = np.where(gap, 0.0, lo), np.where(gap, 0.0, hi)  # a gap count's first range is 0
    unbounded = np.isinf(first_hi)
    a = np.bincount(block, first_lo, len(t_lo))
    b_finite = np.bincount(block, np.where(unbounded, 0.0, first_hi), len(t_lo))
    b_unbounded = np.bincount(block, unbounded, len(t_lo))
    gaps = np.bincount(block, gap, len(t_lo))
    b = np.where(b_unbounded > 0, inf, b_finite)
    bounded = (np.isfinite(t_hi) & ~t_gap) | ((b_unbounded == 0) & (gaps == 0))
    total_first = (np.where(t_gap, 0.0, t_lo), np.where(t_gap, 0.0, t_hi))
    yes = np.ones(len(t_lo), dtype=bool)
    total_pin = _one_value([
        (np.maximum(total_first[0], a), np.minimum(total_first[1], b), yes),
        (np.maximum(total_first[0], a + s), total_first[1], gaps > 0),
        (np.maximum(s, a), b, t_gap),
        (np.maximum(s, a + s), np.full(len(t_lo), inf), t_gap & (gaps > 0)),
    ])  # fmt: skip
    total_pin[~bounded | ~(t_gap | (t_hi > t_lo))] = np.nan

    # The others' sum for each part: [A − own first low, B − own first high] and, with a gap count among
    # them, from A − own first low + SMALL_MAX + 1 up.
    other_lo = a[block] - first_lo
    other_hi = np.where(
        b_unbounded[block] - unbounded > 0, inf, b_finite[block] - np.where(unbounded, 0.0, first_hi)
    )
    other_gap = gaps[block] - gap > 0
    totals = [(total_first[0][block], total_first[1][block], yes[block]), (s, inf, t_gap[block])]
    others = [(other_lo, other_hi, yes[block]), (other_lo + s, inf, other_gap)]
    owns = [(first_lo, first_hi, yes[block]), (s, inf, gap)]
    part_pin = _one_value([
        (np.maximum(own_lo, total_lo - o_hi), np.minimum(own_hi, total_hi - o_lo), own_in & total_in & o_in)
        for own_lo, own_hi, own_in in owns for total_lo, total_hi, total_in in totals for o_lo, o_hi, o_in in others
    ])  # fmt: skip
    part_pin[~bounded[block] | ~(gap | (hi > lo))] = np.nan
    return total_pin, part_pin


def recover_by_differencing(total: Domain, parts: list[Domain]) -> list[int | None]:
    """For ``total = sum(parts)``, each cell's value if the equation pins it to one integer (else None),
    total first. Exact integer reasoning: a value is possible for one cell when the rest of the equation can
    still be met by values the other cells can take (see :func:`_pins`)."""
    size = min(max(hi for _, hi in total), sum(max(hi for _, hi in p) for p in parts))
    if not np.isfinite(size):
        return [None] * (len(parts) + 1)
    shapes = [_closed_form(d) for d in (total, *parts)]
    if any(shape is None for shape in shapes):
        return _recover_by_bitsets(total, parts, int(size))
    (t_lo, t_hi, t_gap), *rest = shapes
    lo, hi, gap = (np.array([r[i] for r in rest]) for i in range(3))
    one = np.array([t_lo]), np.array([t_hi]), np.array([t_gap])
    total_pin, part_pin = _pins(*one, lo, hi, gap.astype(bool), np.array([0, len(parts)]))
    return [None if np.isnan(v) else int(v) for v in (total_pin[0], *part_pin)]


def differencing_pins(lo: np.ndarray, hi: np.ndarray, gap: np.ndarray, totals: np.ndarray, parts: np.ndarray,
                      starts: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`recover_by_differencing` for the ``chosen`` of many blocks of a table's rows at once. Block ``b``
    is row ``totals[b]`` = the sum of rows ``parts[starts[b]:starts[b + 1]]``; what a reader knows of each
    row is :func:`known_ranges` (``lo``, ``hi``, ``gap``). Returns the value each block's total, and each
    part, is pinned to (NaN where none)."""
    closed = gap | ((lo >= 0) & (lo <= hi) & (lo == np.round(lo)) & ((hi == np.round(hi)) | (hi == np.inf)))
    block = np.repeat(np.arange(len(totals)), np.diff(starts))
    whole = closed[totals] & (np.bincount(block, ~closed[parts], len(totals)) == 0)
    total_pin, part_pin = _pins(lo[totals], hi[totals], gap[totals], lo[parts], hi[parts], gap[parts], starts)
    total_pin[~chosen], part_pin[~chosen[block]] = np.nan, np.nan
    for b in np.flatnonzero(chosen & ~whole):  # fractional or negative counts: a broken file
        members = parts[starts[b] : starts[b + 1]]
        values = recover_by_differencing(
            domain_of(lo, hi, gap, totals[b]), [domain_of(lo, hi, gap, i) for i in members]
        )
        total_pin[b] = np.nan if values[0] is None else values[0]
        part_pin[starts[b] : starts[b + 1]] = [np.nan if v is None else v for v in values[1:]]
    return total_pin, part_pin


def _dilate(values: np.ndarray, lo: int, hi: float) -> np.ndarray:
    """{v + d : v in values, lo <= d <= hi}, over 0 … len(values) − 1 (a boolean array)."""
    size = len(values)
    hi_ = int(min(hi, size))
    running = np.concatenate([[0], np.cumsum(values)])  # running[k] = how many set below k
    v = np.arange(size)
    start = np.clip(v - hi_, 0, size)
    stop = np.clip(v - lo + 1, 0, size)
    return (running[stop] - running[start]) > 0


def _sumset(domains: list[Domain], size: int) -> np.ndarray:
    """Every sum of one value from each domain, up to ``size``."""
    out = np.zeros(size + 1, dtype=bool)
    out[0] = True
    for domain in domains:
        grown = np.zeros_like(out)
        for lo, hi in domain:
            grown |= _dilate(out, lo, hi)
        out = grown
    return out


def _recover_by_bitsets(total: Domain, parts: list[Domain], size: int) -> list[int | None]:
    """:func:`recover_by_differencing` on sets as boolean arrays up to ``size``: the audit's first engine,
    kept for counts only a broken file has (negative or fractional). Its answers there follow from how it
    cuts such bounds (truncated, a negative one counted from the array's end), which the range arithmetic
    does not imitate."""
    simple = [len(p) == 1 for p in parts]  # single-interval domains add up to one interval
    lo_sum = int(sum(p[0][0] for p, one in zip(parts, simple, strict=True) if one))
    hi_sum = sum(p[0][1] for p, one in zip(parts, simple, strict=True) if one)
    out: list[int | None] = []
    for j, own in enumerate([total, *parts]):
        if sum(hi - lo + 1 for lo, hi in own) <= 1:
            out.append(None)
            continue
        others = [p for i, p in enumerate(parts) if i != j - 1 and not simple[i]]
        lo_j, hi_j = lo_sum, hi_sum
        if j > 0 and simple[j - 1]:
            rest_simple = [p[0] for i, p in enumerate(parts) if simple[i] and i != j - 1]
            lo_j, hi_j = int(sum(lo for lo, _ in rest_simple)), sum(hi for _, hi in rest_simple)
        rest = _sumset([*others, [(lo_j, hi_j)]], size)
        own_set = np.zeros(size + 1, dtype=bool)
        for lo, hi in own:
            if lo <= size:
                own_set[lo : int(min(hi, size)) + 1] = True
        if j == 0:
            feasible = own_set & rest
        else:
            running = np.concatenate([[0], np.cumsum(rest)])
            v = np.arange(size + 1)
            feasible = np.zeros(size + 1, dtype=bool)
            for lo, hi in total:
                top = int(min(hi, 2 * size + 1))
                start = np.clip(int(lo) - v, 0, size + 1)
                stop = np.clip(top - v + 1, 0, size + 1)
                feasible |= (running[stop] - running[start]) > 0
            feasible &= own_set
        values = np.flatnonzero(feasible)
        out.append(int(values[0]) if len(values) == 1 else None)
    return out
