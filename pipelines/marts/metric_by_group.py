"""``marts.metric_by_group``: every metric × geography × period × demographic group, with intervals,
gaps and disclosure control.

Sources contribute *estimates* (one row per cell: numerator, denominator, unweighted n, effective n,
optionally a published value and interval). ``finalise_estimates`` turns them into published rows:
95% and 99.8% Wilson intervals on the effective n, the gap from the geography's overall value and from
the best group with significance, and disclosure control (docs/DESIGN.md section 8). Plain pandas / numpy:
the frames are one row per cell, not per record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core.periods import add_period_columns
from pipelines.marts.labels import label_coverage, metric_unit
from pipelines.methods.disclosure import (
    COUNT_SUPPRESS_MAX,
    MIN_COMMENTS_FOR_BREAKDOWN,
    MIN_GROUP_N_EFF,
    MIN_SURVEY_BASE,
    REASON_SMALL_N_EFF,
    percentage_from_rounded,
    protect_additive_block,
    round_to_base,
    suppress_and_round_counts,
)
from pipelines.methods.intervals import rate_interval, two_group_difference, wilson_interval
from pipelines.sources.shared.geography import AS_OF_PERIOD, CURRENT
from schemas.contracts import contract

ESTIMATE_COLUMNS: dict[str, str] = {
    "geography_level": "VARCHAR",  # practice | pcn | sub_icb | icb | england | trust | site
    "geography_code": "VARCHAR",
    "boundaries": "VARCHAR",  # as_of_period | current (sources/shared/geography.py BOUNDARIES)
    "period": "VARCHAR",  # survey year '2025', month '2025-03', or financial year '2024-25'
    "metric_id": "VARCHAR",
    "metric_name": "VARCHAR",
    "source": "VARCHAR",  # gpps_published | gpps_respondents | fft | complaints | comments
    "series": "VARCHAR",  # GPPS comparable series (2017-2023 | 2024+); NULL for sources without a series break
    "dimension": "VARCHAR",  # overall | age_band | sex | … | an intersection 'age_band x sex'
    "group_value": "VARCHAR",
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
    "unweighted_n": "DOUBLE",
    "n_eff": "DOUBLE",
    "n_eff_method": "VARCHAR",  # from_published_ci | design_effect_2.43 | kish | count
    "value": "DOUBLE",  # only when published by the source (GPPS); else numerator / denominator
    "lower_95": "DOUBLE",
    "upper_95": "DOUBLE",
    "count_based": "BOOLEAN",  # numerator and denominator count people, comments or complaints
    "higher_is_better": "BOOLEAN",
}


# One published cell: its overall row and its groups (gaps, disclosure blocks). A sub-ICB on today's boundaries
# is a different population from the same code at the time, so boundaries is part of the cell.
CELL = ["geography_level", "geography_code", "boundaries", "period", "metric_id", "source"]

# Groups that are not comparable populations: never the "best group", never flagged.
NON_GROUPS = ("Not stated", "Prefer not to say", "Unknown", "Unmapped")

# Intersections of two dimensions (issue 18 item 6), from respondent-level files only: the dimension is named
# '<first> x <second>' and each group '<group of first> | <group of second>' ('age_band x sex', '16-24 | Male').
# Each group adds up, with the other groups sharing its first (second) part, to that group of the first (second)
# dimension, so secondary suppression protects every intersection against both its margins
# (``intersection_margins``). The pairs, and the levels they are written for, are in gpps_respondent_estimates.sql.
INTERSECTION_JOIN = " x "
INTERSECTION_SEPARATOR = " | "


def intersection_margins(dimension: str, group_value: str) -> list[tuple[str, str]]:
    """The (dimension, group) rows an intersection's group is a part of — ('age_band', '16-24') and ('sex',
    'Male') for ('age_band x sex', '16-24 | Male') — or [] for a single dimension."""
    dimensions = dimension.split(INTERSECTION_JOIN)
    groups = group_value.split(INTERSECTION_SEPARATOR)
    if len(dimensions) < 2 or len(groups) != len(dimensions):
        return []
    return list(zip(dimensions, groups, strict=True))


def is_non_group(group_values: pd.Series) -> np.ndarray:
    """Groups that are not a comparable population (``NON_GROUPS``), an intersection when any of its parts is."""
    parts = group_values.fillna("").str.split(INTERSECTION_SEPARATOR, regex=False).explode()
    return parts.str.startswith(NON_GROUPS).groupby(level=0).any().reindex(group_values.index).to_numpy()


def empty_estimates() -> pd.DataFrame:
    """An estimates frame with the right columns and no rows."""
    return pd.DataFrame({c: pd.Series(dtype="object" if t in {"VARCHAR"} else ("boolean" if t == "BOOLEAN" else "float64"))
                         for c, t in ESTIMATE_COLUMNS.items()})  # fmt: skip


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "higher_is_better" not in out:
        out["higher_is_better"] = True
    for column, kind in ESTIMATE_COLUMNS.items():
        if column not in out:
            out[column] = np.nan if kind == "DOUBLE" else None
        if kind == "DOUBLE":
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["count_based"] = out["count_based"].fillna(False).astype(bool)
    # A row no boundaries were asked for is placed as at its period (gaps and blocks key on boundaries).
    out["boundaries"] = out["boundaries"].fillna(AS_OF_PERIOD)
    # NULL polarity = neither direction is better (e.g. how often a theme is mentioned): no "worse", no "best".
    out["higher_is_better"] = out["higher_is_better"].astype("boolean")
    return out[list(ESTIMATE_COLUMNS)]


def finalise_estimates(
    estimates: pd.DataFrame, nesting: dict[str, tuple[str, dict[str, str]]] | None = None
) -> pd.DataFrame:
    """Disclosure control, then intervals and gaps FROM THE PUBLISHED FIGURES, for ``ESTIMATE_COLUMNS`` rows.

    The rules are applied to the true counts (docs/DESIGN.md section 8); every count of people, comments or
    complaints is then replaced by its published (rounded) value, and each count-based row's value, n_eff,
    intervals and gaps are computed from those published counts, so nothing published solves back to a true
    count. Survey rows keep their weighted values and limits (not counts of people); their unweighted base
    is rounded. ``nesting`` maps a dimension to (its parent dimension, {group: parent group}) — e.g.
    ethnicity within ethnicity_band — so secondary suppression also protects groups against their parent.
    """
    e = _conform(estimates).reset_index(drop=True)
    # What each row is: England only when it covers England; typed periods; the unit of its value.
    e = add_period_columns(label_coverage(e))
    e.insert(list(e.columns).index("metric_name") + 1, "unit", metric_unit(e["metric_id"]))
    _disclose(e, nesting or {})
    counts = e["count_based"].to_numpy()
    rate = e["metric_id"].str.endswith("_per_10k").to_numpy()
    # Values and effective sizes: from the published counts for count rows; as computed for surveys.
    from_counts = percentage_from_rounded(e["numerator"], e["denominator"], 1.0)
    e["value"] = np.where(
        counts,
        np.where(rate, from_counts * 10_000.0, from_counts),
        e["value"].where(e["value"].notna(), e["numerator"] / e["denominator"].where(e["denominator"] > 0)),
    )
    e["n_eff"] = np.where(counts, e["denominator"], e["n_eff"].where(e["n_eff"].notna(), e["denominator"]))
    e.loc[e["count_based"] & e["n_eff_method"].isna(), "n_eff_method"] = "count"
    proportion = ~rate
    x = (e["value"] * e["n_eff"]).to_numpy()
    x = np.where(counts, e["numerator"].to_numpy(), x)  # the published count itself, not value × n
    lo95, hi95 = wilson_interval(x, e["n_eff"].to_numpy(), 0.95)
    lo998, hi998 = wilson_interval(x, e["n_eff"].to_numpy(), 0.998)
    # Survey sources may publish their own limits (GPPS); count rows never carry a source's limits.
    keep_source = e["lower_95"].notna().to_numpy() & ~counts
    e["lower_95"] = np.where(keep_source, e["lower_95"], np.where(proportion, lo95, np.nan))
    e["upper_95"] = np.where(keep_source, e["upper_95"], np.where(proportion, hi95, np.nan))
    e["lower_998"] = np.where(proportion, lo998, np.nan)
    e["upper_998"] = np.where(proportion, hi998, np.nan)
    if rate.any():
        # Rates per 10,000: Byar / exact Poisson limits on the published count (PHE phe_rate).
        x_rate, n_rate = e.loc[rate, "numerator"].to_numpy(), e.loc[rate, "denominator"].to_numpy()
        for conf, lo_col, hi_col in ((0.95, "lower_95", "upper_95"), (0.998, "lower_998", "upper_998")):
            _, lo, hi = rate_interval(np.nan_to_num(x_rate, nan=0.0), n_rate, 10_000, conf)
            e.loc[rate, lo_col] = np.where(np.isnan(x_rate), np.nan, lo)
            e.loc[rate, hi_col] = np.where(np.isnan(x_rate), np.nan, hi)
    _blank_figures(e)  # before the gaps, so no gap is computed from a withheld figure
    _gaps(e)
    return _blank_suppressed(e)


def _gaps(e: pd.DataFrame) -> None:
    """Gap from the geography's overall value and from the best group, with significance."""
    cell = CELL
    overall = e[e["dimension"] == "overall"][[*cell, "value", "n_eff"]].rename(
        columns={"value": "overall_value", "n_eff": "overall_n_eff"}
    )
    merged = e[cell].merge(overall.drop_duplicates(cell), on=cell, how="left")
    diff, _, _, _, sig = two_group_difference(
        e["value"].to_numpy(),
        e["n_eff"].to_numpy(),
        merged["overall_value"].to_numpy(),
        merged["overall_n_eff"].to_numpy(),
    )
    is_group = (e["dimension"] != "overall").to_numpy()
    e["diff_from_overall"] = np.where(is_group, diff, np.nan)
    e["diff_from_overall_significant"] = is_group & np.asarray(sig, dtype=bool)
    polarity = e["higher_is_better"]
    sign = np.where(polarity.isna(), 0.0, np.where(polarity.fillna(True), 1.0, -1.0))
    # Flag at 99.8%: a table of many groups × measures would flag ~5% of equal groups at 95%.
    *_, sig_998 = two_group_difference(
        e["value"].to_numpy(),
        e["n_eff"].to_numpy(),
        merged["overall_value"].to_numpy(),
        merged["overall_n_eff"].to_numpy(),
        conf=0.998,
    )
    e["worse_than_overall"] = is_group & np.asarray(sig_998, dtype=bool) & (sign * e["diff_from_overall"] < 0)

    # Best group: among real groups with enough people behind them.
    eligible = is_group & (e["_reason"] == "").to_numpy() & ~is_non_group(e["group_value"])
    eligible &= (
        e["unweighted_n"].fillna(0) >= np.where(e["count_based"], MIN_COMMENTS_FOR_BREAKDOWN, MIN_SURVEY_BASE)
    ).to_numpy()
    group_key = [*cell, "dimension"]
    scored = e.assign(_score=np.where(eligible & (sign != 0), sign * e["value"], np.nan))
    # Groups tied on value: the first by name, so the same rows always name the same best group (the order
    # the source's SQL returned its rows in is not fixed, and a family rebuilt alone must agree with a full build).
    ranked = scored.dropna(subset=["_score", *group_key]).sort_values(
        ["_score", "group_value"], ascending=[False, True], kind="mergesort"
    )
    best_index = ranked.drop_duplicates(group_key).index
    best = e.loc[best_index, [*group_key, "group_value", "value", "n_eff"]].rename(
        columns={"group_value": "best_group", "value": "best_value", "n_eff": "best_n_eff"}
    )
    with_best = e[group_key].merge(best, on=group_key, how="left")
    diff_b, _, _, _, sig_b = two_group_difference(
        e["value"].to_numpy(),
        e["n_eff"].to_numpy(),
        with_best["best_value"].to_numpy(),
        with_best["best_n_eff"].to_numpy(),
    )
    e["best_group"] = np.where(is_group, with_best["best_group"], None)
    e["diff_from_best"] = np.where(is_group, diff_b, np.nan)
    e["diff_from_best_significant"] = is_group & np.asarray(sig_b, dtype=bool)


