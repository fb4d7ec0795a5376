"""A synthetic published store with a leak of every kind the attacker's audit looks for (issue 22).

:func:`build_synthetic_published` writes ``marts.metric_by_group`` (built by the mart's own
``finalise_estimates`` from random true counts, plus change columns), ``marts.representation``,
``marts.triangulation``, ``marts.spc`` and ``ref.people_vocabulary``; then, in rows picked at random, it
plants each leak (``LEAKS``: the audit methods they must trigger). The random data also gives the audit's
quiet paths plenty to do: blocks with withheld, secondary and small-base cells that pin nothing.

Used by tests/marts/test_disclosure_audit_equivalence.py (small stores: the row-by-row reference and the
set-based audit must agree) and bench/disclosure_audit.py (a store of national size, to time both).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.marts.metric_by_group import finalise_estimates
from pipelines.methods.disclosure import round_to_base
from pipelines.methods.intervals import rate_interval, wilson_interval

M, R, T = "marts.metric_by_group", "marts.representation", "marts.triangulation"
# What every synthetic store must make the audit report: one (table, method) per planted leak.
LEAKS = {
    (M, "figure shown on a suppressed row"),
    (M, "count shown unrounded or 1-7"),
    (M, "n_eff x value (n_eff is not the published base)"),
    (M, "share x total (share not from the published counts)"),
    (M, "Wilson 95% interval inverted"),
    (M, "Wilson 998% interval inverted"),
    (M, "Byar/exact 95% limits inverted"),
    (M, "Byar/exact 998% limits inverted"),
    (M, "survey base under 10 or unrounded"),
    (M, "total minus the other parts (numerator)"),
    (M, "total minus the other parts (unweighted_n)"),
    (M, "differencing the total and its parts (numerator)"),
    (R, "count shown unrounded or 1-7"),
    (R, "share x total on a suppressed group"),
    (R, "share x total (share not from the published counts)"),
    (R, "Wilson 95% interval inverted"),
    (R, "total minus the other groups"),
    (R, "differencing the total and its groups"),
    (T, "count shown unrounded or 1-7"),
    (T, "share shown beside a suppressed count"),
    (T, "share x total (share not from the published counts)"),
    (T, "total minus the other parts (stories)"),
    (T, "differencing the total and its parts (stories)"),
    ("marts.spc", "control-chart point of a value not published"),
}

ETHNICITY = {"British": "White", "Irish": "White", "Indian": "Asian", "Pakistani": "Asian"}
PERIODS = ("2024", "2025")
CELL = ["geography_level", "geography_code", "period", "metric_id"]
FIGURES = ["value", "numerator", "denominator", "unweighted_n", "n_eff", "lower_95", "upper_95", "lower_998",
           "upper_998", "diff_from_overall", "diff_from_best", "change_from_previous",
           "change_from_previous_lower_95", "change_from_previous_upper_95"]  # fmt: skip


def _split(rng: np.random.Generator, total: int, parts: int) -> np.ndarray:
    """``total`` people over ``parts`` groups, unevenly (some groups small enough to be withheld)."""
    return rng.multinomial(total, rng.dirichlet(np.full(parts, 0.7)))


def _of(rng: np.random.Generator, positives: int, bases: np.ndarray) -> np.ndarray:
    """``positives`` of the people in ``bases``: a numerator split consistently with its denominators."""
    return rng.multivariate_hypergeometric(np.asarray(bases, dtype=np.int64), positives)


def _size(rng: np.random.Generator) -> int:
    """A cell size, small, middling or large, so that every suppression rule is met somewhere."""
    return int(rng.choice([rng.integers(0, 25), rng.integers(25, 400), rng.integers(400, 30_000)]))


def _pick(rng: np.random.Generator, mask: pd.Series | np.ndarray, k: int) -> np.ndarray:
    """Up to ``k`` row positions where ``mask`` holds, at random."""
    where = np.flatnonzero(np.asarray(mask, dtype=bool))
    return np.sort(rng.choice(where, size=min(k, len(where)), replace=False))


def _published(true: np.ndarray) -> np.ndarray:
    """The count rule: 1-7 withheld (NaN), the rest to the nearest 5."""
    return np.where((true > 0) & (true <= 7), np.nan, round_to_base(true))


def _hide_a_second(values: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Withhold the smallest published part of every block with exactly one withheld part (else the
    total gives it back), as secondary suppression does."""
    out = values.copy()
    for block in np.unique(blocks):
        rows = np.flatnonzero(blocks == block)
        shown = rows[np.isfinite(out[rows])]
        if len(rows) - len(shown) == 1 and len(shown):
            out[shown[np.argmin(out[shown])]] = np.nan
    return out


