"""An attacker's audit of the PUBLISHED marts: can any suppressed or rounded-away count be recovered?

Independent of the code that applied the rules (``pipelines.methods.disclosure`` and the mart builders): nothing
here is imported from them. It reads only what an analyst can read (the published tables and the published
rules in the README) and tries what an attacker would try (docs/DESIGN.md section 8):

* figures left on a suppressed row (a share, rate, interval, base or n_eff next to a withheld count);
* counts shown that break the rules (1–7, not a multiple of 5; survey bases under 10 or unrounded);
* interval inversion: Wilson limits solved for (x, n); Byar / exact Poisson limits solved for the count;
* share × total: a share that is not the published numerator / denominator, searched for the one integer
  pair within rounding of the published counts that gives it; n_eff that is not the published base;
* differencing: a total and its parts (every dimension's groups, ethnicity within its band, an intersection's
  groups within each margin group) solved exactly
  over the integers for the values each hidden or rounded cell can still take;
* control charts: every point of marts.spc must be a value metric_by_group publishes.

:func:`audit_intervals` separately lists every published value outside its own published limits.

Set-based (issue 22): each attack runs on whole columns at once (the arithmetic is in
:mod:`pipelines.publish.audit_arithmetic`), and only the rows it finds, and the totals with a withheld part,
are looked at one by one. The findings, their order and their text are those of the row-by-row audit it
replaced (kept as the reference in tests/marts/disclosure_audit_rowwise.py).
Plain functions on a DuckDB connection; no Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.sql import quote_identifier
from pipelines.publish.audit_arithmetic import (
    CONFIDENCE,
    MIN_BASE,
    ROUNDING,
    SMALL_MAX,
    TOLERANCE,
    Z,
    differencing_pins,
    domain_of,
    invert_poisson_ratio,
    invert_wilson,
    is_int,
    known_ranges,
    poisson_limits,
    recover_by_differencing,
    share_mismatch,
    share_recovered,
    wilson_limits,
    wilson_recovered,
)

__all__ = ["Finding", "audit_disclosure", "audit_intervals", "invert_wilson", "recover_by_differencing",
           "wilson_limits"]  # fmt: skip

COUNT_SOURCES = ("fft", "comments", "complaints")  # rows whose numerator and denominator count people
RATE_SUFFIX = "_per_10k"


@dataclass(frozen=True)
class Finding:
    """One published figure that gives back a count disclosure control hid (or breaks a published rule)."""

    table: str
    row: str  # the row's key, e.g. "sub_icb ZA1 2025 comments_negative_story sex=Male"
    method: str  # how it was recovered
    recovered: str  # what came back


# ---------------------------------------------------------------------------------------------------
# Reading the published store
# ---------------------------------------------------------------------------------------------------


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()
    return {r[0] for r in rows}


def _read(con: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A published table in stored row order (the order findings are reported in), positions as its index;
    only those of ``columns`` it has, when given (at national scale the rest is most of the memory)."""
    have = con.table(table).columns
    wanted = have if columns is None else [c for c in columns if c in have]
    # Through Arrow: the same frame as .df(), built three to five times faster from the text columns; the
    # Arrow table is freed column by column as the frame is built, so the two are never whole side by side.
    arrow = con.sql(f"SELECT {', '.join(map(quote_identifier, wanted))} FROM {table}").to_arrow_table()
    return arrow.to_pandas(split_blocks=True, self_destruct=True)


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats (NULL and text as NaN)."""
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _key(frame: pd.DataFrame, columns: list[str], row: int) -> str:
    """How a finding names its row: ``column=value`` for each key column the table has."""
    return " ".join(f"{c}={frame[c].iat[row]}" for c in columns if c in frame.columns)


def _in_row_order(found: list[tuple[int, int, Finding]]) -> list[Finding]:
    """Findings of several attacks on the same rows, by row and then by attack (``(row, attack, finding)``),
    the order an audit reading row by row reports them in."""
    return [finding for _, _, finding in sorted(found, key=lambda entry: entry[:2])]


# ---------------------------------------------------------------------------------------------------
# The attacks, table by table
# ---------------------------------------------------------------------------------------------------


def _count_rule(table: str, frame: pd.DataFrame, rows: np.ndarray, columns: list[str], key: list[str]
                ) -> list[Finding]:  # fmt: skip
    """Counts shown (in ``rows``) that are 1-7 or not a multiple of 5, row by row and column by column."""
    if not len(rows):
        return []
    values = np.column_stack([_floats(frame, c)[rows] for c in columns])
    with np.errstate(invalid="ignore"):
        broken = np.isfinite(values) & (
            ((values > 0) & (values <= SMALL_MAX)) | (np.mod(values, ROUNDING) != 0)
        )
    return [Finding(table, _key(frame, key, rows[r]), f"count shown unrounded or 1-{SMALL_MAX}",
                    f"{columns[c]}={values[r, c]:g}") for r, c in zip(*np.nonzero(broken), strict=True)]  # fmt: skip


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
METRIC_COLUMNS = [*METRIC_KEY, "source", "suppressed", "suppression_reason", *METRIC_FIGURES]


def _suppressed_figures(m: pd.DataFrame, suppressed: np.ndarray) -> list[Finding]:
    """Any figure on a suppressed row: beside a withheld count, a share, limit or change gives it back."""
    figures = [c for c in METRIC_FIGURES if c in m.columns]
    rows = np.flatnonzero(suppressed)  # only these are read: a few percent of the table
    values = np.column_stack([_floats(m, c)[rows] for c in figures])
    shown = np.isfinite(values)
    return [Finding("marts.metric_by_group", _key(m, METRIC_KEY, rows[r]), "figure shown on a suppressed row",
                    ", ".join(f"{c}={values[r, i]:g}" for i, c in enumerate(figures) if shown[r, i]))
            for r in np.flatnonzero(shown.any(axis=1))]  # fmt: skip


def _count_row_inversions(m: pd.DataFrame, rows: np.ndarray) -> list[Finding]:
    """On published count rows: n_eff beside another base, a share or rate not from the published counts,
    Wilson limits (proportions) or Byar / exact limits (rates) that solve to other counts."""
    table, found = "marts.metric_by_group", []
    num, den, value, n_eff = (_floats(m, c)[rows] for c in ("numerator", "denominator", "value", "n_eff"))
    rate = np.array(
        [str(v).endswith(RATE_SUFFIX) for v in m["metric_id"].to_numpy(dtype=object)[rows]], dtype=bool
    )

    def add(i: int, attack: int, method: str, recovered: str) -> None:
        found.append((i, attack, Finding(table, _key(m, METRIC_KEY, rows[i]), method, recovered)))

    with np.errstate(invalid="ignore"):
        x = value * n_eff
    for i in np.flatnonzero(~rate & np.isfinite(n_eff) & (n_eff != den)):
        add(i, 0, "n_eff x value (n_eff is not the published base)",
            f"{x[i]:g}/{n_eff[i]:g}" if is_int(x[i]) else f"n={n_eff[i]:g}")  # fmt: skip
    multiplier = np.where(rate, 10_000.0, 1.0)
    for i in np.flatnonzero(share_mismatch(value, num, den, multiplier)):
        add(i, 1, "share x total (share not from the published counts)",
            share_recovered(value[i], num[i], den[i], multiplier[i]))  # fmt: skip
    for attack, (level, conf) in enumerate(CONFIDENCE.items(), start=2):
        lower, upper = _floats(m, f"lower_{level}")[rows], _floats(m, f"upper_{level}")[rows]
        wilson, xs, ns = wilson_recovered(lower, upper, Z[level], num, den)
        for i in np.flatnonzero(~rate & wilson):
            add(i, attack, f"Wilson {level}% interval inverted", f"{int(xs[i])}/{int(ns[i])}")
        with np.errstate(invalid="ignore", divide="ignore"):
            bounded = rate & (lower > 0) & np.isfinite(upper)
            count = np.full(len(rows), np.nan)
            count[bounded] = invert_poisson_ratio(upper[bounded] / lower[bounded], conf)
        for i in np.flatnonzero(np.isfinite(count) & (count != num)):
            base = poisson_limits(count[i], conf)[0][0] * 10_000 / lower[i]
            add(i, attack, f"Byar/exact {level}% limits inverted", f"{int(count[i])} per {base:.0f}")
    return _in_row_order(found)


def _metric_rows(m: pd.DataFrame) -> list[Finding]:
    """Row by row attacks on metric_by_group: figures on suppressed rows, counts against the rules, the
    inversions of count rows, survey bases under 10 or unrounded (outside a national England row)."""
    suppressed = m["suppressed"].fillna(False).astype(bool).to_numpy()
    out = _suppressed_figures(m, suppressed)
    counts = np.flatnonzero(~suppressed & m["source"].isin(COUNT_SOURCES).to_numpy())
    out += _count_rule("marts.metric_by_group", m, counts, ["numerator", "denominator", "unweighted_n", "n_eff"],
                       METRIC_KEY)  # fmt: skip
    out += _count_row_inversions(m, counts)
    n = _floats(m, "unweighted_n")
    survey = ~suppressed & m["source"].str.startswith("gpps").fillna(False).to_numpy(dtype=bool)
    england = (m["geography_level"] == "england").to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        broken = survey & np.isfinite(n) & ((n < MIN_BASE) | (~england & (n % ROUNDING != 0)))
    out += [Finding("marts.metric_by_group", _key(m, METRIC_KEY, r), "survey base under 10 or unrounded",
                    f"unweighted_n={n[r]:g}") for r in np.flatnonzero(broken)]  # fmt: skip
    return out


@dataclass(frozen=True)
class Blocks:
    """Totals and the parts that add up to them, as row positions: block ``b`` is
    ``totals[b] = sum(parts[starts[b]:starts[b + 1]])``."""

    totals: np.ndarray
    parts: np.ndarray
    starts: np.ndarray

    def members(self, b: int) -> np.ndarray:
        """Block ``b``'s part rows."""
        return self.members_of(self.parts, b)

    def members_of(self, per_part: np.ndarray, b: int) -> np.ndarray:
        """Block ``b``'s entries of an array with one entry per part."""
        return per_part[self.starts[b] : self.starts[b + 1]]