def _disclose(e: pd.DataFrame, nesting: dict[str, tuple[str, dict[str, str]]]) -> None:
    """docs/DESIGN.md section 8, on the TRUE counts; the published counts replace them in ``e``.

    Count rows (at every level: Chorus's "England" is the sum of the areas loaded, so an unrounded England
    row beside one loaded ICB would give the ICB's counts back): numerator 1–7 → ``small_count``; a base of
    1–7, or a breakdown on fewer than 10 comments → ``small_base``; numerator, denominator and n rounded
    to 5. Survey rows: fewer than 10 unweighted respondents → ``small_base``; a group (not the
    overall row) on an effective sample size under ``MIN_GROUP_N_EFF`` → ``small_n_eff``; the unweighted base
    is rounded to 5 (kept as published for a national publication's England row). Then secondary suppression
    per total and its parts (:func:`pipelines.methods.disclosure.protect_additive_block`).
    """
    counts = e["count_based"].to_numpy()
    breakdown = (e["dimension"] != "overall").to_numpy()
    reason = np.full(len(e), "", dtype=object)
    true_num = e["numerator"].fillna(0).to_numpy()
    true_den = e["denominator"].fillna(0).to_numpy()
    true_n = e["unweighted_n"].to_numpy()

    # Survey (weighted) cells: the base rule, on the true base.
    reason[~counts & ~(np.nan_to_num(true_n, nan=0) >= MIN_SURVEY_BASE)] = "small_base"
    # Where a survey row has no n_eff of its own, its n_eff is its denominator (finalise_estimates).
    effective = e["n_eff"].where(e["n_eff"].notna(), e["denominator"]).to_numpy(dtype=float)
    reason[~counts & breakdown & (reason == "") & (np.nan_to_num(effective) < MIN_GROUP_N_EFF)] = (
        REASON_SMALL_N_EFF
    )
    national_publication = (e["geography_level"] == "england").to_numpy() & (
        e["source"] == "gpps_published"
    ).to_numpy()
    survey_n = np.where(
        national_publication, true_n, suppress_and_round_counts(np.nan_to_num(true_n, nan=0))[0]
    )
    e["unweighted_n"] = np.where(counts | np.isnan(true_n), e["unweighted_n"], survey_n)

    # Count cells: rules on the true counts, published counts rounded.
    if counts.any():
        small = counts & (true_num > 0) & (true_num <= COUNT_SUPPRESS_MAX)
        few = (
            counts
            & ~small
            & (
                ((true_den > 0) & (true_den <= COUNT_SUPPRESS_MAX))
                | (breakdown & (true_den < MIN_COMMENTS_FOR_BREAKDOWN))
            )
        )
        reason[small] = "small_count"
        reason[few] = "small_base"
        for column in ("numerator", "denominator", "unweighted_n"):
            true = e[column].to_numpy()
            rounded = round_to_base(np.nan_to_num(true, nan=0.0))
            e[column] = np.where(counts & ~np.isnan(true), rounded, e[column])
    reason[
        (reason == "") & _boundary_difference(e, np.where(counts, true_den, np.nan_to_num(true_n, nan=0)))
    ] = "boundary_difference"
    e["_reason"] = reason
    _secondary(e, nesting)


