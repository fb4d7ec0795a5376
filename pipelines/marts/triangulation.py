"""``marts.triangulation``: the survey's gaps joined to what people say, per geography × group × theme, with
its own disclosure control (counts of comments, complaints, findings and stories in additive blocks)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.periods import add_period_columns, span_label
from pipelines.core.store import table_exists
from pipelines.marts.build import _sql, mart_columns, write_mart
from pipelines.marts.estimates import comment_negative_view
from pipelines.methods.disclosure import (
    MIN_COMMENTS_FOR_BREAKDOWN,
    REASON_PUBLISHED,
    REASON_SECONDARY,
    percentage_from_rounded,
    protect_additive_block,
    suppress_and_round_counts,
)

TRIANGULATION_COUNTS = ("comments", "negative_comments", "complaints", "healthwatch_findings", "stories")


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


def _disclose_triangulation(frame: pd.DataFrame) -> None:
    """Counts: the 1–7 rule on the true counts, rounded counts published, and per count column a second
    group hidden wherever a theme's overall count and the other groups would give a hidden group back.
    Shares, the agreement count and the rank are then computed from the published counts only; shares and
    quotes need 10+ true comments."""
    true_comments = frame["comments"].fillna(0).to_numpy(dtype=float)
    block = ["geography_level", "geography_code", "theme"]
    blocks = _additive_blocks(frame, block)
    group_values = frame["group_value"].to_numpy(dtype=object)
    for column in TRIANGULATION_COUNTS:
        published, reason = suppress_and_round_counts(frame[column].fillna(0).to_numpy(dtype=float))
        for total, parts in blocks:
            if (reason[parts] == REASON_PUBLISHED).all():
                continue
            extra, hide_total = protect_additive_block(
                (float(published[total]), str(reason[total])),
                [(float(published[i]), str(reason[i])) for i in parts],
                [str(g) for g in group_values[parts]],
            )
            reason[parts[extra]] = REASON_SECONDARY
            if hide_total:
                reason[total] = REASON_SECONDARY
        frame[column] = np.where(reason == REASON_PUBLISHED, published, np.nan)
    enough = true_comments >= MIN_COMMENTS_FOR_BREAKDOWN
    share = percentage_from_rounded(frame["negative_comments"], frame["comments"], 1.0)
    frame["negative_share"] = np.where(enough, share, np.nan)
    overall = frame[frame["dimension"] == "overall"].assign(_share=frame["negative_share"])
    frame["overall_negative_share"] = (
        frame[block]
        .merge(overall[[*block, "_share"]].drop_duplicates(block), on=block, how="left")["_share"]
        .to_numpy()
    )
    # Quotes only from cells of 10+ true comments whose count is published (a quote would show a hidden
    # cell is not empty).
    frame["example_comments"] = frame["example_comments"].where(enough & frame["comments"].notna(), None)
    survey_worse = (
        frame["survey_gap_significant"].fillna(False).astype(bool) & (frame["survey_worst_gap"] < 0)
    ).astype(int)
    comments_worse = (frame["negative_share"] > frame["overall_negative_share"] + 0.1).astype(int)
    frame["methods_agreeing_worse"] = survey_worse + comments_worse


def build_triangulation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.triangulation``: survey gaps joined to what people say, per geography × group × theme."""
    levels = ("icb", "sub_icb")
    if table_exists(con, "ref.gpps_measures"):
        con.execute(_sql("triangulation_survey.sql"))
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _tri_survey (geography_level VARCHAR, geography_code VARCHAR, dimension VARCHAR, "
            "group_value VARCHAR, theme VARCHAR, survey_measures BIGINT, survey_worst_gap DOUBLE, survey_gap_significant BOOLEAN)"
        )
    if table_exists(con, "staged.comment_themes") and table_exists(con, "staged.comments"):
        comment_negative_view(con)
        con.execute(_sql("triangulation_comments.sql"))
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _tri_comments (comment_id VARCHAR, source VARCHAR, channel VARCHAR, icb_code VARCHAR, "
            "sub_icb_code VARCHAR, is_negative BOOLEAN, text_length BIGINT, overall VARCHAR, age_band VARCHAR, sex VARCHAR, "
            "ethnicity_band VARCHAR, deprivation_quintile VARCHAR, category VARCHAR)"
        )
    frame = con.execute(_sql("triangulation.sql")).df()
    frame = frame[frame["geography_level"].isin(levels)].reset_index(drop=True)
    _disclose_triangulation(frame)
    frame["convergent_rank"] = (
        frame.assign(_gap=frame["survey_worst_gap"].fillna(0), _n=frame["comments"].fillna(0))
        # Ties broken by volume then by name, so the rank is the same on every run.
        .sort_values(
            [
                "methods_agreeing_worse",
                "_gap",
                "_n",
                "geography_level",
                "geography_code",
                "dimension",
                "group_value",
                "theme",
            ],
            ascending=[False, True, False, True, True, True, True, True],
            kind="mergesort",
        )
        .reset_index()
        .reset_index()
        .set_index("index")["level_0"]
        + 1
    )
    frame = _with_triangulation_period(
        con, frame[[c for c in mart_columns("triangulation") if c in frame.columns]]
    )
    return write_mart(con, "triangulation", frame)


def _with_triangulation_period(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """Triangulation rows join the latest GPPS survey's gaps to comments of every date: each row says so,
    as a ``date_span`` period from the first day either covers to the last, plus ``survey_period`` and
    ``survey_source``."""
    survey = con.execute(
        """SELECT arg_max(period, period_end), max(period_start), max(period_end) FROM marts.metric_by_group
           WHERE source = 'gpps_respondents'"""
    ).fetchall()[0]
    starts, ends = [survey[1]], [survey[2]]
    if table_exists(con, "staged.comments"):
        first, last = con.execute(
            "SELECT min(comment_date), max(comment_date) FROM staged.comments WHERE is_substantive"
        ).fetchall()[0]
        starts.append(first)
        ends.append(last)
    starts, ends = [d for d in starts if d is not None], [d for d in ends if d is not None]
    label = span_label(min(starts), max(ends)) if starts and ends else None
    out = frame.copy()
    out.insert(0, "survey_source", "gpps_respondents" if survey[0] is not None else None)
    out.insert(0, "survey_period", survey[0])
    out.insert(0, "period", label)
    # Nothing dated (label None) means no rows either: the typed period columns are added all the same,
    # in their place after ``period``, so an empty mart has a full one's columns in a full one's order.
    return add_period_columns(out, None)
