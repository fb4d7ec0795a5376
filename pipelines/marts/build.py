"""Build the marts from the staged and reference tables. Plain functions: each takes a connection, writes
one ``marts`` table (its columns and their descriptions are its contract, ``schemas/tables/marts``) and
returns its row count."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.core.periods import TYPED_PERIOD_COLUMNS, add_period_columns, span_label
from pipelines.core.sql import quote_identifier, sql_file
from pipelines.core.store import table_exists
from pipelines.marts.change_over_time import (
    GRADIENT_CHANGE_COLUMNS,
    with_change_over_time,
    with_gradient_change,
)
from pipelines.marts.labels import name_metrics
from pipelines.marts.metric_by_group import empty_estimates, finalise_estimates
from pipelines.methods.disclosure import (
    MIN_COMMENTS_FOR_BREAKDOWN,
    REASON_PUBLISHED,
    REASON_SECONDARY,
    percentage_from_rounded,
    protect_additive_block,
    suppress_and_round_counts,
)
from pipelines.methods.inequality import slope_index_of_inequality
from pipelines.methods.intervals import wilson_interval
from pipelines.methods.proportion_funnels import funnel_limits_proportion, funnel_significance
from pipelines.publish.published_store import NOT_PUBLISHED
from pipelines.sources.gpps.effective_n import with_effective_n
from schemas.contracts import contract

HERE = Path(__file__).parent


def _sql(name: str) -> str:
    return sql_file(HERE / name)


def write_mart(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> int:
    """Replace ``marts.<name>`` with ``frame`` (its descriptions come from the contract when published).

    A frame with a ``period`` label gets its typed period (``period_start``, ``period_end``,
    ``period_kind``; pipelines/core/periods.py) here, so every mart types its periods the same way.
    A column with no value to type it by (an empty mart: a store without the sources it reads) takes
    its contract's type, so an empty mart has the same columns and types as a full one and every query
    on it still binds.
    """
    if "period" in frame.columns and "period_start" not in frame.columns:
        frame = add_period_columns(frame, "source" if "source" in frame.columns else "channel")
    casts = {c: "DATE" for c in ("period_start", "period_end") if c in frame.columns}
    declared = contract(f"marts.{name}").suite_columns()
    con.register("_mart_frame", frame)
    try:
        described = con.execute("DESCRIBE SELECT * FROM _mart_frame").fetchall()
        untyped = [column for column, kind, *_ in described if kind == '"NULL"' and column not in casts]
        casts |= {column: declared.get(column, "VARCHAR") for column in untyped}
        replaced = ", ".join(
            f"CAST({quote_identifier(c)} AS {kind}) AS {quote_identifier(c)}" for c, kind in casts.items()
        )
        select = f"* REPLACE ({replaced})" if casts else "*"
        con.execute(f"CREATE OR REPLACE TABLE marts.{name} AS SELECT {select} FROM _mart_frame")
    finally:
        con.unregister("_mart_frame")
    return len(frame)


def mart_columns(name: str) -> list[str]:
    """The mart's columns in its contract's order, less the typed period columns ``write_mart`` adds."""
    return [c for c in contract(f"marts.{name}").column_names if c not in TYPED_PERIOD_COLUMNS]


def comment_negative_view(con: duckdb.DuckDBPyConnection) -> None:
    """``_comment_negative``: sentiment from the text stage when coded, else the source's own rating."""
    if table_exists(con, "staged.comment_sentiment"):
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _comment_negative AS
               SELECT c.comment_id, coalesce(s.sentiment_class = 'negative', c.rating >= 4) AS is_negative
               FROM staged.comments c LEFT JOIN staged.comment_sentiment s USING (comment_id)"""
        )
    else:
        con.execute(
            """CREATE OR REPLACE TEMP VIEW _comment_negative AS
               SELECT comment_id, rating >= 4 AS is_negative FROM staged.comments WHERE rating IS NOT NULL"""
        )


def metric_estimates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every source's cells, before intervals and disclosure control."""
    con.execute(_sql("geography.sql"))
    frames = [empty_estimates()]
    if table_exists(con, "staged.gpps_results") and table_exists(con, "ref.gpps_measures"):
        frames.append(with_effective_n(con.execute(_sql("gpps_published_estimates.sql")).df()))
    if table_exists(con, "staged.survey_responses") and table_exists(con, "ref.practice_deprivation"):
        frames.append(con.execute(_sql("gpps_respondent_estimates.sql")).df())
    if table_exists(con, "staged.fft_scores") and table_exists(con, "ref.nhs_trusts"):
        frames.append(con.execute(_sql("fft_estimates.sql")).df())
    if table_exists(con, "staged.complaint_returns") and table_exists(con, "staged.complaints"):
        frames.append(con.execute(_sql("complaints_estimates.sql")).df())
    if table_exists(con, "staged.comments") and table_exists(con, "ref.practice_deprivation"):
        comment_negative_view(con)
        frames.append(con.execute(_sql("comment_estimates.sql")).df())
        if table_exists(con, "staged.comment_themes"):
            frames.append(con.execute(_sql("theme_estimates.sql")).df())
    frames = [f for f in frames if not f.empty] or [empty_estimates()]
    return name_metrics(con, pd.concat(frames, ignore_index=True))