# ---------------------------------------------------------------------------------------------------
# marts.metric_by_group
# ---------------------------------------------------------------------------------------------------


def _true_estimates(rng: np.random.Generator, areas: int) -> pd.DataFrame:
    """True counts of a comments share, a complaints rate and a survey result, by group, per area."""
    rows: list[dict] = []

    def add(cell: dict, metric: dict, dimension: str, groups: list[str], **figures: np.ndarray) -> None:
        for i, group in enumerate(groups):
            rows.append(cell | metric | {"dimension": dimension, "group_value": group}
                        | {name: float(v[i]) for name, v in figures.items()})  # fmt: skip

    comments = dict(metric_id="comments_negative_story", metric_name="negative stories", source="comments",
                    count_based=True, higher_is_better=False)  # fmt: skip
    complaints = dict(metric_id="complaints_per_10k", metric_name="complaints per 10,000", source="complaints",
                      count_based=True, higher_is_better=False)  # fmt: skip
    survey = dict(metric_id="phone_access", metric_name="easy to get through", source="gpps_respondents",
                  count_based=False, higher_is_better=True)  # fmt: skip
    for a in range(areas):
        for period in PERIODS:
            cell = dict(geography_level="sub_icb", geography_code=f"S{a:05d}", period=period)
            n = _size(rng)
            x = int(rng.binomial(n, rng.uniform(0.05, 0.9)))
            add(cell, comments, "overall", ["All"], numerator=[x], denominator=[n], unweighted_n=[n])
            eth_n = _split(rng, n, 4)
            eth_x = _of(rng, x, eth_n)
            add(
                cell,
                comments,
                "ethnicity",
                list(ETHNICITY),
                numerator=eth_x,
                denominator=eth_n,
                unweighted_n=eth_n,
            )
            band_n, band_x = eth_n.reshape(2, 2).sum(axis=1), eth_x.reshape(2, 2).sum(axis=1)
            add(cell, comments, "ethnicity_band", ["White", "Asian"], numerator=band_x, denominator=band_n,
                unweighted_n=band_n)  # fmt: skip
            sex_n = _split(rng, n, 2)
            add(cell, comments, "sex", ["Female", "Male"], numerator=_of(rng, x, sex_n), denominator=sex_n,
                unweighted_n=sex_n)  # fmt: skip

            population = int(rng.integers(2_000, 200_000))
            k = int(rng.poisson(population * rng.uniform(0.0002, 0.004)))
            add(
                cell,
                complaints,
                "overall",
                ["All"],
                numerator=[k],
                denominator=[population],
                unweighted_n=[k],
            )
            sex_pop = _split(rng, population, 2)
            sex_k = _of(rng, k, sex_pop)
            add(
                cell,
                complaints,
                "sex",
                ["Female", "Male"],
                numerator=sex_k,
                denominator=sex_pop,
                unweighted_n=sex_k,
            )

            m = _size(rng) // 10
            respondents = np.concatenate([[m], _split(rng, m, 2)])
            weighted = np.round(respondents * rng.uniform(0.6, 1.6, 3), 3)
            weighted[0] = weighted[1:].sum()
            agreeing = np.round(weighted * rng.uniform(0.3, 0.9, 3), 3)
            agreeing[0] = agreeing[1:].sum()
            for i, (dimension, group) in enumerate([("overall", "All"), ("sex", "Female"), ("sex", "Male")]):
                add(cell, survey, dimension, [group], numerator=[agreeing[i]], denominator=[weighted[i]],
                    unweighted_n=[respondents[i]], n_eff=[respondents[i] / 1.4])  # fmt: skip
            # Issue 18: the same respondents by age band and by age band x sex, a fixed third of each sex young
            # (no random draw, so every other figure and planted leak stays as it was).
            young = np.floor(respondents[1:] / 3)
            by_cross = np.column_stack([young, respondents[1:] - young])  # rows Female, Male; columns ages
            rate_w, rate_a = (
                weighted[1:] / np.maximum(respondents[1:], 1),
                agreeing[1:] / np.maximum(weighted[1:], 1e-9),
            )
            cross_w = np.round(by_cross * rate_w[:, None], 3)
            cross_w[:, 1] = weighted[1:] - cross_w[:, 0]  # each sex's ages add up to it exactly
            cross_a = np.round(cross_w * rate_a[:, None], 3)
            cross_a[:, 1] = agreeing[1:] - cross_a[:, 0]
            for j, age in enumerate(("16-44", "45+")):
                add(cell, survey, "age_band", [age], numerator=[cross_a[:, j].sum()], denominator=[cross_w[:, j].sum()],
                    unweighted_n=[by_cross[:, j].sum()], n_eff=[by_cross[:, j].sum() / 1.4])  # fmt: skip
                add(cell, survey, "age_band x sex", [f"{age} | Female", f"{age} | Male"], numerator=cross_a[:, j],
                    denominator=cross_w[:, j], unweighted_n=by_cross[:, j], n_eff=by_cross[:, j] / 1.4)  # fmt: skip
    # A national publication's England row keeps its unrounded base.
    national = dict(geography_level="england", geography_code="E92000001", period=PERIODS[1])
    add(national, survey | {"source": "gpps_published"}, "overall", ["All"], numerator=[7001.5],
        denominator=[10002.1], unweighted_n=[10003], n_eff=[9000.2])  # fmt: skip
    return pd.DataFrame(rows)