def _blocks(frame: pd.DataFrame, cell: list[str], nesting: dict[str, str]) -> Blocks:
    """Each cell's overall row and each dimension's groups; a band and its groups (ethnicity within band);
    each margin group of an intersection and the intersection's groups within it.

    Positions are ``frame``'s index (the whole table's rows). Blocks come in the order their first part
    does, parts in row order; where a key repeats, the last row with it is the total (as a lookup built
    row by row would keep)."""
    position = frame.index.to_numpy()
    local = np.arange(len(frame))
    cell_id = frame.groupby(cell, sort=False, dropna=False).ngroup().to_numpy()
    dimension = frame["dimension"].to_numpy(dtype=object)
    group = frame["group_value"].to_numpy(dtype=object)
    overall_all = (dimension == "overall") & (group == "All")
    overall_of = np.full(cell_id.max() + 1 if len(frame) else 0, -1)
    np.maximum.at(overall_of, cell_id[overall_all], local[overall_all])
    part = np.flatnonzero(dimension != "overall")
    totals, members, seq = [overall_of[cell_id[part]]], [part], [2 * part]
    if nesting:
        band = np.flatnonzero(dimension == "ethnicity_band")
        band_of = {(cell_id[i], group[i]): i for i in band}
        nested = np.flatnonzero(
            (dimension == "ethnicity") & np.array([g in nesting for g in group], dtype=bool)
        )
        totals.append(np.array([band_of.get((cell_id[i], nesting[group[i]]), -1) for i in nested], dtype=int))
        members.append(nested)
        seq.append(2 * nested + 1)
    crossed_totals, crossed = _intersection_margins(cell_id, dimension, group)
    totals.append(crossed_totals)
    members.append(crossed)
    seq.append(2 * crossed + 1)
    order = np.argsort(np.concatenate(seq), kind="stable")
    total, member = np.concatenate(totals)[order], np.concatenate(members)[order]
    member, total = member[total >= 0], total[total >= 0]
    dimension_code = pd.factorize(dimension, use_na_sentinel=False)[0]
    block, _ = pd.factorize(total * (dimension_code.max(initial=0) + 1) + dimension_code[member])
    by_block = np.argsort(block, kind="stable")
    block_total = np.zeros(block.max(initial=-1) + 1, dtype=int)
    block_total[block] = total
    starts = np.concatenate([[0], np.cumsum(np.bincount(block, minlength=len(block_total)))])
    return Blocks(position[block_total], position[member[by_block]], starts)


