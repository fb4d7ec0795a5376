"""``marts.triangulation``: the survey's gaps joined to what people say, per geography × group × theme, with
its own disclosure control (counts of comments, complaints, findings, reviews and stories in additive blocks)
and a rank that rewards evidence (methods agreeing at 99.8%, then the strength of the weakest of them), not the
size of a gap."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.sql import sql_file
from pipelines.core.store import table_exists
from pipelines.marts.build import HERE, _sql, group_nesting, write_mart
from pipelines.marts.estimates import comment_negative_view
from pipelines.marts.metric_by_group import NON_GROUPS
from pipelines.methods.disclosure import (
    MIN_COMMENTS_FOR_BREAKDOWN,
    REASON_PUBLISHED,
    REASON_SECONDARY,
    percentage_from_rounded,
    protect_additive_block,
    suppress_and_round_counts,
)
from pipelines.methods.intervals import two_group_difference, z_for
from pipelines.text.framework import KEYWORD_TOPICS
from schemas.contracts import contract

# The columns a triangulation cell is cut by (triangulation.sql's GROUPING SETS), at each level.
CELL_DIMENSIONS = (
    "overall",
    "age_band",
    "sex",
    "ethnicity_band",
    "ethnicity",
    "disability",
    "deprivation_quintile",
)
CELL_LEVELS = ("icb_code", "sub_icb_code")


def _cells(extra: tuple[str, ...]) -> str:
    """SQL grouping sets: every level x dimension, each with the ``extra`` columns."""
    return ", ".join(
        f"({', '.join((level, dimension, *extra))})" for level in CELL_LEVELS for dimension in CELL_DIMENSIONS
    )


TRIANGULATION_COUNTS = (
    "comments",
    "negative_comments",
    "complaints",
    "healthwatch_findings",
    "healthwatch_reviews",
    "stories",
)
# The level at which a method counts as saying a group fares worse: with dozens of groups × themes per area,
# 95% would call one equal cell in twenty (metric_by_group's worse_than_overall is decided at 99.8% too).
EVIDENCE_CONF = 0.998


def _additive_blocks(frame: pd.DataFrame, block: list[str]) -> list[tuple[int, np.ndarray]]:
    """(row of the overall total, rows of one dimension's groups) for each ``block`` with exactly one overall
    row, in the order of ``block``, dimension and group value; rows with a missing key belong to no block.

    Set-based: the groups are contiguous runs of the sorted frame (a per-block pandas loop took ~40 s on
    the national triangulation). ``frame`` has a RangeIndex, so labels are positions.
    """
    keyed = frame[frame[block].notna().all(axis=1)]
    ordered = keyed.sort_values([*block, "dimension", "group_value"], kind="mergesort")
    if ordered.empty:
        return []
    rows = ordered.index.to_numpy()
    block_id = ordered.groupby(block, sort=False).ngroup().to_numpy()
    run_id = ordered.groupby([*block, "dimension"], sort=False, dropna=False).ngroup().to_numpy()
    dimension = ordered["dimension"].to_numpy(dtype=object)
    is_overall = dimension == "overall"
    overall_rows = np.bincount(block_id[is_overall], minlength=block_id.max() + 1)
    overall_row = dict(zip(block_id[is_overall], rows[is_overall], strict=True))
    starts = np.flatnonzero(np.r_[True, run_id[1:] != run_id[:-1]])
    ends = np.r_[starts[1:], len(run_id)]
    return [
        (int(overall_row[block_id[start]]), rows[start:end])
        for start, end in zip(starts, ends, strict=True)
        if overall_rows[block_id[start]] == 1 and not is_overall[start] and isinstance(dimension[start], str)
    ]


def _nested_blocks(
    frame: pd.DataFrame, block: list[str], nesting: dict[str, tuple[str, dict[str, str]]]
) -> list[tuple[int, np.ndarray]]:
    """(row of a parent group, rows of its nested groups) per ``block`` and nested dimension (``nesting``, as
    ``build.group_nesting`` gives it: the detailed ethnic groups within their band), parts by group name: a
    band's count less its published groups would give a hidden group back."""
    out: list[tuple[int, np.ndarray]] = []
    for dimension, (parent_dimension, parent_of) in nesting.items():
        nested = frame[(frame["dimension"] == dimension) & frame[block].notna().all(axis=1)]
        parents = frame.loc[frame["dimension"] == parent_dimension, [*block, "group_value"]]
        if nested.empty or parents.empty:
            continue
        parts = nested[[*block, "group_value"]].assign(
            _parent=nested["group_value"].map(parent_of), _row=nested.index
        )
        parents = parents.rename(columns={"group_value": "_parent"}).assign(_total=parents.index)
        joined = parts.merge(parents, on=[*block, "_parent"], how="inner").sort_values(
            ["_total", "group_value"], kind="mergesort"
        )
        total = joined["_total"].to_numpy()
        rows = joined["_row"].to_numpy()
        starts = np.flatnonzero(np.r_[True, total[1:] != total[:-1]]) if len(total) else np.array([], int)
        ends = np.r_[starts[1:], len(total)]
        out += [(int(total[a]), rows[a:b]) for a, b in zip(starts, ends, strict=True)]
    return out


def _disclose_counts(
    frame: pd.DataFrame,
    columns: tuple[str, ...],
    block: list[str],
    nesting: dict[str, tuple[str, dict[str, str]]],
) -> None:
    """The 1–7 rule on the true counts of ``columns``, rounded counts published, and per column more groups
    hidden wherever a ``block``'s overall count and a dimension's other groups, or a band and its other
    detailed groups (``nesting``), would give a hidden group back — until no block does. ``frame`` (with a
    RangeIndex) is changed in place."""
    blocks = _additive_blocks(frame, block) + _nested_blocks(frame, block, nesting)
    blocks_of: dict[int, list[int]] = {}  # row -> the blocks it is in (as total or part)
    for b, (total, parts) in enumerate(blocks):
        for row in (total, *parts.tolist()):
            blocks_of.setdefault(row, []).append(b)
    group_values = frame["group_value"].to_numpy(dtype=object)
    # All blocks' parts end to end, to find the blocks with a hidden part without a loop.
    sizes = np.array([len(parts) for _, parts in blocks], dtype=int)
    all_parts = np.concatenate([parts for _, parts in blocks]) if blocks else np.array([], dtype=int)
    starts = np.r_[0, np.cumsum(sizes)[:-1]] if blocks else np.array([], dtype=int)
    for column in columns:
        published, reason = suppress_and_round_counts(frame[column].fillna(0).to_numpy(dtype=float))
        # A group hidden for its band can leave its dimension's block to check again (and the other way
        # round): blocks are visited in the same order until none changes, each again only when a row of it
        # was hidden since its last check, so every release hides the same cells. A block whose parts are
        # all published needs no check.
        dirty = np.ones(len(blocks), dtype=bool)
        while dirty.any():
            hidden_parts = np.add.reduceat((reason[all_parts] != REASON_PUBLISHED).astype(int), starts) > 0
            dirty &= hidden_parts
            for b in np.flatnonzero(dirty):
                dirty[b] = False
                total, parts = blocks[b]
                if (reason[parts] == REASON_PUBLISHED).all():
                    continue
                extra, hide_total = protect_additive_block(
                    (float(published[total]), str(reason[total])),
                    [(float(published[i]), str(reason[i])) for i in parts],
                    [str(g) for g in group_values[parts]],
                )
                hidden = parts[extra].tolist()
                if hide_total and reason[total] == REASON_PUBLISHED:
                    hidden.append(total)
                for row in hidden:
                    reason[row] = REASON_SECONDARY
                    for other in blocks_of[row]:
                        dirty[other] = other != b
        frame[column] = np.where(reason == REASON_PUBLISHED, published, np.nan)


def _disclose_group_comments(
    frame: pd.DataFrame, nesting: dict[str, tuple[str, dict[str, str]]]
) -> np.ndarray:
    """``group_comments`` (a group's coded comments on any theme, repeated on each of its theme rows)
    disclosed once per group, its dimension's groups adding up to the area's overall count; returns the
    TRUE counts, for the 10+ rule."""
    key = ["geography_level", "geography_code", "dimension", "group_value"]
    true = frame["group_comments"].fillna(0).to_numpy(dtype=float)
    groups = frame[[*key, "group_comments"]].drop_duplicates(key).reset_index(drop=True)
    _disclose_counts(groups, ("group_comments",), ["geography_level", "geography_code"], nesting)
    frame["group_comments"] = frame[key].merge(groups, on=key, how="left")["group_comments"].to_numpy()
    return true


def _overall_of(frame: pd.DataFrame, column: str, block: list[str]) -> np.ndarray:
    """``column`` of the overall row of each row's ``block`` (NaN where there is none)."""
    overall = frame.loc[frame["dimension"] == "overall", [*block, column]].drop_duplicates(block)
    return frame[block].merge(overall, on=block, how="left")[column].to_numpy(dtype=float)


def _worse_z(diff: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The z statistic of a gap from its 99.8% interval (two_group_difference's, symmetric on the SE)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (upper - lower) / (2 * z_for(EVIDENCE_CONF))
        return np.where(se > 0, diff / se, np.where(diff > 0, np.inf, 0.0))


def _disclose_triangulation(frame: pd.DataFrame, nesting: dict[str, tuple[str, dict[str, str]]]) -> None:
    """Counts: the 1–7 rule on the true counts, rounded counts published, and per count column a second
    group hidden wherever a theme's overall count and the other groups would give a hidden group back.
    Shares and the comment side's evidence are then computed from the published counts only; shares and
    quotes need 10+ true comments."""
    true_comments = frame["comments"].fillna(0).to_numpy(dtype=float)
    block = ["geography_level", "geography_code", "theme"]
    _disclose_counts(frame, TRIANGULATION_COUNTS, block, nesting)
    true_group_comments = _disclose_group_comments(frame, nesting)
    enough = true_comments >= MIN_COMMENTS_FOR_BREAKDOWN
    share = percentage_from_rounded(frame["negative_comments"], frame["comments"], 1.0)
    frame["negative_share"] = np.where(enough, share, np.nan)
    frame["overall_negative_share"] = _overall_of(frame, "negative_share", block)
    # Quotes only from cells of 10+ true comments whose count is published (a quote would show a hidden
    # cell is not empty).
    frame["example_comments"] = frame["example_comments"].where(enough & frame["comments"].notna(), None)
    # What people say, as a method: of the group's coded comments, the share negative about this theme,
    # against everyone's, tested at 99.8% on the published counts (a group talks about interpreters far
    # more than everyone, though everyone who does is negative).
    theme_share = percentage_from_rounded(frame["negative_comments"], frame["group_comments"], 1.0)
    frame["negative_theme_share"] = np.where(
        true_group_comments >= MIN_COMMENTS_FOR_BREAKDOWN, theme_share, np.nan
    )
    frame["overall_negative_theme_share"] = _overall_of(frame, "negative_theme_share", block)
    overall_base = _overall_of(frame, "group_comments", block)
    diff, lower, upper, _, significant = two_group_difference(
        frame["negative_theme_share"].to_numpy(dtype=float),
        frame["group_comments"].to_numpy(dtype=float),
        frame["overall_negative_theme_share"].to_numpy(dtype=float),
        overall_base,
        conf=EVIDENCE_CONF,
    )
    is_group = (frame["dimension"] != "overall").to_numpy()
    frame["comments_z"] = np.where(is_group & np.isfinite(diff), _worse_z(diff, lower, upper), np.nan)
    frame["comments_worse_998"] = is_group & np.asarray(significant, dtype=bool) & (np.nan_to_num(diff) > 0)
    frame["survey_worse_998"] = frame["survey_worse_998"].fillna(False).astype(bool)
    frame["methods_agreeing_worse"] = frame["survey_worse_998"].astype(int) + frame[
        "comments_worse_998"
    ].astype(int)


def _rank_by_evidence(frame: pd.DataFrame) -> pd.Series:
    """``convergent_rank`` within each geography (1 = the strongest evidence that a group fares worse).

    The rule (schemas/tables/marts/triangulation.yaml): first the number of independent methods saying the
    group fares worse at 99.8%; then the weakest of those methods' z statistics (a gap's z grows with its
    n_eff, so a large gap on few people ranks below a smaller one on many; with no method agreeing, the
    strongest z); then published comments; then names, so every run ranks alike. Overall rows and
    non-groups (Not stated, Unknown …) are not ranked."""
    survey_z = frame["survey_z"].to_numpy(dtype=float)
    comments_z = frame["comments_z"].to_numpy(dtype=float)
    agreeing = np.where(frame["survey_worse_998"], survey_z, np.inf)
    agreeing = np.fmin(agreeing, np.where(frame["comments_worse_998"], comments_z, np.inf))
    strongest = np.fmax(np.nan_to_num(survey_z, nan=-np.inf), np.nan_to_num(comments_z, nan=-np.inf))
    evidence = np.where(frame["methods_agreeing_worse"] > 0, agreeing, strongest)
    ranked = frame["dimension"].ne("overall") & ~frame["group_value"].isin(NON_GROUPS)
    key = ["geography_level", "geography_code"]
    order = frame.assign(_evidence=evidence, _n=frame["comments"].fillna(0))[ranked.to_numpy()].sort_values(
        [*key, "methods_agreeing_worse", "_evidence", "_n", "dimension", "group_value", "theme"],
        ascending=[True, True, False, False, False, True, True, True],
        kind="mergesort",
    )
    rank = order.groupby(key, sort=False).cumcount() + 1
    return rank.reindex(frame.index).astype("Int64")


def build_triangulation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.triangulation``: survey gaps joined to what people say, per geography × group × theme."""
    levels = ("icb", "sub_icb")
    if table_exists(con, "ref.gpps_measures") and table_exists(con, "marts.metric_by_group"):
        con.execute(_sql("triangulation_survey.sql"), {"keyword_topics": list(KEYWORD_TOPICS)})
    else:
        con.execute(_sql("triangulation_survey_empty.sql"))
    if table_exists(con, "staged.comment_themes") and table_exists(con, "staged.comments"):
        comment_negative_view(con)
        _sentiment_confidence_view(con)
        con.execute(_sql("triangulation_comments.sql"))
    else:
        con.execute(_sql("triangulation_comments_empty.sql"))
    frame = con.execute(
        sql_file(HERE / "triangulation.sql", theme_cells=_cells(("category",)), area_cells=_cells(()))
    ).df()
    frame = frame[frame["geography_level"].isin(levels)].reset_index(drop=True)
    # A cell's own comment dates only where it has 10+ true comments (as for quotes): the first and last
    # date of one or two people's comments would say when they wrote.
    own_dates = (frame["comments"].fillna(0) >= MIN_COMMENTS_FOR_BREAKDOWN).to_numpy()
    _disclose_triangulation(frame, group_nesting(con))
    frame["convergent_rank"] = _rank_by_evidence(frame)
    frame = _with_triangulation_period(con, frame, own_dates)
    # Every column, the typed period ones included: the row's own dates, not a type's reading of its label.
    return write_mart(con, "triangulation", frame[contract("marts.triangulation").column_names])


def _sentiment_confidence_view(con: duckdb.DuckDBPyConnection) -> None:
    """``_comment_sentiment_confidence``: the sentiment model's confidence in each comment's class (none when
    the text stage has not run)."""
    if table_exists(con, "staged.comment_sentiment"):
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _comment_sentiment_confidence AS
               SELECT comment_id, confidence FROM staged.comment_sentiment"""
        )
    else:
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _comment_sentiment_confidence AS
               SELECT NULL::VARCHAR AS comment_id, NULL::DOUBLE AS confidence WHERE FALSE"""
        )


def _with_triangulation_period(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, own_dates: np.ndarray
) -> pd.DataFrame:
    """Each row's own period: a ``date_span`` from the first day its evidence covers to the last (the latest
    GPPS survey's fieldwork when the row has survey results, the dates of its comments, complaints, reviews,
    findings and stories where it has 10+ comments, else of every comment loaded), plus ``survey_period`` and
    ``survey_source``: the survey the row was looked up in. Set-based: the labels are built
    column-wise, not per distinct span (small cells at national scale have many)."""
    survey = con.execute(
        """SELECT arg_max(period, period_end), max(period_start), max(period_end) FROM marts.metric_by_group
           WHERE source = 'gpps_respondents'"""
    ).fetchall()[0]
    has_survey = frame["survey_measures"].notna() & (survey[0] is not None)
    no_date = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    survey_start = no_date.where(~has_survey, pd.Timestamp(survey[1]) if survey[1] else pd.NaT)
    survey_end = no_date.where(~has_survey, pd.Timestamp(survey[2]) if survey[2] else pd.NaT)
    first = pd.to_datetime(frame["first_comment_date"])
    last = pd.to_datetime(frame["last_comment_date"])
    # Rows of fewer than 10 comments (own_dates False) show the dates of every comment loaded instead.
    first = first.where(own_dates, first.min())
    last = last.where(own_dates, last.max())
    start = pd.concat([survey_start, first], axis=1).min(axis=1)
    end = pd.concat([survey_end, last], axis=1).max(axis=1)
    out = frame.copy()
    # The survey every row was looked up in (a row without survey results found none in it).
    out.insert(0, "survey_source", "gpps_respondents" if survey[0] is not None else None)
    out.insert(0, "survey_period", survey[0])
    out.insert(0, "period_kind", "date_span")
    out.insert(0, "period_end", end.dt.date.astype(object))
    out.insert(0, "period_start", start.dt.date.astype(object))
    out.insert(0, "period", start.dt.strftime("%Y-%m-%d") + " to " + end.dt.strftime("%Y-%m-%d"))
    return out