def _with_changes(m: pd.DataFrame) -> pd.DataFrame:
    """Change from the previous period (withheld where either value is)."""
    key = ["geography_level", "geography_code", "metric_id", "dimension", "group_value"]
    previous = m[m["period"] == PERIODS[0]].set_index(key)["value"]
    change = m["value"].to_numpy() - m.set_index(key).index.map(previous).to_numpy(dtype=float)
    change = np.where(m["period"].to_numpy() == PERIODS[1], change, np.nan)
    m["previous_period"] = np.where(np.isfinite(change), PERIODS[0], None)
    m["change_from_previous"] = change
    m["change_from_previous_lower_95"] = change - 0.05
    m["change_from_previous_upper_95"] = change + 0.05
    return m


def _plant_metric(rng: np.random.Generator, m: pd.DataFrame, true: pd.DataFrame, k: int) -> None:
    """Every metric_by_group leak, in ``k`` rows each; ``true`` holds the true counts, row for row."""
    shown, hidden = ~m["suppressed"], m["suppressed"]
    comments, rate = m["source"] == "comments", m["metric_id"] == "complaints_per_10k"
    survey = m["source"] == "gpps_respondents"
    moved = true["denominator"] != m["denominator"]  # rounding changed the base
    # Figures beside a withheld value: a base, a limit, a change.
    for column, value in (("unweighted_n", 4.0), ("lower_95", 0.12), ("change_from_previous", -0.02)):
        m.loc[_pick(rng, hidden, k), column] = value
    # Counts shown unrounded, or 1-7.
    rows = _pick(rng, shown & comments & (true["numerator"] % 5 != 0), k)
    m.loc[rows, "numerator"] = true.loc[rows, "numerator"]
    m.loc[_pick(rng, shown & rate, k), "denominator"] = 3.0
    # n_eff left at the true base (value x n_eff then an integer or not).
    rows = _pick(rng, shown & comments & moved, 2 * k)
    m.loc[rows, "n_eff"] = true.loc[rows, "denominator"]
    # Shares and rates from other counts than the published ones (one integer pair near them, or several).
    rows = _pick(rng, shown & comments & moved, k)
    m.loc[rows, "value"] = true.loc[rows, "numerator"] / true.loc[rows, "denominator"]
    rows = _pick(rng, shown & comments & (m["numerator"] > 10), k)
    m.loc[rows, "value"] = (m.loc[rows, "numerator"] + 1) / (m.loc[rows, "denominator"] + 1)
    rows = _pick(rng, shown & rate & (m["numerator"] > 0), k)
    m.loc[rows, "value"] = (m.loc[rows, "numerator"] + 1) / m.loc[rows, "denominator"] * 10_000
    # Wilson limits from the true counts; Byar / exact limits from the true count.
    for level, conf in (("95", 0.95), ("998", 0.998)):
        rows = _pick(rng, shown & comments & moved, k)
        limits = wilson_interval(true.loc[rows, "numerator"], true.loc[rows, "denominator"], conf)
        m.loc[rows, f"lower_{level}"], m.loc[rows, f"upper_{level}"] = limits
        rows = _pick(rng, shown & rate & (true["numerator"] != m["numerator"]), k)
        _, lower, upper = rate_interval(
            true.loc[rows, "numerator"], true.loc[rows, "denominator"], 10_000, conf
        )
        m.loc[rows, f"lower_{level}"], m.loc[rows, f"upper_{level}"] = lower, upper
    # Survey bases under 10 or unrounded (an England publication's may be unrounded, never under 10).
    m.loc[_pick(rng, shown & survey, k), "unweighted_n"] = 7.0
    m.loc[_pick(rng, shown & survey, k), "unweighted_n"] = 23.0
    m.loc[m["geography_level"] == "england", "unweighted_n"] = 9.0
    # One part withheld beside its published total and siblings: the total gives it back.
    for column, source in (("numerator", "comments"), ("unweighted_n", "gpps_respondents")):
        rows = _pick(rng, shown & (m["source"] == source) & (m["dimension"] == "sex") & m[column].notna(), k)
        m.loc[rows, column] = np.nan
    # Two groups withheld for a base under 10 beside a total of 20: 20 - 9 - 9 pins both at 9.
    cell = m.groupby(CELL, sort=False).ngroup().to_numpy()
    for chosen in cell[_pick(rng, comments & (m["dimension"] == "overall"), k)]:
        overall = (cell == chosen) & (m["dimension"] == "overall").to_numpy()
        m.loc[overall, ["numerator", "suppressed", "suppression_reason"]] = [20.0, False, ""]
        sex = (cell == chosen) & (m["dimension"] == "sex").to_numpy()
        m.loc[sex, FIGURES] = np.nan
        m.loc[sex, ["suppressed", "suppression_reason"]] = [True, "small_base"]