def group_nesting(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, dict[str, str]]]:
    """Dimensions whose groups nest in another's (ethnicity within ethnicity_band), from the published
    vocabulary: secondary suppression protects a group against its parent as well as against the total."""
    if not table_exists(con, "ref.people_vocabulary"):
        return {}
    pairs = con.execute(
        """SELECT DISTINCT value, band FROM ref.people_vocabulary
           WHERE dimension = 'ethnicity' AND value IS NOT NULL AND band IS NOT NULL"""
    ).fetchall()
    parent = dict(pairs)
    return {"ethnicity": ("ethnicity_band", parent)} if len(parent) == len(pairs) else {}


def build_metric_by_group(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.metric_by_group``: the published rows (``finalise_estimates``) with each row's change from its
    previous and earliest comparable period and its recent trend (``change_over_time``), from the published
    figures too."""
    frame = with_change_over_time(finalise_estimates(metric_estimates(con), group_nesting(con)))
    return write_mart(con, "metric_by_group", frame)


def build_deprivation_gradient(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.deprivation_gradient``: SII / RII across practice deprivation quintiles (PHE phe_sii), and
    whether each gap is widening since the previous comparable period (``change_over_time``)."""
    rows = con.execute(
        """SELECT geography_level, geography_code, period, metric_id, source, series, group_value, value, n_eff,
                  denominator, higher_is_better
           FROM marts.metric_by_group
           WHERE dimension = 'deprivation_quintile' AND group_value IN ('1', '2', '3', '4', '5')
             AND geography_level IN ('england', 'all_loaded_areas', 'icb', 'sub_icb') AND NOT suppressed AND value IS NOT NULL
             AND higher_is_better IS NOT NULL  -- a gradient in how often a theme is mentioned has no direction
           ORDER BY geography_level, geography_code, period, metric_id, source, group_value"""
    ).df()
    out = []
    for key, block in rows.groupby(["geography_level", "geography_code", "period", "metric_id", "source"]):
        if len(block) != 5:
            continue  # PHE needs every quintile present
        p = block["value"].to_numpy()
        se = np.sqrt(np.clip(p * (1 - p), 1e-9, None) / block["n_eff"].to_numpy())
        result = slope_index_of_inequality(p, se, block["denominator"].to_numpy(), repetitions=10_000)
        if np.isnan(result.sii):
            continue
        lower, upper = result.sii_lower[0], result.sii_upper[0]
        higher_better = bool(block["higher_is_better"].iloc[0])
        if lower > 0 or upper < 0:
            # SII > 0: values rise towards the least deprived end.
            worse_deprived = (result.sii > 0) == higher_better
            direction = "worse_in_more_deprived" if worse_deprived else "better_in_more_deprived"
        else:
            direction = "no_clear_gradient"
        out.append(
            dict(zip(["geography_level", "geography_code", "period", "metric_id", "source"], key, strict=True))
            | {"series": block["series"].iloc[0], "groups": 5, "sii": result.sii, "sii_lower_95": lower, "sii_upper_95": upper, "rii": result.rii,
               "rii_lower_95": result.rii_lower[0], "rii_upper_95": result.rii_upper[0], "direction": direction}
        )  # fmt: skip
    frame = pd.DataFrame(
        out, columns=[c for c in mart_columns("deprivation_gradient") if c not in GRADIENT_CHANGE_COLUMNS]
    )
    # Typed periods first: the change since the previous comparable period is found by date.
    frame = with_gradient_change(add_period_columns(frame))
    return write_mart(con, "deprivation_gradient", frame[contract("marts.deprivation_gradient").column_names])


def build_variation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.variation``: how an ICB's sub-ICB locations and practices vary, with funnel significance."""
    con.execute(_sql("geography.sql"))
    units = con.execute(
        """SELECT m.geography_level AS unit_level, m.geography_code AS unit_code, m.period, m.metric_id, m.source,
                  m.value, m.unweighted_n, m.n_eff,
                  coalesce(g.icb_code, s.icb_code) AS icb_code
           FROM marts.metric_by_group m
           LEFT JOIN (SELECT DISTINCT practice_code, icb_code FROM _practice_geo) g
                  ON m.geography_level = 'practice' AND g.practice_code = m.geography_code
           LEFT JOIN (SELECT DISTINCT sub_icb_code, icb_code FROM _practice_geo) s
                  ON m.geography_level = 'sub_icb' AND s.sub_icb_code = m.geography_code
           WHERE m.dimension = 'overall' AND m.geography_level IN ('practice', 'sub_icb') AND NOT m.suppressed
             AND m.value IS NOT NULL AND m.n_eff > 0 AND m.metric_id NOT LIKE '%per_10k'"""
    ).df()
    reference = con.execute(
        """SELECT geography_level, geography_code, period, metric_id, source, value FROM marts.metric_by_group
           WHERE dimension = 'overall' AND geography_level IN ('icb', 'england') AND NOT suppressed"""
    ).df()
    icb_values = reference[reference.geography_level == "icb"].set_index(
        ["geography_code", "period", "metric_id", "source"]
    )["value"]
    england = reference[reference.geography_level == "england"].set_index(["period", "metric_id", "source"])[
        "value"
    ]
    out = []
    for (icb, period, metric, source, level), block in units.dropna(subset=["icb_code"]).groupby(
        ["icb_code", "period", "metric_id", "source", "unit_level"]
    ):
        if len(block) < 2:
            continue
        n = block["n_eff"].to_numpy()
        x = np.clip(block["value"].to_numpy(), 0, 1) * n
        icb_value = icb_values.get((icb, period, metric, source), float(x.sum() / n.sum()))
        vs_icb = funnel_significance(x, n, funnel_limits_proportion(n, icb_value, multiplier=1.0))
        eng = england.get((period, metric, source))
        vs_eng = (
            funnel_significance(x, n, funnel_limits_proportion(n, eng, multiplier=1.0))
            if eng is not None
            else [None] * len(block)
        )
        values = block["value"].to_numpy()
        best, worst = values.max(), values.min()
        for (_, unit), significance_icb, significance_eng in zip(
            block.iterrows(), vs_icb, vs_eng, strict=True
        ):
            out.append({
                "icb_code": icb, "period": period, "metric_id": metric, "source": source, "unit_level": level,
                "unit_code": unit["unit_code"], "value": unit["value"], "unweighted_n": unit["unweighted_n"],
                "icb_value": icb_value, "england_value": eng, "vs_icb": str(significance_icb),
                "vs_england": None if significance_eng is None else str(significance_eng), "units": len(block),
                "range": best - worst, "best_to_worst_ratio": best / worst if worst > 0 else None,
            })  # fmt: skip
    frame = pd.DataFrame(out, columns=mart_columns("variation"))
    return write_mart(con, "variation", frame)


def _disclose_voices(merged: pd.DataFrame, block: list[str]) -> None:
    """Voices are counts of people: the 1–7 rule on the true counts, rounded counts published, and a
    second group hidden wherever the total and the other groups would give a hidden group back."""
    voices_pub, reason = suppress_and_round_counts(merged["voices"].to_numpy(dtype=float))
    total_pub, total_reason = suppress_and_round_counts(merged["voices_total"].to_numpy(dtype=float))
    for _, rows in merged.groupby(block, sort=False).groups.items():
        index = np.asarray(rows)
        extra, hide_total = protect_additive_block(
            (float(total_pub[index[0]]), str(total_reason[index[0]])),
            [(float(voices_pub[i]), str(reason[i])) for i in index],
            [str(g) for g in merged.loc[index, "group_value"]],
        )
        reason[index[extra]] = REASON_SECONDARY
        if hide_total:
            total_reason[index] = REASON_SECONDARY
    hidden = reason != REASON_PUBLISHED
    merged["voices"] = np.where(hidden, np.nan, voices_pub)
    merged["voices_total"] = np.where(total_reason != REASON_PUBLISHED, np.nan, total_pub)
    merged["suppressed"] = hidden
    merged["suppression_reason"] = reason


def build_representation(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.representation``: share of voices against share of the registered population."""
    con.execute(_sql("geography.sql"))
    if not table_exists(con, "ref.registered_population"):
        return write_mart(con, "representation", pd.DataFrame(columns=mart_columns("representation")))
    population = con.execute(_sql("population_shares.sql")).df()
    voices = (
        [con.execute(_sql("voices_gpps.sql")).df()] if table_exists(con, "staged.survey_responses") else []
    )
    if table_exists(con, "staged.comments"):
        voices.append(con.execute(_sql("voices_comments.sql")).df())
    if not voices:
        return write_mart(con, "representation", pd.DataFrame(columns=mart_columns("representation")))
    v = pd.concat(voices, ignore_index=True)
    merged = v.merge(
        population, on=["geography_level", "geography_code", "dimension", "group_value"], how="inner"
    )
    block = ["channel", "geography_level", "geography_code", "period", "dimension"]
    merged = merged.sort_values([*block, "group_value"], kind="mergesort").reset_index(drop=True)
    # The total is the sum of the groups shown, so the parts add up to it exactly (and protect each other).
    merged["voices_total"] = merged.groupby(block)["voices"].transform("sum")
    _disclose_voices(merged, block)
    # Every figure from the published counts: share, its Wilson interval, the ratio and the flag.
    hidden = merged["suppressed"].to_numpy()
    voices_pub = merged["voices"].to_numpy(dtype=float)
    total_pub = merged["voices_total"].to_numpy(dtype=float)
    share = np.where(hidden, np.nan, percentage_from_rounded(voices_pub, total_pub, 1.0))
    lower, upper = wilson_interval(np.nan_to_num(voices_pub), total_pub, 0.95)
    merged["share_of_voices"] = share
    merged["representation_ratio"] = share / merged["population_share"]
    merged["ratio_lower_95"] = np.where(hidden, np.nan, lower / merged["population_share"])
    merged["ratio_upper_95"] = np.where(hidden, np.nan, upper / merged["population_share"])
    merged["under_represented"] = (merged["representation_ratio"] < 0.8) & (merged["ratio_upper_95"] < 1)
    frame = merged[mart_columns("representation")]
    return write_mart(con, "representation", frame)


TRIANGULATION_COUNTS = ("comments", "negative_comments", "complaints", "healthwatch_findings", "stories")


def _disclose_triangulation(frame: pd.DataFrame) -> None:
    """Counts: the 1–7 rule on the true counts, rounded counts published, and per count column a second
    group hidden wherever a theme's overall count and the other groups would give a hidden group back.
    Shares, the agreement count and the rank are then computed from the published counts only; shares and
    quotes need 10+ true comments."""
    true_comments = frame["comments"].fillna(0).to_numpy(dtype=float)
    block = ["geography_level", "geography_code", "theme"]
    order = frame.sort_values([*block, "dimension", "group_value"], kind="mergesort").index
    blocks = []
    for _, rows in frame.loc[order].groupby(block, sort=False):
        overall = rows.index[rows["dimension"] == "overall"]
        if len(overall) == 1:
            for _, parts in rows[rows["dimension"] != "overall"].groupby("dimension", sort=False):
                blocks.append((overall[0], np.asarray(parts.index)))
    for column in TRIANGULATION_COUNTS:
        published, reason = suppress_and_round_counts(frame[column].fillna(0).to_numpy(dtype=float))
        for total, parts in blocks:
            if (reason[parts] == REASON_PUBLISHED).all():
                continue
            extra, hide_total = protect_additive_block(
                (float(published[total]), str(reason[total])),
                [(float(published[i]), str(reason[i])) for i in parts],
                [str(g) for g in frame.loc[parts, "group_value"]],
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
    survey_sql = """
        SELECT m.geography_level, m.geography_code, m.dimension, m.group_value, g.theme,
               count(*) AS survey_measures, min(m.diff_from_overall) AS survey_worst_gap,
               bool_or(m.diff_from_overall_significant AND m.diff_from_overall < 0) AS survey_gap_significant
        FROM marts.metric_by_group m
        JOIN (SELECT DISTINCT measure_id, theme FROM ref.gpps_measures) g ON g.measure_id = m.metric_id
        WHERE m.source = 'gpps_respondents' AND m.geography_level IN ('icb', 'sub_icb') AND NOT m.suppressed
          AND m.period = (SELECT arg_max(period, period_end) FROM marts.metric_by_group WHERE source = 'gpps_respondents')
        GROUP BY ALL"""
    if table_exists(con, "ref.gpps_measures"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE _tri_survey AS {survey_sql}")
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


def build_data_dictionary(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.data_dictionary``: every published table and column with its type (from the catalogue: exactly
    the tables ``published_store`` copies) and its description (from the table's contract; a published table
    without a contract is an error, a column without a description a test forbids)."""
    columns = con.execute(
        """SELECT schema_name || '.' || table_name AS table_name, column_name, data_type
           FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name IN ('marts', 'ref')
             AND table_name <> 'data_dictionary'
           ORDER BY 1, column_index"""
    ).fetchall()
    rows = []
    for table, column, data_type in columns:
        if table in NOT_PUBLISHED:
            continue
        spec = contract(table)
        source = "Chorus marts" if table.startswith("marts.") else "reference data (see README: Sources)"
        rows.append((table, column, data_type, spec.descriptions().get(column, ""), spec.description, source))
    frame = pd.DataFrame(rows, columns=mart_columns("data_dictionary"))
    return write_mart(con, "data_dictionary", frame)