# A row on today's boundaries and the same code's row on the boundaries of its period differ by the practices
# that moved between them: the pair is what the differencing attacker subtracts.
_BOUNDARY_PAIR = [
    "geography_level",
    "geography_code",
    "period",
    "metric_id",
    "source",
    "dimension",
    "group_value",
]


def _boundary_difference(e: pd.DataFrame, true_size: np.ndarray) -> np.ndarray:
    """Rows on today's boundaries whose respondents (or base) differ from the same code's row on the
    boundaries of its period by 1-9: subtracting one from the other would publish the practices that moved
    on fewer than ``MIN_SURVEY_BASE``. Where the two hold the same practices (difference 0) nothing new can
    be learnt, and where no row of the period exists the row's own base rules apply."""
    flagged = np.zeros(len(e), dtype=bool)
    current = (e["boundaries"] == CURRENT).to_numpy()
    if not current.any():
        return flagged
    pairs = e.loc[current, _BOUNDARY_PAIR].assign(_size=true_size[current], _row=np.flatnonzero(current))
    of_period = e.loc[~current, _BOUNDARY_PAIR].assign(_period_size=true_size[~current])
    pairs = pairs.merge(of_period, how="inner", on=_BOUNDARY_PAIR)
    moved = (pairs["_size"] - pairs["_period_size"]).abs()
    flagged[pairs.loc[(moved > 0) & (moved < MIN_SURVEY_BASE), "_row"].to_numpy()] = True
    return flagged


