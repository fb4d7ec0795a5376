"""A tiny hand-made published store: a few rows in each mart, one ICB, with suppressed cells and a comment
that needs escaping."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.core.periods import add_period_columns

ICB = "QAA"
LEARNING_DISABILITY_REASON = "no population file by learning disability is loaded (a planted reason)"
HOSTILE_COMMENT = 'c-1: The <script>alert("x")</script> receptionist & I <b>argued</b> about the phone queue'


def _groups() -> pd.DataFrame:
    rows = []

    def add(metric, dimension, group, value, lo, hi, n, diff, sig, worse, suppressed=False):  # noqa: ANN001
        rows.append(
            {
                "geography_level": "icb", "geography_code": ICB, "period": "2024", "metric_id": metric,
                "metric_name": metric, "source": "gpps_respondents", "dimension": dimension, "group_value": group,
                "value": None if suppressed else value, "numerator": None, "denominator": None if suppressed else n,
                "unweighted_n": n, "n_eff": n, "lower_95": None if suppressed else lo,
                "upper_95": None if suppressed else hi, "lower_998": None, "upper_998": None,
                "diff_from_overall": None if suppressed else diff, "diff_from_overall_significant": sig,
                "best_group": None, "diff_from_best": None, "diff_from_best_significant": False,
                "worse_than_overall": worse, "higher_is_better": True, "suppressed": suppressed,
                "suppression_reason": "small_base" if suppressed else "",
            }
        )  # fmt: skip

    def change(row: dict, previous: float | None, significant_998: bool = False) -> None:
        """The row's change from the same cell in 2023 (z-test at 95% on its n_eff, written out)."""
        if previous is None or row["value"] is None:
            return
        diff = row["value"] - previous
        se = (
            row["value"] * (1 - row["value"]) / row["n_eff"] + previous * (1 - previous) / row["n_eff"]
        ) ** 0.5
        row |= {"previous_period": "2023", "change_from_previous": diff,
                "change_from_previous_lower_95": diff - 1.96 * se, "change_from_previous_upper_95": diff + 1.96 * se,
                "change_from_previous_significant_95": abs(diff) > 1.96 * se,
                "change_from_previous_significant_998": significant_998, "recent_trend": "cannot be calculated"}  # fmt: skip

    for metric, base in (("phone_access", 0.60), ("overall_experience", 0.80)):
        add(metric, "overall", "All", base, base - 0.02, base + 0.02, 2000, None, False, False)
        # Worse at 95% but not flagged at 99.8% (like the sample's 16-24s on phone access).
        add(metric, "age_band", "16-24", base - 0.1, base - 0.15, base - 0.05, 300, -0.1, True, False)
        add(metric, "age_band", "25-34", base, base - 0.04, base + 0.04, 400, 0.0, False, False)
        add(metric, "age_band", "85+", None, None, None, 6, None, False, False, suppressed=True)
        add(metric, "sex", "Female", base + 0.01, base - 0.02, base + 0.04, 1000, 0.01, False, False)
        add(metric, "sex", "Male", base - 0.01, base - 0.04, base + 0.02, 950, -0.01, False, False)
        for q, shift in zip("12345", (-0.12, -0.05, 0.0, 0.05, 0.1), strict=True):
            add(metric, "deprivation_quintile", q, base + shift, base + shift - 0.03, base + shift + 0.03,
                400, shift, abs(shift) > 0.04, shift < -0.04)  # fmt: skip
        # Change since 2023: the 16-24s' phone access fell by 12 points (beyond 99.8%); the overall held.
        by_group = {r["group_value"]: r for r in rows if r["metric_id"] == metric}
        change(by_group["All"], base - 0.005)
        change(by_group["16-24"], base + 0.02 if metric == "phone_access" else base - 0.1,
               significant_998=metric == "phone_access")  # fmt: skip
    frame = pd.DataFrame(rows)
    for flag in ("change_from_previous_significant_95", "change_from_previous_significant_998"):
        frame[flag] = frame[flag].astype("boolean")  # NULL where nothing was compared, as published
    return frame


