"""The attacker's audit as it was before issue 22 (row by row), kept verbatim as the reference the set-based
``pipelines.publish.disclosure_audit`` is checked against (tests/marts/test_disclosure_audit_equivalence.py).

Not used by the pipeline. It is slow (a minute or more per attack family at national scale) but simple to
read against docs/DESIGN.md section 8, which is why it is the oracle: the fast version must give the same
findings, in the same order, with the same text. Do not edit it to follow a change of the audit's rules:
change both, and say so in the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

# The published rules (README, "Disclosure control"), restated here so the audit does not trust the code
# that applied them.
SMALL_MAX = 7  # counts 1-7 are withheld
ROUNDING = 5  # other counts are published to the nearest 5
MIN_BASE = 10  # survey results and comment breakdowns need 10 respondents / comments
COUNT_SOURCES = ("fft", "comments", "complaints")  # rows whose numerator and denominator count people
RATE_SUFFIX = "_per_10k"
CONFIDENCE = {"95": 0.95, "998": 0.998}
TOLERANCE = 1e-9

Z = {k: float(stats.norm.ppf(0.5 + c / 2)) for k, c in CONFIDENCE.items()}


@dataclass(frozen=True)
class Finding:
    """One published figure that gives back a count disclosure control hid (or breaks a published rule)."""

    table: str
    row: str  # the row's key, e.g. "sub_icb ZA1 2025 comments_negative_story sex=Male"
    method: str  # how it was recovered
    recovered: str  # what came back


def _read(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A published table as plain pandas (strings as Python objects: fast to loop over)."""
    frame = con.execute(f"SELECT * FROM {table}").df()
    for column in frame.columns:
        if frame[column].dtype == "string" or str(frame[column].dtype).startswith("string"):
            frame[column] = frame[column].astype(object)
    return frame


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def _num(value: object) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def _is_int(value: float, tol: float = 1e-6) -> bool:
    return bool(np.isfinite(value) and abs(value - round(value)) <= tol * max(1.0, abs(value)))


# ---------------------------------------------------------------------------------------------------
# Interval formulas, written out again (Wilson; Byar with exact chi-square limits below 10)
# ---------------------------------------------------------------------------------------------------