def _blocks(e: pd.DataFrame, nesting: dict[str, tuple[str, dict[str, str]]]) -> list[tuple[int, list[int]]]:
    """Every (total row, part rows) that add up: a cell's overall row and the groups of each dimension,
    a parent group and its nested groups (``nesting``), and each margin group of an intersection and the
    intersection's groups within it (``intersection_margins``). Parts in a stable order (by group name)."""
    rows = e[e["dimension"].notna()].sort_values([*CELL, "dimension", "group_value"], kind="mergesort")
    cell_id = rows.groupby(CELL, sort=False, dropna=False).ngroup().to_numpy()
    dimension = rows["dimension"].to_numpy(dtype=object)
    group = rows["group_value"].to_numpy(dtype=object)
    index = rows.index.to_numpy()
    row_of = {(c, d, g): i for c, d, g, i in zip(cell_id, dimension, group, index, strict=True)}
    parts: dict[tuple, list[int]] = {}
    for c, d, g, i in zip(cell_id, dimension, group, index, strict=True):
        if d == "overall":
            continue
        overall = row_of.get((c, "overall", "All"))
        if overall is not None:
            parts.setdefault((overall, d), []).append(int(i))
        if d in nesting:
            parent_dimension, parent_of = nesting[d]
            parent = row_of.get((c, parent_dimension, parent_of.get(g)))
            if parent is not None:
                parts.setdefault((parent, d), []).append(int(i))
        for margin_dimension, margin_group in intersection_margins(d, g):
            margin = row_of.get((c, margin_dimension, margin_group))
            if margin is not None:
                parts.setdefault((margin, d), []).append(int(i))
    return [(int(total), members) for (total, _), members in parts.items()]