def _practices() -> pd.DataFrame:
    rows = []
    for i in range(12):
        n = 40 + 15 * i
        value = 0.6 + (0.25 if i == 3 else -0.3 if i == 7 else 0.01 * (i % 3))
        label = "High (0.001)" if i == 3 else "Low (0.001)" if i == 7 else "Not significant"
        judgement = "better" if i == 3 else "worse" if i == 7 else "similar"
        rows.append(
            {"icb_code": ICB, "period": "2024", "metric_id": "phone_access", "source": "gpps_published",
             "unit_level": "practice", "unit_code": f"P{i:05d}", "value": value, "unweighted_n": n,
             "icb_value": 0.6, "england_value": 0.62, "england_value_basis": "published", "vs_icb": label,
             "vs_icb_judgement": judgement, "vs_england": label, "vs_england_judgement": judgement, "units": 12,
             "range": 0.55, "best_to_worst_ratio": 2.8}
        )  # fmt: skip
    # A measure where lower is better: sub-ICB ZZ2's high share of negative complaints is worse, never better.
    for code, value, label, judgement in (
        ("ZZ1", 0.30, "Not significant", "similar"),
        ("ZZ2", 0.55, "High (0.001)", "worse"),
    ):
        rows.append(
            {"icb_code": ICB, "period": "2024", "metric_id": "comments_negative_complaint", "source": "comments",
             "unit_level": "sub_icb", "unit_code": code, "value": value, "unweighted_n": 400.0, "icb_value": 0.4,
             "england_value": 0.35, "england_value_basis": "pooled_loaded_areas", "vs_icb": label,
             "vs_icb_judgement": judgement, "vs_england": label, "vs_england_judgement": judgement, "units": 2,
             "range": 0.25, "best_to_worst_ratio": 1.83}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _national_variation() -> pd.DataFrame:
    """England's spread of the two measures the ICB's units are compared on."""
    return pd.DataFrame(
        [
            {"period": "2024", "metric_id": "phone_access", "source": "gpps_published", "unit_level": "practice",
             "higher_is_better": True, "england_value": 0.62, "england_value_basis": "published", "units": 6400,
             "icbs": 42, "best_value": 0.97, "worst_value": 0.21, "range": 0.76, "best_to_worst_ratio": 4.62,
             "units_outside_998": 310, "units_better_998": 140, "units_worse_998": 170},
            {"period": "2024", "metric_id": "comments_negative_complaint", "source": "comments",
             "unit_level": "sub_icb", "higher_is_better": False, "england_value": 0.35,
             "england_value_basis": "pooled_loaded_areas", "units": 2, "icbs": 1, "best_value": 0.30,
             "worst_value": 0.55, "range": 0.25, "best_to_worst_ratio": 1.83, "units_outside_998": 1,
             "units_better_998": 0, "units_worse_998": 1},
        ]
    )  # fmt: skip


def _spc() -> pd.DataFrame:
    """Two trusts' monthly FFT control charts: RQQ steps down for its last eight months, RWW is steady."""
    from pipelines.marts.spc import spc_points
    from schemas.contracts import contract

    months = pd.period_range("2024-01", periods=16, freq="M")
    wobble = [0.004, -0.003, 0.002, -0.004, 0.003, -0.002, 0.001, -0.001] * 2
    rows = [
        {"icb_code": ICB, "geography_level": "trust", "geography_code": trust, "metric_id": "fft_positive_ae",
         "metric_name": "FFT A&E: share of responses very good or good", "source": "fft",
         "period": m.strftime("%Y-%m"), "period_start": m.start_time, "period_end": m.end_time.normalize(),
         "period_kind": "month", "higher_is_better": True,
         "value": 0.9 + w - (0.06 if trust == "RQQ" and i >= 8 else 0.0)}
        for trust in ("RQQ", "RWW") for i, (m, w) in enumerate(zip(months, wobble, strict=True))
    ]  # fmt: skip
    return spc_points(pd.DataFrame(rows))[contract("marts.spc").column_names]


def build_published(path: Path) -> Path:
    groups = _groups()
    practices = _practices()
    mbg_practice = practices.rename(columns={"unit_level": "geography_level", "unit_code": "geography_code"})
    mbg_practice = mbg_practice.assign(dimension="overall", group_value="All", n_eff=mbg_practice.unweighted_n,
                                       higher_is_better=mbg_practice.metric_id != "comments_negative_complaint")  # fmt: skip
    gradient = pd.DataFrame(
        [
            {"geography_level": "icb", "geography_code": ICB, "period": "2024", "metric_id": m,
             "source": "gpps_respondents", "series": "2024+", "groups": 5, "sii": 0.22, "sii_lower_95": 0.15,
             "sii_upper_95": 0.29, "rii": 1.4, "rii_lower_95": 1.2, "rii_upper_95": 1.6,
             "direction": "worse_in_more_deprived", "quintile_basis": "national"}
            for m in ("phone_access", "overall_experience")
        ]
        # Practice results pooled by deprivation either side of the 2024 redesign: never compared across it.
        + [{"geography_level": "icb", "geography_code": ICB, "period": period, "metric_id": "phone_access",
            "source": "gpps_practices", "series": series, "quintile_basis": "within_icb", "groups": 5, "sii": sii,
            "sii_lower_95": sii - 0.03, "sii_upper_95": sii + 0.03, "rii": 1 + sii, "rii_lower_95": 0.97 + sii,
            "rii_upper_95": 1.03 + sii, "direction": direction, "previous_period": None, "gap_trend": None}
           for period, series, sii, direction in (("2023", "2017-2023", 0.02, "no_clear_gradient"),
                                                  ("2024", "2024+", 0.12, "worse_in_more_deprived"))]
        # Complaints negative across deprivation in two calendar years: the gap widened from 2023 to 2024.
        + [{"geography_level": "icb", "geography_code": ICB, "period": period, "metric_id": "comments_negative_complaint",
            "source": "comments", "series": None, "groups": 5, "sii": sii, "sii_lower_95": sii - 0.04,
            "sii_upper_95": sii + 0.04, "rii": 1 - sii, "rii_lower_95": 0.9 - sii, "rii_upper_95": 1.1 - sii,
            "direction": "worse_in_more_deprived", "previous_period": previous, "sii_change": change,
            "sii_change_lower_95": None if change is None else change - 0.06,
            "sii_change_upper_95": None if change is None else change + 0.06,
            "gap_trend": None if change is None else "widening", "quintile_basis": "national"}
           for period, sii, previous, change in (("2023", -0.10, None, None), ("2024", -0.30, "2023", -0.20))]
    )  # fmt: skip
    representation = pd.DataFrame(
        [
            {"channel": "gpps_respondents", "geography_level": "icb", "geography_code": ICB, "period": "2024",
             "dimension": "age_band", "group_value": g, "voices": v, "voices_total": 1000.0, "share_of_voices": s,
             "population_share": p, "representation_ratio": r, "ratio_lower_95": lo, "ratio_upper_95": hi,
             "under_represented": u}
            for g, v, s, p, r, lo, hi, u in (
                ("16-24", 50.0, 0.05, 0.15, 0.33, 0.25, 0.43, True),
                ("25-34", 200.0, 0.2, 0.2, 1.0, 0.9, 1.1, False),
                ("85+", None, None, 0.03, None, None, None, False),
            )
        ]
        + [
            {"channel": "gpps_published", "geography_level": "icb", "geography_code": ICB, "period": "2024",
             "dimension": d, "group_value": g, "voices": v, "voices_total": None, "share_of_voices": sh,
             "population_share": p, "representation_ratio": r, "ratio_lower_95": lo, "ratio_upper_95": hi,
             "under_represented": u, "suppressed": v is None, "suppression_reason": "small_count" if v is None else "",
             "population_missing_reason": None}
            for d, g, v, sh, p, r, lo, hi, u in (
                ("ethnicity_band", "Asian", 120.0, 0.12, 0.2, 0.6, 0.5, 0.71, True),
                ("ethnicity_band", "White", 860.0, 0.86, 0.7, 1.23, 1.2, 1.26, False),
                ("ethnicity_band", "Black", None, None, 0.05, None, None, None, None),
                ("sex_by_age_band", "Male 16-24", 20.0, 0.02, 0.075, 0.27, 0.17, 0.41, True),
                ("sex_by_age_band", "Male 25-34", 90.0, 0.09, 0.1, 0.9, 0.74, 1.1, False),
            )
        ]
        + [
            {"channel": "gpps_published", "geography_level": "icb", "geography_code": ICB, "period": "2024",
             "dimension": "learning_disability", "group_value": "Learning disability", "suppressed": False,
             "suppression_reason": "", "under_represented": None,
             "population_missing_reason": LEARNING_DISABILITY_REASON}
        ]
    )  # fmt: skip
    triangulation = pd.DataFrame(
        [
            {"geography_level": "icb", "geography_code": ICB, "dimension": "age_band", "group_value": "16-24",
             "theme": "Access to medical care & support", "survey_measures": 2, "survey_worst_gap": -0.1,
             "survey_worse_998": True, "comments": 25.0, "negative_comments": 20.0, "complaints": None,
             "healthwatch_findings": 0.0, "stories": 5.0, "negative_share": 0.8, "overall_negative_share": 0.5,
             "negative_theme_share": 0.4, "overall_negative_theme_share": 0.25,
             "example_comments": [HOSTILE_COMMENT, "c-2: Could not get through at 8am"],
             "methods_agreeing_worse": 2, "convergent_rank": 1},
            {"geography_level": "icb", "geography_code": ICB, "dimension": "overall", "group_value": "All",
             "theme": "Access to medical care & support", "survey_measures": 2, "survey_worst_gap": None,
             "survey_worse_998": False, "comments": 100.0, "negative_comments": 50.0, "complaints": 10.0,
             "healthwatch_findings": 0.0, "stories": 5.0, "negative_share": 0.5, "overall_negative_share": 0.5,
             "negative_theme_share": 0.25, "overall_negative_theme_share": 0.25, "example_comments": None, "methods_agreeing_worse": 0, "convergent_rank": None},
        ]
    )  # fmt: skip
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts; CREATE SCHEMA ref")
        frames = {
            "spc": _spc(),
            "metric_by_group": pd.concat([groups, mbg_practice], ignore_index=True)[list(groups.columns)],
            "deprivation_gradient": gradient,
            "variation": practices,
            "national_variation": _national_variation(),
            "representation": representation,
            "triangulation": triangulation,
        }
        for name, frame in frames.items():
            if name in ("metric_by_group", "deprivation_gradient", "variation", "national_variation"):
                frame = frame.assign(boundaries="as_of_period")  # the areas of the time, as the report shows
            if "period" in frame.columns:  # typed periods, as every published mart carries them
                frame = add_period_columns(frame, "source" if "source" in frame.columns else "channel")
            con.register("_frame", frame)
            con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM _frame")
            con.unregister("_frame")
        con.execute("ALTER TABLE marts.triangulation ALTER example_comments TYPE VARCHAR[]")
        con.execute(
            "CREATE TABLE ref.ccg_icb_crosswalk AS SELECT 'X1' AS ccg_code, ? AS icb_code, "
            "'NHS Test & Sample ICB' AS icb_name",
            [ICB],
        )
    return path


@pytest.fixture(scope="session")
def tiny_published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_published(tmp_path_factory.mktemp("published") / "published.duckdb")


@pytest.fixture(scope="session")
def tiny_report(tiny_published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.report import render_all_reports

    out = tmp_path_factory.mktemp("reports")
    paths = render_all_reports(tiny_published, out)
    assert len(paths) == 1
    return paths[0]