def wilson_limits(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score limits for x successes out of n."""
    root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def invert_wilson(lower: float, upper: float, z: float) -> list[tuple[float, float]]:
    """The (x, n) whose Wilson limits are (lower, upper): both limits are the roots of
    π²(1 + z²/n) − π(2p + z²/n) + p² = 0 with p = x/n, so their sum and product give p and n."""
    total, product = lower + upper, lower * upper
    out = []
    if lower <= TOLERANCE:  # x = 0: upper = a / (1 + a) with a = z²/n
        if 0 < upper < 1:
            out.append((0.0, z * z * (1 - upper) / upper))
        return out
    # t = 1 + z²/n solves (S−1)² t² + (2(S−1) − 4P) t + 1 = 0, with p = √(P t).
    a, b = (total - 1) ** 2, 2 * (total - 1) - 4 * product
    disc = b * b - 4 * a
    if a <= 0 or disc < 0:
        return out
    for t in ((-b - np.sqrt(disc)) / (2 * a), (-b + np.sqrt(disc)) / (2 * a)):
        if t > 1:
            n = z * z / (t - 1)
            out.append((np.sqrt(product * t) * n, n))
    return out


def poisson_limits(x: float, conf: float) -> tuple[float, float]:
    """Count limits: exact chi-square below 10, Byar's approximation from 10 (PHE rate method)."""
    z = float(stats.norm.ppf(0.5 + conf / 2))
    alpha = 1 - conf
    if x < 10:
        lower = 0.0 if x == 0 else stats.chi2.ppf(alpha / 2, 2 * x) / 2
        return float(lower), float(stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2)
    lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    x1 = x + 1
    return float(lower), float(x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3)


def invert_poisson_ratio(ratio: float, conf: float, largest: int = 10_000_000) -> int | None:
    """The count whose upper/lower limit ratio is ``ratio`` (it falls as the count grows): bisection."""
    lo, hi = 1, largest
    if not np.isfinite(ratio) or ratio <= 1:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        low, up = poisson_limits(mid, conf)
        if up / low > ratio:
            lo = mid + 1
        else:
            hi = mid
    for x in (lo - 1, lo):
        if x >= 1:
            low, up = poisson_limits(x, conf)
            if abs(up / low - ratio) <= 1e-9 * ratio:
                return x
    return None


# ---------------------------------------------------------------------------------------------------
# What a reader knows of one count, and exact differencing over the integers
# ---------------------------------------------------------------------------------------------------


def known_values(
    published: float, reason: str | None, role: str, rounded: bool = True
) -> list[tuple[int, float]]:
    """Integer ranges a reader cannot rule out for one count (closed; upper may be infinite)."""
    if reason in (None, "") and np.isfinite(published):
        if published == 0 or not rounded or published % ROUNDING:
            return [(int(published), float(published))]
        half = ROUNDING // 2
        return [(int(published) - half, float(published + half))]
    if reason == "small_count":
        return [(1, float(SMALL_MAX))] if role == "numerator" else [(1, np.inf)]
    if reason == "small_base":
        return [(0, float(MIN_BASE - 1))]
    if reason == "secondary":
        return [(0, 0.0), (SMALL_MAX + 1, np.inf)]
    if reason == "small_n_eff":  # issue 18: a survey group on 10+ respondents but an n_eff under 30
        return [(MIN_BASE, np.inf)]
    return [(0, np.inf)]


def _dilate(values: np.ndarray, lo: int, hi: float) -> np.ndarray:
    """{v + d : v in values, lo <= d <= hi}, over 0 … len(values) − 1 (a boolean array)."""
    size = len(values)
    hi_ = int(min(hi, size))
    running = np.concatenate([[0], np.cumsum(values)])  # running[k] = how many set below k
    v = np.arange(size)
    start = np.clip(v - hi_, 0, size)
    stop = np.clip(v - lo + 1, 0, size)
    return (running[stop] - running[start]) > 0


def _sumset(domains: list[list[tuple[int, float]]], size: int) -> np.ndarray:
    """Every sum of one value from each domain, up to ``size``."""
    out = np.zeros(size + 1, dtype=bool)
    out[0] = True
    for domain in domains:
        grown = np.zeros_like(out)
        for lo, hi in domain:
            grown |= _dilate(out, lo, hi)
        out = grown
    return out


def recover_by_differencing(
    total: list[tuple[int, float]], parts: list[list[tuple[int, float]]]
) -> list[int | None]:
    """For ``total = sum(parts)``, each cell's value if the equation pins it to one integer (else None),
    total first. Exact integer reasoning: a value is possible for one cell when the rest of the equation can
    still be met by values the other cells can take (sets as boolean arrays up to the largest total)."""
    size = min(max(hi for _, hi in total), sum(max(hi for _, hi in p) for p in parts))
    if not np.isfinite(size):
        return [None] * (len(parts) + 1)
    size = int(size)
    # Single-interval domains add up to one interval; only the others need sets.
    simple = [len(p) == 1 for p in parts]
    lo_sum = int(sum(p[0][0] for p, one in zip(parts, simple, strict=True) if one))
    hi_sum = sum(p[0][1] for p, one in zip(parts, simple, strict=True) if one)
    out: list[int | None] = []
    for j, own in enumerate([total, *parts]):
        own_size = sum(hi - lo + 1 for lo, hi in own)  # what the reader knew of it before differencing
        if own_size <= 1:
            out.append(None)  # already exact: nothing to recover
            continue
        others = [p for i, p in enumerate(parts) if i != j - 1 and not simple[i]]
        lo_j, hi_j = lo_sum, hi_sum
        if j > 0 and simple[j - 1]:  # the other single-interval parts, without this one
            rest_simple = [p[0] for i, p in enumerate(parts) if simple[i] and i != j - 1]
            lo_j, hi_j = int(sum(lo for lo, _ in rest_simple)), sum(hi for _, hi in rest_simple)
        rest = _sumset([*others, [(lo_sum, hi_sum)] if j == 0 else [(lo_j, hi_j)]], size)
        own_set = np.zeros(size + 1, dtype=bool)
        for lo, hi in own:
            if lo <= size:
                own_set[lo : int(min(hi, size)) + 1] = True
        if j == 0:
            feasible = own_set & rest
        else:
            # v is possible when total − v is a sum the other parts can make: some r in rest lies in
            # [lo − v, hi − v] for a piece [lo, hi] of the total's values.
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


# ---------------------------------------------------------------------------------------------------
# The attacks, table by table
# ---------------------------------------------------------------------------------------------------


def _key(row: pd.Series, columns: list[str]) -> str:
    return " ".join(f"{c}={row[c]}" for c in columns if c in row.index)


def _finite(rows: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as floats (NULL and text as NaN), for whole-column tests before any row is looked at."""
    return np.column_stack([pd.to_numeric(rows[c], errors="coerce").to_numpy(dtype=float) for c in columns])


def _count_rule(table: str, rows: pd.DataFrame, columns: list[str], key: list[str]) -> list[Finding]:
    out = []
    if rows.empty:
        return out
    values = _finite(rows, columns)
    with np.errstate(invalid="ignore"):
        broken = np.isfinite(values) & (
            ((values > 0) & (values <= SMALL_MAX)) | (np.mod(values, ROUNDING) != 0)
        )
    for r, c in zip(*np.nonzero(broken), strict=True):  # only the rows that break the rule are read
        row = rows.iloc[r]
        out.append(Finding(table, _key(row, key), f"count shown unrounded or 1-{SMALL_MAX}",
                           f"{columns[c]}={values[r, c]:g}"))  # fmt: skip
    return out


def _share_search(value: float, num: float, den: float, multiplier: float = 1.0) -> list[tuple[int, int]]:
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


def _share_attack(table: str, row: pd.Series, key: list[str], value: float, num: float, den: float,
                  multiplier: float = 1.0) -> list[Finding]:  # fmt: skip
    """A share beside its published counts must be their ratio; if not, search for the true pair."""
    if not (np.isfinite(value) and np.isfinite(num) and np.isfinite(den)) or den <= 0:
        return []
    if abs(num / den * multiplier - value) <= TOLERANCE * max(1.0, abs(value)):
        return []
    hits = _share_search(value, num, den, multiplier)
    recovered = (
        f"{hits[0][0]}/{hits[0][1]}"
        if len(hits) == 1
        else f"not {num:g}/{den:g}; {len(hits)} candidate pairs"
    )
    return [Finding(table, _key(row, key), "share x total (share not from the published counts)", recovered)]


def _wilson_attack(table: str, row: pd.Series, key: list[str], lower: float, upper: float, level: str,
                   num: float, den: float) -> list[Finding]:  # fmt: skip
    """Solve the interval for (x, n); a pair other than the published counts is a recovered count."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return []
    for x, n in invert_wilson(lower, upper, Z[level]):
        xi, ni = round(x), round(n)
        if ni <= 0 or not (_is_int(x, 1e-5) and _is_int(n, 1e-5)):
            continue
        lo, hi = wilson_limits(xi, ni, Z[level])
        if abs(lo - lower) > 1e-9 or abs(hi - upper) > 1e-9:
            continue
        if (xi, ni) != (num, den):
            return [Finding(table, _key(row, key), f"Wilson {level}% interval inverted", f"{xi}/{ni}")]
    return []


METRIC_KEY = [
    "geography_level",
    "geography_code",
    "boundaries",
    "period",
    "metric_id",
    "dimension",
    "group_value",
]
METRIC_FIGURES = ["value", "numerator", "denominator", "unweighted_n", "n_eff", "lower_95", "upper_95",
                  "lower_998", "upper_998", "diff_from_overall", "diff_from_best", "change_from_previous",
                  "change_from_previous_lower_95", "change_from_previous_upper_95", "change_from_earliest",
                  "change_from_earliest_lower_95", "change_from_earliest_upper_95"]  # fmt: skip


def _metric_rows(m: pd.DataFrame) -> list[Finding]:
    table, out = "marts.metric_by_group", []
    hidden = m[m["suppressed"].fillna(False).astype(bool)]
    figures = [c for c in METRIC_FIGURES if c in m.columns]
    if not hidden.empty:
        hidden = hidden[np.isfinite(_finite(hidden, figures)).any(axis=1)]  # rows showing any figure
    for _, row in hidden.iterrows():
        shown = [c for c in METRIC_FIGURES if c in row.index and np.isfinite(_num(row[c]))]
        if shown:
            out.append(Finding(table, _key(row, METRIC_KEY), "figure shown on a suppressed row",
                               ", ".join(f"{c}={_num(row[c]):g}" for c in shown)))  # fmt: skip
    shown_rows = m[~m["suppressed"].fillna(False).astype(bool)]
    counts = shown_rows[shown_rows["source"].isin(COUNT_SOURCES)]
    out += _count_rule(table, counts, ["numerator", "denominator", "unweighted_n", "n_eff"], METRIC_KEY)
    for _, row in counts.iterrows():
        num, den, value = _num(row["numerator"]), _num(row["denominator"]), _num(row["value"])
        n_eff = _num(row["n_eff"])
        rate = str(row["metric_id"]).endswith(RATE_SUFFIX)
        if not rate and np.isfinite(n_eff) and n_eff != den:
            x = value * n_eff
            out.append(Finding(table, _key(row, METRIC_KEY), "n_eff x value (n_eff is not the published base)",
                               f"{x:g}/{n_eff:g}" if _is_int(x) else f"n={n_eff:g}"))  # fmt: skip
        out += _share_attack(table, row, METRIC_KEY, value, num, den, 10_000.0 if rate else 1.0)
        for level in CONFIDENCE:
            lower, upper = _num(row[f"lower_{level}"]), _num(row[f"upper_{level}"])
            if not rate:
                out += _wilson_attack(table, row, METRIC_KEY, lower, upper, level, num, den)
            elif lower > 0 and np.isfinite(upper):
                x = invert_poisson_ratio(upper / lower, CONFIDENCE[level])
                if x is not None and x != num:
                    n = poisson_limits(x, CONFIDENCE[level])[0] * 10_000 / lower
                    out.append(Finding(table, _key(row, METRIC_KEY), f"Byar/exact {level}% limits inverted",
                                       f"{x} per {n:.0f}"))  # fmt: skip
    surveys = shown_rows[shown_rows["source"].str.startswith("gpps")]
    n = pd.to_numeric(surveys["unweighted_n"], errors="coerce")
    surveys = surveys[
        n.notna() & ((n < MIN_BASE) | ((surveys["geography_level"] != "england") & (n % ROUNDING != 0)))
    ]
    for _, row in surveys.iterrows():
        n = _num(row["unweighted_n"])
        if np.isfinite(n) and (n < MIN_BASE or (row["geography_level"] != "england" and n % ROUNDING)):
            out.append(
                Finding(
                    table, _key(row, METRIC_KEY), "survey base under 10 or unrounded", f"unweighted_n={n:g}"
                )
            )
    return out


def _blocks(frame: pd.DataFrame, cell: list[str], nesting: dict[str, str]) -> list[tuple[int, list[int]]]:
    """(total row, part rows): each cell's overall row and each dimension's groups; a band and its groups; each
    margin group of an intersection and the intersection's groups within it."""
    keys = list(zip(*(frame[c].to_numpy(dtype=object) for c in cell), strict=True))
    dimensions = frame["dimension"].to_numpy(dtype=object)
    groups = frame["group_value"].to_numpy(dtype=object)
    where = {(k, d, g): i for k, d, g, i in zip(keys, dimensions, groups, frame.index, strict=True)}
    blocks: dict[tuple[int, str], list[int]] = {}
    for k, d, g, i in zip(keys, dimensions, groups, frame.index, strict=True):
        if d == "overall":
            continue
        totals = [where.get((k, "overall", "All"))]
        if d == "ethnicity" and g in nesting:
            totals.append(where.get((k, "ethnicity_band", nesting[g])))
        # Issue 18: an intersection's group ('age_band x sex', '16-24 | Male') is a part of each of its margins.
        names, margins = str(d).split(" x "), str(g).split(" | ")
        if len(names) == 2 and len(margins) == 2:
            totals += [where.get((k, n, m)) for n, m in zip(names, margins, strict=True)]
        for total in totals:
            if total is not None:
                blocks.setdefault((total, d), []).append(i)
    return [(total, parts) for (total, _), parts in blocks.items()]


def _difference(table: str, frame: pd.DataFrame, blocks: list[tuple[int, list[int]]], column: str, role: str,
                reasons: pd.Series, key: list[str], rounded: bool = True) -> list[Finding]:  # fmt: skip
    """Total minus published parts: a lone hidden part, or any cell the equation pins to one value."""
    out = []
    values = frame[column]
    for total, parts in blocks:
        hidden = [i for i in parts if not np.isfinite(_num(values[i]))]
        if not hidden:
            continue
        t = _num(values[total])
        if len(hidden) == 1 and len(parts) > 1 and np.isfinite(t):
            rest = sum(_num(values[i]) for i in parts if i not in hidden)
            spread = 0 if not rounded else (ROUNDING // 2) * len(parts)
            out.append(Finding(table, _key(frame.loc[hidden[0]], key), f"total minus the other parts ({column})",
                               f"{t - rest - spread:g} to {t - rest + spread:g}"))  # fmt: skip
            continue
        if not rounded:
            continue
        domains = [known_values(_num(values[i]), reasons[i], role) for i in (total, *parts)]
        for i, value in zip((total, *parts), recover_by_differencing(domains[0], domains[1:]), strict=True):
            if value is not None:
                out.append(Finding(table, _key(frame.loc[i], key), f"differencing the total and its parts ({column})",
                                   f"{column}={value}"))  # fmt: skip
    return out


def _nesting(con: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, str]:
    if "ref.people_vocabulary" not in tables:
        return {}
    pairs = con.execute(
        "SELECT DISTINCT value, band FROM ref.people_vocabulary WHERE dimension = 'ethnicity' AND band IS NOT NULL"
    ).fetchall()
    mapping = dict(pairs)
    return mapping if len(mapping) == len(pairs) else {}


def _metric_differencing(m: pd.DataFrame, nesting: dict[str, str]) -> list[Finding]:
    table, out = "marts.metric_by_group", []
    cell = ["geography_level", "geography_code", "boundaries", "period", "metric_id", "source"]
    reasons = m["suppression_reason"].fillna("")
    counts = m[m["source"].isin(COUNT_SOURCES)]
    blocks = _blocks(counts, cell, nesting)
    for column in ("numerator", "denominator"):
        out += _difference(table, m, blocks, column, column, reasons, METRIC_KEY)
    surveys = _blocks(m[~m["source"].isin(COUNT_SOURCES)], cell, nesting)
    out += _difference(table, m, surveys, "denominator", "weighted", reasons, METRIC_KEY, rounded=False)
    out += _difference(table, m, surveys, "unweighted_n", "numerator", reasons, METRIC_KEY)
    return out


REPRESENTATION_KEY = ["channel", "geography_level", "geography_code", "period", "dimension", "group_value"]


def _representation(r: pd.DataFrame) -> list[Finding]:
    table, out = "marts.representation", []
    derived = ["share_of_voices", "representation_ratio", "ratio_lower_95", "ratio_upper_95"]
    out += _count_rule(table, r, ["voices", "voices_total"], REPRESENTATION_KEY)
    for _, row in r.iterrows():
        voices, total = _num(row["voices"]), _num(row["voices_total"])
        if not np.isfinite(voices):
            shown = [c for c in derived if np.isfinite(_num(row[c]))]
            if shown:
                share = _num(row["share_of_voices"])
                recovered = f"voices={share * total:g}" if np.isfinite(share * total) else ", ".join(shown)
                out.append(
                    Finding(
                        table, _key(row, REPRESENTATION_KEY), "share x total on a suppressed group", recovered
                    )
                )
            continue
        out += _share_attack(table, row, REPRESENTATION_KEY, _num(row["share_of_voices"]), voices, total)
        pop = _num(row["population_share"])
        lower, upper = _num(row["ratio_lower_95"]) * pop, _num(row["ratio_upper_95"]) * pop
        out += _wilson_attack(table, row, REPRESENTATION_KEY, lower, upper, "95", voices, total)
    # Differencing: the total beside the groups of one channel, geography, period and dimension.
    frame = r.reset_index(drop=True)
    reasons = (
        frame["suppression_reason"].fillna("")
        if "suppression_reason" in frame
        else pd.Series("", index=frame.index)
    )
    reasons = reasons.where(frame["voices"].notna() | (reasons != ""), "small_count")
    block = ["channel", "geography_level", "geography_code", "period", "dimension"]
    for _, rows in frame.groupby(block, sort=False):
        index = list(rows.index)
        total = _num(rows["voices_total"].iloc[0])
        hidden = [i for i in index if not np.isfinite(_num(frame.at[i, "voices"]))]
        if not hidden or not np.isfinite(total):
            continue
        if len(hidden) == 1 and len(index) > 1:
            rest = sum(_num(frame.at[i, "voices"]) for i in index if i not in hidden)
            out.append(Finding(table, _key(frame.loc[hidden[0]], REPRESENTATION_KEY), "total minus the other groups",
                               f"voices about {total - rest:g}"))  # fmt: skip
            continue
        domains = [known_values(_num(frame.at[i, "voices"]), reasons[i], "numerator") for i in index]
        pinned = recover_by_differencing(known_values(total, "", "numerator"), domains)[1:]
        for i, value in zip(index, pinned, strict=True):
            if value is not None:
                out.append(Finding(table, _key(frame.loc[i], REPRESENTATION_KEY), "differencing the total and its groups",
                                   f"voices={value}"))  # fmt: skip
    return out


TRIANGULATION_KEY = ["geography_level", "geography_code", "dimension", "group_value", "theme"]
TRIANGULATION_COUNTS = ["comments", "negative_comments", "complaints", "healthwatch_findings", "stories"]


def _triangulation(t: pd.DataFrame) -> list[Finding]:
    table, out = "marts.triangulation", []
    frame = t.reset_index(drop=True)
    out += _count_rule(table, frame, TRIANGULATION_COUNTS, TRIANGULATION_KEY)
    for _, row in frame.iterrows():
        share, neg, comments = (
            _num(row["negative_share"]),
            _num(row["negative_comments"]),
            _num(row["comments"]),
        )
        if np.isfinite(share) and not (np.isfinite(neg) and np.isfinite(comments)):
            out.append(Finding(table, _key(row, TRIANGULATION_KEY), "share shown beside a suppressed count",
                               f"negative_share={share:g}"))  # fmt: skip
            continue
        out += _share_attack(table, row, TRIANGULATION_KEY, share, neg, comments)
    overall = frame[frame["dimension"] == "overall"].set_index(["geography_level", "geography_code", "theme"])
    for _, row in frame.iterrows():
        published = _num(row["overall_negative_share"])
        k = (row["geography_level"], row["geography_code"], row["theme"])
        if np.isfinite(published) and k in overall.index:
            o = overall.loc[k]
            out += _share_attack(
                table, o, TRIANGULATION_KEY, published, _num(o["negative_comments"]), _num(o["comments"])
            )
    # NULL counts carry no reason: a reader knows they are 1-7 or hidden to protect another group.
    blocks = _blocks(frame, ["geography_level", "geography_code", "theme"], {})
    unknown = pd.Series([None] * len(frame), index=frame.index)
    for column in TRIANGULATION_COUNTS:
        out += _difference(table, frame, blocks, column, "numerator", unknown, TRIANGULATION_KEY)
    return list(dict.fromkeys(out))


SPC_KEY = ["geography_level", "geography_code", "metric_id", "source", "period"]


def _spc(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[Finding]:
    """A control-chart point must be a value metric_by_group publishes: a point for a withheld (or absent)
    cell, or with another value, shows what disclosure control hid."""
    if "marts.metric_by_group" not in tables:
        return [Finding("marts.spc", "all rows", "control-chart points without published values", "")]
    rows = con.execute(
        f"""SELECT s.{", s.".join(SPC_KEY)}, s.value, m.value AS published, m.suppressed
            FROM marts.spc s
            LEFT JOIN marts.metric_by_group m
              ON m.dimension = 'overall' AND {" AND ".join(f"m.{c} = s.{c}" for c in SPC_KEY)}
            WHERE m.value IS NULL OR coalesce(m.suppressed, TRUE) OR abs(s.value - m.value) > {TOLERANCE}"""
    ).df()
    return [
        Finding(
            "marts.spc",
            _key(row, SPC_KEY),
            "control-chart point of a value not published",
            f"value={_num(row['value']):g}",
        )  # fmt: skip
        for _, row in rows.iterrows()
    ]


def audit_disclosure(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every way the published marts give back a suppressed or rounded-away count (empty: none found)."""
    tables = _tables(con)
    findings: list[Finding] = []
    if "marts.metric_by_group" in tables:
        m = _read(con, "marts.metric_by_group")
        findings += _metric_rows(m)
        findings += _metric_differencing(m, _nesting(con, tables))
    if "marts.representation" in tables:
        findings += _representation(_read(con, "marts.representation"))
    if "marts.triangulation" in tables:
        findings += _triangulation(_read(con, "marts.triangulation"))
    if "marts.spc" in tables:
        findings += _spc(con, tables)
    return findings


INTERVALS = {
    "marts.metric_by_group": (METRIC_KEY, "value", [("lower_95", "upper_95"), ("lower_998", "upper_998")]),
    "marts.representation": (
        REPRESENTATION_KEY,
        "representation_ratio",
        [("ratio_lower_95", "ratio_upper_95")],
    ),
}


def audit_intervals(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every published value that lies outside its own published 95% or 99.8% limits."""
    tables = _tables(con)
    out: list[Finding] = []
    for table, (key, value, limits) in INTERVALS.items():
        if table not in tables:
            continue
        for lower, upper in limits:
            rows = con.execute(
                f"""SELECT * FROM {table}
                    WHERE {value} < {lower} - {TOLERANCE} OR {value} > {upper} + {TOLERANCE}"""
            ).df()
            for _, row in rows.iterrows():
                out.append(Finding(table, _key(row, key), f"value outside its {lower}-{upper} interval",
                                   f"{row[value]:g} not in [{row[lower]:g}, {row[upper]:g}]"))  # fmt: skip
    return out