def _intersection_margins(cell_id: np.ndarray, dimension: np.ndarray, group: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(margin row, intersection row) for every group of an intersection of two dimensions, as the contract
    names them ('age_band x sex', '16-24 | Male'), against each margin it adds up to ('age_band' '16-24',
    'sex' 'Male') in the same cell; -1 where the margin row is not published. Local positions."""
    rows = pd.DataFrame({"cell": cell_id, "dimension": dimension, "group": group})
    pairs = (rows["dimension"].fillna("").str.count(" x ") == 1) & (
        rows["group"].fillna("").str.count(r" \| ") == 1
    )
    crossed = rows[pairs]
    if crossed.empty:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    names = crossed["dimension"].str.split(" x ", expand=True, regex=False)
    values = crossed["group"].str.split(" | ", expand=True, regex=False)
    margins = pd.concat(
        [
            pd.DataFrame(
                {
                    "cell": crossed["cell"],
                    "dimension": names[side],
                    "group": values[side],
                    "member": crossed.index,
                }
            )
            for side in (0, 1)
        ]
    )
    margin_rows = rows.reset_index(names="total").drop_duplicates(["cell", "dimension", "group"], keep="last")
    found = margins.merge(margin_rows, on=["cell", "dimension", "group"], how="left")
    return found["total"].fillna(-1).to_numpy(dtype=int), found["member"].to_numpy(dtype=int)


def _difference(table: str, frame: pd.DataFrame, blocks: Blocks, column: str, role: str, reasons: np.ndarray,
                key: list[str], rounded: bool = True) -> list[Finding]:  # fmt: skip
    """Total minus published parts: a lone hidden part, or any cell the equation pins to one value.
    Only the blocks with a part withheld in ``column`` can give anything back."""
    values = _floats(frame, column)
    hidden = ~np.isfinite(values)
    if not len(blocks.totals):
        return []
    withheld = np.add.reduceat(hidden[blocks.parts].astype(int), blocks.starts[:-1])
    lone = (withheld == 1) & (np.diff(blocks.starts) > 1) & np.isfinite(values[blocks.totals])
    solve = (withheld > 0) & ~lone & rounded
    lo, hi, gap = known_ranges(values, reasons, role)
    total_pin, part_pin = differencing_pins(lo, hi, gap, blocks.totals, blocks.parts, blocks.starts, solve)
    block = np.repeat(np.arange(len(blocks.totals)), np.diff(blocks.starts))
    pinned = np.isfinite(total_pin) | (np.bincount(block, np.isfinite(part_pin), len(blocks.totals)) > 0)
    out = []
    for b in np.flatnonzero(lone | pinned):
        parts = blocks.members(b)
        if lone[b]:
            lost = parts[hidden[parts]][0]
            t, rest = values[blocks.totals[b]], sum(float(values[i]) for i in parts if i != lost)
            spread = 0 if not rounded else (ROUNDING // 2) * len(parts)
            out.append(Finding(table, _key(frame, key, lost), f"total minus the other parts ({column})",
                               f"{t - rest - spread:g} to {t - rest + spread:g}"))  # fmt: skip
            continue
        pins = zip([blocks.totals[b], *parts], [total_pin[b], *blocks.members_of(part_pin, b)], strict=True)
        out += [Finding(table, _key(frame, key, i), f"differencing the total and its parts ({column})",
                        f"{column}={int(value)}") for i, value in pins if np.isfinite(value)]  # fmt: skip
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
    """Totals and parts of count rows (numerators, denominators) and of survey rows (weighted bases,
    exact; unweighted bases, rounded)."""
    table, out = "marts.metric_by_group", []
    cell = ["geography_level", "geography_code", "boundaries", "period", "metric_id", "source"]
    reasons = m["suppression_reason"].fillna("").to_numpy(dtype=object)
    count_rows = m["source"].isin(COUNT_SOURCES).to_numpy()
    counts = _blocks(m[count_rows], cell, nesting)
    for column in ("numerator", "denominator"):
        out += _difference(table, m, counts, column, column, reasons, METRIC_KEY)
    surveys = _blocks(m[~count_rows], cell, nesting)
    out += _difference(table, m, surveys, "denominator", "weighted", reasons, METRIC_KEY, rounded=False)
    out += _difference(table, m, surveys, "unweighted_n", "numerator", reasons, METRIC_KEY)
    return out


REPRESENTATION_KEY = ["channel", "geography_level", "geography_code", "period", "dimension", "group_value"]


def _groups(frame: pd.DataFrame, columns: list[str]) -> list[np.ndarray]:
    """Row positions of each group of ``columns`` (rows with a NULL key in none), first-seen order."""
    group = frame.groupby(columns, sort=False).ngroup().to_numpy(dtype=float)
    rows = np.flatnonzero(np.isfinite(group))
    rows = rows[np.argsort(group[rows], kind="stable")]
    return np.split(rows, np.flatnonzero(np.diff(group[rows])) + 1) if len(rows) else []


def _representation(r: pd.DataFrame) -> list[Finding]:
    """Voices against the rules, shares and ratio limits beside withheld or other counts, and each
    dimension's groups against their total."""
    table, key = "marts.representation", REPRESENTATION_KEY
    out = _count_rule(table, r, np.arange(len(r)), ["voices", "voices_total"], key)
    voices, total = _floats(r, "voices"), _floats(r, "voices_total")
    derived = ["share_of_voices", "representation_ratio", "ratio_lower_95", "ratio_upper_95"]
    figures = np.column_stack([_floats(r, c) for c in derived])
    share, withheld = figures[:, 0], ~np.isfinite(voices)
    found = []
    with np.errstate(invalid="ignore"):
        voices_back = share * total
    for i in np.flatnonzero(withheld & np.isfinite(figures).any(axis=1)):
        shown = ", ".join(c for c, f in zip(derived, figures[i], strict=True) if np.isfinite(f))
        recovered = f"voices={voices_back[i]:g}" if np.isfinite(voices_back[i]) else shown
        found.append(
            (i, 0, Finding(table, _key(r, key, i), "share x total on a suppressed group", recovered))
        )
    for i in np.flatnonzero(~withheld & share_mismatch(share, voices, total)):
        found.append((i, 0, Finding(table, _key(r, key, i), "share x total (share not from the published counts)",
                                    share_recovered(share[i], voices[i], total[i]))))  # fmt: skip
    # The ratio's limits are the Wilson limits of the share over the population share.
    population = _floats(r, "population_share")
    with np.errstate(invalid="ignore"):
        lower, upper = figures[:, 2] * population, figures[:, 3] * population
    wilson, xs, ns = wilson_recovered(lower, upper, Z["95"], voices, total)
    for i in np.flatnonzero(~withheld & wilson):
        found.append(
            (
                i,
                1,
                Finding(table, _key(r, key, i), "Wilson 95% interval inverted", f"{int(xs[i])}/{int(ns[i])}"),
            )
        )
    out += _in_row_order(found)
    # Differencing: the total beside the groups of one channel, geography, period and dimension.
    reasons = (
        r["suppression_reason"].fillna("") if "suppression_reason" in r else pd.Series("", index=r.index)
    )
    reasons = reasons.where(r["voices"].notna() | (reasons != ""), "small_count").to_numpy(dtype=object)
    known = known_ranges(voices, reasons, "numerator")
    known_total = known_ranges(total, np.full(len(r), ""), "numerator")
    for rows in _groups(r, ["channel", "geography_level", "geography_code", "period", "dimension"]):
        lost = rows[withheld[rows]]
        if not len(lost) or not np.isfinite(total[rows[0]]):
            continue
        if len(lost) == 1 and len(rows) > 1:
            rest = sum(float(voices[i]) for i in rows if i != lost[0])
            out.append(Finding(table, _key(r, key, lost[0]), "total minus the other groups",
                               f"voices about {total[rows[0]] - rest:g}"))  # fmt: skip
            continue
        groups = [domain_of(*known, i) for i in rows]
        pinned = recover_by_differencing(domain_of(*known_total, rows[0]), groups)[1:]
        out += [Finding(table, _key(r, key, i), "differencing the total and its groups", f"voices={value}")
                for i, value in zip(rows, pinned, strict=True) if value is not None]  # fmt: skip
    return out


TRIANGULATION_KEY = ["geography_level", "geography_code", "dimension", "group_value", "theme"]
TRIANGULATION_COUNTS = ["comments", "negative_comments", "complaints", "healthwatch_findings", "stories"]
# Counts per theme the mart gained after the row-by-row audit was retired, checked where the table has them.
TRIANGULATION_LATER_COUNTS = ["healthwatch_reviews"]


def _triangulation(t: pd.DataFrame, nesting: dict[str, str]) -> list[Finding]:
    """Counts against the rules, negative shares beside withheld or other counts, and each dimension's
    groups (and each band's detailed groups, ``nesting``) against the overall row of their area and theme
    (repeated findings once); a group's comments on any theme likewise, per area."""
    table, key = "marts.triangulation", TRIANGULATION_KEY
    counts = TRIANGULATION_COUNTS + [c for c in TRIANGULATION_LATER_COUNTS if c in t.columns]
    out = _count_rule(table, t, np.arange(len(t)), counts, key)
    share, negative, comments = (_floats(t, c) for c in ("negative_share", "negative_comments", "comments"))
    beside = np.isfinite(share) & ~(np.isfinite(negative) & np.isfinite(comments))
    for i in np.flatnonzero(beside | share_mismatch(share, negative, comments)):
        out.append(Finding(table, _key(t, key, i), "share shown beside a suppressed count", f"negative_share={share[i]:g}")
                   if beside[i] else Finding(table, _key(t, key, i), "share x total (share not from the published counts)",
                                             share_recovered(share[i], negative[i], comments[i])))  # fmt: skip
    # The overall share printed on every row of an area and theme must be the overall row's counts' ratio.
    # (The finding names the overall row by its dimension and group only, as the row-by-row audit did.)
    place = (
        t.groupby(["geography_level", "geography_code", "theme"], sort=False, dropna=False)
        .ngroup()
        .to_numpy()
    )
    overall = np.flatnonzero((t["dimension"] == "overall").to_numpy(dtype=bool))
    overall_of = np.full(place.max(initial=-1) + 1, -1)
    overall_of[place[overall]] = overall
    published, o = _floats(t, "overall_negative_share"), overall_of[place]
    has_overall = o >= 0
    mismatch = np.zeros(len(t), dtype=bool)
    mismatch[has_overall] = share_mismatch(
        published[has_overall], negative[o[has_overall]], comments[o[has_overall]]
    )
    for i in np.flatnonzero(mismatch):
        row = f"dimension={t['dimension'].iat[o[i]]} group_value={t['group_value'].iat[o[i]]}"
        out.append(Finding(table, row, "share x total (share not from the published counts)",
                           share_recovered(published[i], negative[o[i]], comments[o[i]])))  # fmt: skip
    # NULL counts carry no reason: a reader knows they are 1-7 or hidden to protect another group.
    blocks = _blocks(t, ["geography_level", "geography_code", "theme"], nesting)
    unknown = np.full(len(t), None, dtype=object)
    for column in counts:
        out += _difference(table, t, blocks, column, "numerator", unknown, key)
    if "group_comments" in t.columns:
        out += _triangulation_group_comments(t, nesting)
    return list(dict.fromkeys(out))


def _triangulation_group_comments(t: pd.DataFrame, nesting: dict[str, str]) -> list[Finding]:
    """``group_comments`` (a group's comments on any theme, on each of its theme rows) against the rules, the
    theme share taken over it, and per area each dimension's groups (each band's detailed groups) against the
    overall count."""
    table, key = "marts.triangulation", TRIANGULATION_KEY
    out = _count_rule(table, t, np.arange(len(t)), ["group_comments"], key)
    share, negative, base = (
        _floats(t, c) for c in ("negative_theme_share", "negative_comments", "group_comments")
    )
    beside = np.isfinite(share) & ~(np.isfinite(negative) & np.isfinite(base))
    for i in np.flatnonzero(beside | share_mismatch(share, negative, base)):
        out.append(Finding(table, _key(t, key, i), "share shown beside a suppressed count", f"negative_theme_share={share[i]:g}")
                   if beside[i] else Finding(table, _key(t, key, i), "share x total (share not from the published counts)",
                                             share_recovered(share[i], negative[i], base[i])))  # fmt: skip
    # One row per group (positions of its own: _blocks indexes the frame it is given).
    groups = t.drop_duplicates(["geography_level", "geography_code", "dimension", "group_value"])
    groups = groups.reset_index(drop=True).assign(theme="any theme")
    blocks = _blocks(groups, ["geography_level", "geography_code"], nesting)
    unknown = np.full(len(groups), None, dtype=object)
    return out + _difference(table, groups, blocks, "group_comments", "numerator", unknown, key)


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
    return [Finding("marts.spc", _key(rows, SPC_KEY, i), "control-chart point of a value not published",
                    f"value={v:g}") for i, v in enumerate(_floats(rows, "value"))]  # fmt: skip


OPTION_KEY = ["geography_level", "geography_code", "period", "question", "option_code"]


def _question_options(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """GPPS option shares against the survey rule: no share on a withheld row or on fewer than ``MIN_BASE``
    respondents, and no unweighted base below England off the rounding (the shares are Ipsos's own published
    figures, so there is no count to difference back)."""
    rows = con.execute(
        f"""SELECT {", ".join(OPTION_KEY)}, share, unweighted_base, suppressed FROM marts.gpps_question_options
            WHERE (share IS NOT NULL AND (suppressed OR NOT coalesce(unweighted_base >= {MIN_BASE}, FALSE)))
               OR (geography_level <> 'england' AND unweighted_base % {ROUNDING} <> 0)"""
    ).df()
    return [
        Finding("marts.gpps_question_options", _key(rows, OPTION_KEY, i), "option share on a withheld or small base",
                f"share={rows['share'].iat[i]}, unweighted_base={rows['unweighted_base'].iat[i]}")
        for i in range(len(rows))
    ]  # fmt: skip


STANDARDISED_KEY = ["geography_level", "geography_code", "period", "measure"]
STANDARDISED_FIGURES = ["observed", "crude_rate", "crude_lower_95", "crude_upper_95", "crude_lower_998",
                        "crude_upper_998", "dsr", "dsr_lower_95", "dsr_upper_95", "dsr_lower_998", "dsr_upper_998",
                        "expected", "isr", "isr_lower_95", "isr_upper_95", "isr_lower_998", "isr_upper_998",
                        "age_known_share"]  # fmt: skip


def _standardised_rates(s: pd.DataFrame) -> list[Finding]:
    """marts.standardised_rates: figures beside a withheld count, counts against the rules, and the crude rate's
    and the ISR's Byar / exact limits solved for the count they rest on, which must be the published one."""
    table = "marts.standardised_rates"
    suppressed = s["suppressed"].fillna(False).astype(bool).to_numpy()
    figures = [c for c in STANDARDISED_FIGURES if c in s.columns]
    rows = np.flatnonzero(suppressed)
    values = (
        np.column_stack([_floats(s, c)[rows] for c in figures]) if len(rows) else np.empty((0, len(figures)))
    )
    shown = np.isfinite(values)
    found = [(int(rows[r]), 0, Finding(table, _key(s, STANDARDISED_KEY, rows[r]), "figure shown on a suppressed row",
                                        ", ".join(f"{c}={values[r, i]:g}" for i, c in enumerate(figures) if shown[r, i])))
             for r in np.flatnonzero(shown.any(axis=1))]  # fmt: skip
    observed = _floats(s, "observed")
    with np.errstate(invalid="ignore"):
        broken = (~suppressed & np.isfinite(observed)
                  & (((observed > 0) & (observed <= SMALL_MAX)) | (np.mod(observed, ROUNDING) != 0)))  # fmt: skip
    found += [(int(i), 1, Finding(table, _key(s, STANDARDISED_KEY, i), f"count shown unrounded or 1-{SMALL_MAX}",
                                  f"observed={observed[i]:g}")) for i in np.flatnonzero(broken)]  # fmt: skip
    for attack, (level, conf) in enumerate(CONFIDENCE.items(), start=2):
        for name in ("crude", "isr"):
            lower, upper = _floats(s, f"{name}_lower_{level}"), _floats(s, f"{name}_upper_{level}")
            with np.errstate(invalid="ignore", divide="ignore"):
                bounded = ~suppressed & (lower > 0) & np.isfinite(upper)
                count = np.full(len(s), np.nan)
                count[bounded] = invert_poisson_ratio(upper[bounded] / lower[bounded], conf)
            for i in np.flatnonzero(np.isfinite(count) & (count != observed)):
                found.append((int(i), attack, Finding(table, _key(s, STANDARDISED_KEY, i),
                                                      f"{name} Byar/exact {level}% limits inverted",
                                                      f"{int(count[i])} events, published {observed[i]:g}")))  # fmt: skip
    return _in_row_order(found)


def audit_disclosure(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every way the published marts give back a suppressed or rounded-away count (empty: none found)."""
    tables = _tables(con)
    findings: list[Finding] = []
    if "marts.metric_by_group" in tables:
        m = _read(con, "marts.metric_by_group", METRIC_COLUMNS)
        findings += _metric_rows(m)
        findings += _metric_differencing(m, _nesting(con, tables))
    if "marts.representation" in tables:
        findings += _representation(_read(con, "marts.representation"))
    if "marts.triangulation" in tables:
        findings += _triangulation(_read(con, "marts.triangulation"), _nesting(con, tables))
    if "marts.spc" in tables:
        findings += _spc(con, tables)
    if "marts.gpps_question_options" in tables:
        findings += _question_options(con)
    if "marts.standardised_rates" in tables:
        findings += _standardised_rates(_read(con, "marts.standardised_rates"))
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
            for i in range(len(rows)):
                out.append(Finding(table, _key(rows, key, i), f"value outside its {lower}-{upper} interval",
                                   f"{rows[value].iat[i]:g} not in [{rows[lower].iat[i]:g}, {rows[upper].iat[i]:g}]"))  # fmt: skip
    return out