def _secondary(e: pd.DataFrame, nesting: dict[str, tuple[str, dict[str, str]]]) -> None:
    """Hide more groups until no total and its published parts give a hidden part back (ties by group name).

    Count rows are protected on their rounded numerators and denominators; survey rows on their weighted
    sums (published exactly, so one hidden part beside a published total is always recoverable) and on
    their rounded unweighted bases. A cell holding an intersection is a two-way table with both margins, where
    a chain of rows and columns can pin a hidden group although every total and its parts hides two or more:
    there all of the cell's equations are solved at once as well (``_pinned_by_every_equation``)."""
    candidates = e[(e["_reason"] != "").groupby([e[c] for c in CELL], dropna=False).transform("any")]
    if candidates.empty:
        return
    counts = e["count_based"].to_numpy()
    reason = e["_reason"].to_numpy(dtype=object).copy()
    groups = e["group_value"].astype(str).to_numpy()
    columns = {c: e[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "unweighted_n")}
    blocks = [(total, np.asarray(parts)) for total, parts in _blocks(candidates, nesting)]
    # A block is checked again only when a row of it was hidden since its last check: unchanged, the check
    # would hide nothing more. The blocks are still visited in the same order, so the same cells are hidden.
    blocks_of: dict[int, list[int]] = {}
    for b, (total, parts) in enumerate(blocks):
        for row in (total, *parts.tolist()):
            blocks_of.setdefault(row, []).append(b)
    dirty = np.ones(len(blocks), dtype=bool)
    crossed = _crossed_cells(e, blocks, counts)
    # A crossed cell is solved again only when one of its rows was hidden since it was last solved.
    cell_of_row = {
        int(r): k for k, cell in enumerate(crossed) for total, parts in cell for r in (total, *parts)
    }
    solved_with = np.full(len(reason), None, dtype=object)
    changed = True
    while changed:
        changed = False
        for b, (total, parts) in enumerate(blocks):
            if not dirty[b]:
                continue
            dirty[b] = False
            if counts[total]:
                checks = (("numerator", "numerator", True), ("denominator", "denominator", True))
            else:
                checks = (("denominator", "weighted", False), ("unweighted_n", "numerator", True))
            for column, role, rounded in checks:
                if (reason[parts] == "").all():
                    break
                values = columns[column]
                extra, hide_total = protect_additive_block(
                    (float(values[total]), reason[total]),
                    [(float(values[i]), reason[i]) for i in parts],
                    [groups[i] for i in parts],
                    role=role,
                    rounded=rounded,
                )
                if extra.any():
                    reason[parts[extra]] = "secondary"
                    changed = True
                    for row in parts[extra].tolist():
                        dirty[blocks_of[row]] = True
                if hide_total:  # e.g. a band whose only groups are hidden and pinned by it
                    reason[total] = "secondary"
                    changed = True
                    dirty[blocks_of[total]] = True
        if not changed:  # every block holds on its own: now every cell's blocks together
            moved = np.flatnonzero(reason != solved_with)
            again = sorted({cell_of_row[r] for r in moved.tolist() if r in cell_of_row})
            solved_with = reason.copy()
            for row in _pinned_by_every_equation(
                [crossed[k] for k in again], reason, columns["denominator"], groups
            ):
                reason[row] = "secondary"
                changed = True
                dirty[blocks_of[row]] = True
    e["_reason"] = reason