def _metric_by_group(rng: np.random.Generator, areas: int, k: int) -> pd.DataFrame:
    true = _true_estimates(rng, areas)
    nesting = {"ethnicity": ("ethnicity_band", ETHNICITY)}
    m = _with_changes(finalise_estimates(true, nesting)).reset_index(drop=True)
    _plant_metric(rng, m, true.reset_index(drop=True), k)
    return m


# ---------------------------------------------------------------------------------------------------
# marts.representation and marts.triangulation
# ---------------------------------------------------------------------------------------------------


def _representation(rng: np.random.Generator, areas: int, k: int) -> pd.DataFrame:
    """Voices by group beside the population's shares, rounded and withheld as published; then leaks."""
    rows: list[dict] = []
    for a in range(areas):
        for channel in ("gpps_respondents", "comments"):
            for dimension, groups in (
                ("sex", ["Female", "Male"]),
                ("ethnicity_band", ["White", "Asian", "Other"]),
            ):
                total = _size(rng)
                voices = _split(rng, total, len(groups))
                population = rng.dirichlet(np.full(len(groups), 2.0))
                for g, v, p in zip(groups, voices, population, strict=True):
                    rows.append(dict(channel=channel, geography_level="sub_icb", geography_code=f"S{a:05d}",
                                     period="2025", dimension=dimension, group_value=g, true_voices=float(v),
                                     true_total=float(total), population_share=float(p)))  # fmt: skip
    r = pd.DataFrame(rows)
    block = r.groupby(["channel", "geography_code", "dimension"], sort=False).ngroup().to_numpy()
    true = r.pop("true_voices").to_numpy()
    true_total = r.pop("true_total").to_numpy()
    first = _published(true)
    r["voices"] = _hide_a_second(first, block)
    r["voices_total"] = round_to_base(true_total)
    reason = np.where(np.isnan(first), "small_count", np.where(np.isnan(r["voices"]), "secondary", ""))
    lower, upper = wilson_interval(r["voices"], r["voices_total"], 0.95)
    r["share_of_voices"] = r["voices"] / r["voices_total"].where(r["voices_total"] > 0)
    r["representation_ratio"] = r["share_of_voices"] / r["population_share"]
    r["ratio_lower_95"], r["ratio_upper_95"] = lower / r["population_share"], upper / r["population_share"]
    r["under_represented"] = r["ratio_upper_95"] < 1
    r["suppressed"] = reason != ""
    r["suppression_reason"] = reason
    shown, hidden = r["voices"].notna(), r["voices"].isna()
    # Counts unrounded; derived figures on withheld groups (the share, or only a limit).
    rows = _pick(rng, shown & (true % 5 != 0), k)
    r.loc[rows, "voices"] = true[rows]
    rows = _pick(rng, hidden, 2 * k)
    r.loc[rows[:k], "share_of_voices"] = true[rows[:k]] / true_total[rows[:k]]
    r.loc[rows[k:], "ratio_lower_95"] = 0.5
    # A share and a ratio interval from the true counts.
    rows = _pick(rng, shown & (true != r["voices"]) & (true_total != r["voices_total"]), 2 * k)
    r.loc[rows[:k], "share_of_voices"] = true[rows[:k]] / true_total[rows[:k]]
    lower, upper = wilson_interval(true[rows[k:]], true_total[rows[k:]], 0.95)
    r.loc[rows[k:], "ratio_lower_95"] = lower / r.loc[rows[k:], "population_share"]
    r.loc[rows[k:], "ratio_upper_95"] = upper / r.loc[rows[k:], "population_share"]
    # One group withheld beside its published total and siblings; two withheld small bases beside 20.
    whole = pd.Series(shown).groupby(block).transform("all").to_numpy()
    chosen = np.unique(block[_pick(rng, whole, 2 * k)])
    for b in chosen[: len(chosen) // 2]:
        r.loc[np.flatnonzero(block == b)[0], ["voices", "share_of_voices"]] = np.nan
    for b in chosen[len(chosen) // 2 :]:
        rows = np.flatnonzero(block == b)
        r.loc[rows, "voices_total"] = 20.0
        r.loc[
            rows[:2],
            ["voices", "share_of_voices", "representation_ratio", "ratio_lower_95", "ratio_upper_95"],
        ] = np.nan
        r.loc[rows[:2], ["suppressed", "suppression_reason"]] = [True, "small_base"]
        r.loc[rows[2:], "voices"] = 0.0
    return r


TRIANGULATION_COUNTS = ["comments", "negative_comments", "complaints", "healthwatch_findings", "stories"]


def _triangulation(rng: np.random.Generator, areas: int, k: int) -> pd.DataFrame:
    """Comment, complaint and story counts by theme and group, rounded and withheld; then leaks."""
    groups = [("overall", "All"), ("sex", "Female"), ("sex", "Male"), ("age_band", "18-44"),
              ("age_band", "45-64"), ("age_band", "65+")]  # fmt: skip
    rows: list[dict] = []
    for a in range(areas):
        for theme in ("Access", "Staff"):
            totals = {c: _size(rng) // (1 if c == "comments" else 20) for c in TRIANGULATION_COUNTS}
            totals["negative_comments"] = int(rng.binomial(totals["comments"], 0.4))
            by_group = {("overall", "All"): totals}
            for dimension, names in (("sex", ["Female", "Male"]), ("age_band", ["18-44", "45-64", "65+"])):
                split = {c: _split(rng, v, len(names)) for c, v in totals.items() if c != "negative_comments"}
                split["negative_comments"] = _of(rng, totals["negative_comments"], split["comments"])
                for i, name in enumerate(names):
                    by_group[(dimension, name)] = {c: int(v[i]) for c, v in split.items()}
            for dimension, name in groups:
                rows.append(dict(geography_level="sub_icb", geography_code=f"S{a:05d}", dimension=dimension,
                                 group_value=name, theme=theme)
                            | {c: float(v) for c, v in by_group[(dimension, name)].items()})  # fmt: skip
    t = pd.DataFrame(rows)
    block = t.groupby(["geography_code", "theme", "dimension"], sort=False).ngroup().to_numpy()
    block = np.where(t["dimension"] == "overall", -1 - np.arange(len(t)), block)  # a total is its own block
    true = {c: t[c].to_numpy() for c in TRIANGULATION_COUNTS}
    for c in TRIANGULATION_COUNTS:
        t[c] = _hide_a_second(_published(true[c]), block)
    t["negative_share"] = t["negative_comments"] / t["comments"].where(t["comments"] > 0)
    overall = t[t["dimension"] == "overall"].set_index(["geography_code", "theme"])["negative_share"]
    t["overall_negative_share"] = t.set_index(["geography_code", "theme"]).index.map(overall).to_numpy(float)
    shown = t["negative_comments"].notna() & t["comments"].notna()
    # A count 1-7; a share beside a withheld count; shares from the true counts.
    t.loc[_pick(rng, t["healthwatch_findings"].notna(), k), "healthwatch_findings"] = 3.0
    t.loc[_pick(rng, ~shown, k), "negative_share"] = 0.25
    moved = shown & (true["comments"] != t["comments"])
    rows = _pick(rng, moved, 2 * k)
    t.loc[rows[:k], "negative_share"] = true["negative_comments"][rows[:k]] / true["comments"][rows[:k]]
    over = _pick(rng, moved & (t["dimension"] == "overall"), k)
    for row in over:  # the overall share beside every group of that area and theme
        same = (t["geography_code"] == t.at[row, "geography_code"]) & (t["theme"] == t.at[row, "theme"])
        t.loc[same, "overall_negative_share"] = true["negative_comments"][row] / true["comments"][row]
    # One story count withheld beside its published total and siblings; a total of 0 beside withheld parts.
    whole = (t["dimension"] != "overall") & pd.Series(t["stories"].notna()).groupby(block).transform("all")
    chosen = np.unique(block[_pick(rng, whole, 2 * k)])
    for b in chosen[: len(chosen) // 2]:
        t.loc[np.flatnonzero(block == b)[0], "stories"] = np.nan
    for b in chosen[len(chosen) // 2 :]:
        rows = np.flatnonzero(block == b)
        same = (t["geography_code"] == t.at[rows[0], "geography_code"]) & (
            t["theme"] == t.at[rows[0], "theme"]
        )
        t.loc[same & (t["dimension"] == "overall"), "stories"] = 0.0
        t.loc[rows, "stories"] = np.nan
    return t


def build_synthetic_published(path: Path, *, areas: int, seed: int, leaks: int = 3) -> None:
    """Write the store at ``path``: ``areas`` sub-ICB areas (30 metric rows each), ``leaks`` of each kind."""
    rng = np.random.default_rng(seed)
    m = _metric_by_group(rng, areas, leaks)
    r = _representation(rng, max(areas // 4, 4), leaks)
    t = _triangulation(rng, max(areas // 4, 4), leaks)
    vocabulary = pd.DataFrame(
        {"dimension": "ethnicity", "value": list(ETHNICITY), "band": list(ETHNICITY.values())}
    )
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA ref")
        for name, frame in (("marts.metric_by_group", m), ("marts.representation", r), ("marts.triangulation", t),
                            ("ref.people_vocabulary", vocabulary)):  # fmt: skip
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
        # Control charts of the published overall values, two of them moved and one of a withheld value.
        con.execute(
            """CREATE TABLE marts.spc AS
               SELECT geography_level, geography_code, metric_id, source, period, value FROM marts.metric_by_group
               WHERE dimension = 'overall' AND NOT suppressed AND value IS NOT NULL
               UNION ALL
               (SELECT geography_level, geography_code, metric_id, source, period, 0.5 FROM marts.metric_by_group
                WHERE dimension = 'overall' AND suppressed ORDER BY geography_code LIMIT 1)"""
        )
        con.execute(
            f"""UPDATE marts.spc SET value = value + 0.01
                WHERE geography_code IN (SELECT DISTINCT geography_code FROM marts.spc ORDER BY 1 LIMIT {leaks})"""
        )
