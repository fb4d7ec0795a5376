"""What a published row says it is: a readable metric name and unit, and whether an aggregate is England.

Plain functions over the estimate frames of ``marts.metric_by_group`` (one row per cell).

England: an aggregate Chorus sums from the rows it has loaded (respondents, comments) is England only
when every ICB of England is among them. England has had the same 42 ICB footprints (the STP / ICS
codes of NHS Digital's September 2020 practice map are the ICB codes of July 2022), listed in
``england_icbs.csv``; an aggregate that covers fewer is published as ``all_loaded_areas`` with the ICB
codes it covers as its ``geography_code`` ('QE1+QF7'), never as England. A publisher's own national
figures (the GPPS national file) are England as published.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

HERE = Path(__file__).parent
ENGLAND_CODE = "E92000001"
ALL_LOADED_AREAS = "all_loaded_areas"
# Sources whose England rows are the publisher's own national figures, not sums of what Chorus loaded.
PUBLISHED_NATIONAL_SOURCES = ("gpps_published",)

# Units, by metric: every metric is a proportion except the rates per 10,000.
UNIT_PROPORTION = "proportion of the denominator (0–1)"
UNIT_RATE_PER_10K = "rate per 10,000 registered patients"

# FFT setting codes (pipelines/sources/fft/workbook.py) as a reader names them.
FFT_SETTING_NAMES: dict[str, str] = {
    "ae": "A&E",
    "inpatient": "inpatient",
    "outpatient": "outpatient",
    "ambulance": "ambulance",
    "ambulance_pts": "ambulance patient transport",
    "ambulance_see_and_treat": "ambulance see and treat",
    "gp": "GP practice",
    "maternity": "maternity",
    "mental_health": "mental health",
    "community": "community",
    "dental": "dental",
}

# Comment channels (staged.comments.channel), plural, as a reader names them.
CHANNEL_PLURALS: dict[str, str] = {
    "survey_comment": "FFT and survey comments",
    "complaint": "complaints",
    "review": "Healthwatch Feedback Centre reviews",
    "story": "patient stories",
    "report_finding": "Healthwatch report findings",
}


def england_icbs() -> set[str]:
    """The ICB codes of England (``england_icbs.csv``)."""
    with (HERE / "england_icbs.csv").open(encoding="utf-8", newline="") as handle:
        return {row["icb_code"] for row in csv.DictReader(handle)}


def label_coverage(estimates: pd.DataFrame, england: set[str] | None = None) -> pd.DataFrame:
    """Relabel aggregates that do not cover England as ``all_loaded_areas`` (see the module docstring).

    The ICBs an aggregate covers are the ICB rows of the same source and period.
    """
    england = england_icbs() if england is None else england
    out = estimates.copy()
    national = (out["geography_level"] == "england") & ~out["source"].isin(PUBLISHED_NATIONAL_SOURCES)
    if not national.any():
        return out
    icb_rows = out[out["geography_level"] == "icb"]
    covered = icb_rows.groupby(["source", "period"])["geography_code"].agg(lambda c: set(c.dropna()))
    for (source, period), block in out[national].groupby(["source", "period"]):
        loaded = covered.get((source, period), set())
        if england <= loaded:
            continue
        out.loc[block.index, "geography_level"] = ALL_LOADED_AREAS
        out.loc[block.index, "geography_code"] = "+".join(sorted(loaded)) or "none"
    return out


def metric_unit(metric_id: pd.Series) -> pd.Series:
    """The unit of each metric's ``value``."""
    per_10k = metric_id.astype(str).str.endswith("_per_10k").to_numpy()
    return pd.Series(
        np.where(per_10k, UNIT_RATE_PER_10K, UNIT_PROPORTION), index=metric_id.index, dtype=object
    )


def _readable(metric_id: str, name: object) -> str:
    """A name from the id's grammar where the source gave none (or gave the id back)."""
    if metric_id.startswith(("fft_positive_", "fft_negative_")):
        positive = metric_id.startswith("fft_positive_")
        setting = metric_id.split("_", 2)[2]
        answers = "very good or good" if positive else "poor or very poor"
        return (
            f"FFT {FFT_SETTING_NAMES.get(setting, setting.replace('_', ' '))}: share of responses {answers}"
        )
    if metric_id.startswith("comments_negative_"):
        channel = metric_id.removeprefix("comments_negative_")
        plural = CHANNEL_PLURALS.get(channel, channel.replace("_", " ") + " comments")
        return f"Share of {plural} that are negative"
    if isinstance(name, str) and name.strip() and name != metric_id:
        return name
    return metric_id.replace("_", " ").capitalize()


def name_metrics(con: duckdb.DuckDBPyConnection, estimates: pd.DataFrame) -> pd.DataFrame:
    """Every row's ``metric_name`` in words: GPPS measures by the question as worded in that survey year
    (``ref.gpps_measures``), FFT and comment metrics from their setting and channel, never the id."""
    out = estimates.copy()
    if out.empty:
        return out
    gpps = out["source"].fillna("").str.startswith("gpps")
    if (
        gpps.any()
        and con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ref' AND table_name = 'gpps_measures'"
        ).fetchall()[0][0]
    ):
        wording = con.execute(
            """SELECT measure_id AS metric_id, CAST(survey_year AS VARCHAR) AS period, any_value(wording) AS wording
               FROM ref.gpps_measures WHERE wording IS NOT NULL GROUP BY ALL"""
        ).df()
        keyed = out.loc[gpps, ["metric_id", "period"]].merge(wording, on=["metric_id", "period"], how="left")
        keyed.index = out.index[gpps]
        out.loc[gpps, "metric_name"] = keyed["wording"].where(
            keyed["wording"].notna(), out.loc[gpps, "metric_name"]
        )
    # Once per distinct (id, name): a national table repeats a few hundred of them over 500,000 rows.
    pairs = pd.MultiIndex.from_arrays([out["metric_id"], out["metric_name"].astype(object)])
    distinct = pairs.unique()
    readable = pd.Series([_readable(m, n) for m, n in distinct], index=distinct, dtype=object)
    out["metric_name"] = readable.reindex(pairs).to_numpy()
    return out
