"""What a published row says it is: England only when it covers England; names, not ids."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.marts.labels import ALL_LOADED_AREAS, ENGLAND_CODE, england_icbs, label_coverage, name_metrics
from pipelines.marts.metric_by_group import finalise_estimates


def cells(source: str, icbs: list[str], count: float = 123.0) -> pd.DataFrame:
    rows = [
        {"geography_level": "icb", "geography_code": icb, "period": "2025", "metric_id": "comments_negative_story",
         "metric_name": None, "source": source, "dimension": "overall", "group_value": "All", "numerator": count,
         "denominator": 2 * count, "unweighted_n": 2 * count, "count_based": True, "higher_is_better": False}
        for icb in icbs
    ]  # fmt: skip
    national = dict(rows[0], geography_level="england", geography_code=ENGLAND_CODE)
    national.update(
        numerator=count * len(icbs), denominator=2 * count * len(icbs), unweighted_n=2 * count * len(icbs)
    )
    return pd.DataFrame([*rows, national])


def test_england_ships_its_42_icbs() -> None:
    icbs = england_icbs()
    assert len(icbs) == 42 and all(len(c) == 3 and c.startswith("Q") for c in icbs)


def test_a_sum_over_some_icbs_is_all_loaded_areas_with_the_list() -> None:
    out = label_coverage(cells("comments", ["QWE", "QE1"]))
    national = out.iloc[-1]
    assert national.geography_level == ALL_LOADED_AREAS and national.geography_code == "QE1+QWE"


def test_a_sum_over_every_icb_is_england() -> None:
    out = label_coverage(cells("comments", sorted(england_icbs())))
    assert out.iloc[-1].geography_level == "england" and out.iloc[-1].geography_code == ENGLAND_CODE


def test_a_publishers_own_national_figure_stays_england() -> None:
    out = label_coverage(cells("gpps_published", ["QWE"]))
    assert out.iloc[-1].geography_level == "england"


def test_counts_in_a_partial_aggregate_are_rounded_like_any_below_england() -> None:
    out = finalise_estimates(cells("comments", ["QWE", "QE1"], count=123.0))
    national = out[out.geography_level == ALL_LOADED_AREAS].iloc[0]
    assert national.numerator % 5 == 0 and national.numerator == 245  # 246 true, published rounded


def test_metric_names_are_words_never_ids(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"metric_id": ["comments_negative_story", "fft_positive_ae", "phone_access", "some_new_metric"],
         "metric_name": [None, "FFT: share of responses very good or good (ae)", "phone_access", None],
         "source": ["comments", "fft", "gpps_respondents", "comments"], "period": ["2025", "2025-07", "2023", "2025"]}
    )  # fmt: skip
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE SCHEMA ref")
        con.execute(
            "CREATE TABLE ref.gpps_measures AS SELECT 'phone_access' AS measure_id, 2023 AS survey_year, "
            "'Generally, how easy is it to get through to someone at your GP practice on the phone?' AS wording"
        )
        names = name_metrics(con, frame)["metric_name"].tolist()
    assert names == [
        "Share of patient stories that are negative",
        "FFT A&E: share of responses very good or good",
        "Generally, how easy is it to get through to someone at your GP practice on the phone?",
        "Some new metric",
    ]