def _crossed_cells(
    e: pd.DataFrame, blocks: list[tuple[int, np.ndarray]], counts: np.ndarray
) -> list[list[tuple[int, np.ndarray]]]:
    """The blocks of each survey cell that holds an intersection (its weighted sums are published exactly)."""
    crossed = e["dimension"].fillna("").str.contains(INTERSECTION_JOIN, regex=False).to_numpy()
    cell_of = e.groupby(CELL, sort=False, dropna=False).ngroup().to_numpy()
    holding = set(cell_of[crossed & ~counts].tolist())
    by_cell: dict[int, list[tuple[int, np.ndarray]]] = {}
    for total, parts in blocks:
        if cell_of[total] in holding:
            by_cell.setdefault(int(cell_of[total]), []).append((total, parts))
    return list(by_cell.values())


def _pinned_by_every_equation(
    cells: list[list[tuple[int, np.ndarray]]], reason: np.ndarray, size: np.ndarray, groups: np.ndarray
) -> list[int]:
    """One more row to hide in each cell whose equations (every total = its parts), solved together over the
    hidden rows, pin a hidden row: its unit vector lies in the equations' row space, so the published weighted
    sums give it back exactly. The row hidden is the smallest published part (ties by group name) of a block the
    pinned row is in; the caller checks the blocks again and comes back until nothing is pinned."""
    extra: list[int] = []
    for blocks in cells:
        hidden = sorted(
            {int(r) for total, parts in blocks for r in (total, *parts.tolist()) if reason[r] != ""}
        )
        if not hidden:
            continue
        column = {row: k for k, row in enumerate(hidden)}
        equations = np.zeros((len(blocks), len(hidden)))
        for b, (total, parts) in enumerate(blocks):
            if total in column:
                equations[b, column[total]] += 1.0
            for part in parts.tolist():
                if part in column:
                    equations[b, column[part]] -= 1.0
        pinned = [hidden[k] for k in np.flatnonzero(_determined(equations))]
        if not pinned:
            continue
        around = [
            int(part)
            for total, parts in blocks
            if pinned[0] == total or pinned[0] in parts
            for part in parts.tolist()
            if reason[part] == ""
        ]
        if around:
            extra.append(min(around, key=lambda row: (size[row], groups[row])))
    return extra


def _determined(equations: np.ndarray) -> np.ndarray:
    """Which unknowns the homogeneous equations ``equations @ x = 0`` fix, whatever values the others take: by
    Gauss-Jordan elimination, a pivot unknown whose reduced row has no free unknown in it. (Small matrices of
    0 and ±1; elimination with partial pivoting in plain numpy, where an SVD spent its time starting threads.)"""
    a = equations.astype(float)
    rows, columns = a.shape
    pivots: list[tuple[int, int]] = []
    r = 0
    for c in range(columns):
        if r == rows:
            break
        p = r + int(np.argmax(np.abs(a[r:, c])))
        if abs(a[p, c]) < 1e-9:
            continue
        a[[r, p]] = a[[p, r]]
        a[r] /= a[r, c]
        others = np.arange(rows) != r
        a[others] -= np.outer(a[others, c], a[r])
        pivots.append((r, c))
        r += 1
    free = np.ones(columns, dtype=bool)
    free[[c for _, c in pivots]] = False
    fixed = np.zeros(columns, dtype=bool)
    for row, c in pivots:
        fixed[c] = not (np.abs(a[row, free]) > 1e-9).any()
    return fixed


def _blank_figures(e: pd.DataFrame) -> None:
    """Withhold every figure of a suppressed row, its bases and effective size included."""
    suppressed = (e["_reason"] != "").to_numpy()
    for column in ("value", "numerator", "denominator", "unweighted_n", "n_eff", "lower_95", "upper_95",
                   "lower_998", "upper_998"):  # fmt: skip
        e.loc[suppressed, column] = np.nan


def _blank_suppressed(e: pd.DataFrame) -> pd.DataFrame:
    """Withhold every figure of a suppressed cell, gaps included; keep why."""
    suppressed = e["_reason"] != ""
    _blank_figures(e)
    e.loc[suppressed, ["diff_from_overall", "diff_from_best"]] = np.nan
    e.loc[
        suppressed, ["diff_from_overall_significant", "diff_from_best_significant", "worse_than_overall"]
    ] = False
    e["suppressed"] = suppressed
    e["suppression_reason"] = e.pop("_reason")
    return e[[c for c in contract("marts.metric_by_group").column_names if c in e.columns]]
