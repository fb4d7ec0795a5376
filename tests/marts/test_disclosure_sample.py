"""On the sample's published file, every derived figure comes from the counts as published and nothing an
attacker can compute brings a suppressed or rounded-away count back (docs/DESIGN.md section 8, issue 16 items 3-4).

Each test reads the published store as an analyst would; the reference formulas are written out here."""

import math
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.methods.intervals import rate_interval
from tests.conftest import query

COUNT_SOURCES = ("fft", "comments", "complaints")
Z95 = 1.959963984540054
Z998 = 3.090232306167813


def wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson written out by hand (docs/DESIGN.md section 7)."""
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def frame(published: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql).df()


def test_representation_shares_and_intervals_come_from_the_published_counts(sample_published: Path) -> None:
    """Issue 16: 0.35955 = 32/89 was published beside 30/90. Now share = voices / voices_total as printed."""
    everything = frame(
        sample_published, "SELECT * FROM marts.representation WHERE share_of_voices IS NOT NULL"
    )
    # A group without a population share (see population_missing_reason) has a share of voices and nothing more.
    without = everything[everything["population_share"].isna()]
    assert without[["representation_ratio", "ratio_lower_95", "ratio_upper_95"]].isna().all().all()
    assert without["population_missing_reason"].notna().all()
    rows = everything[everything["population_share"].notna()]
    assert len(rows) > 20
    assert np.allclose(rows["share_of_voices"], rows["voices"] / rows["voices_total"], rtol=0, atol=1e-12)
    for r in rows.itertuples():
        lower, upper = wilson(r.voices, r.voices_total, Z95)
        assert r.ratio_lower_95 == pytest.approx(lower / r.population_share, abs=1e-12)
        assert r.ratio_upper_95 == pytest.approx(upper / r.population_share, abs=1e-12)
        assert r.representation_ratio == pytest.approx(r.share_of_voices / r.population_share, abs=1e-12)


def test_a_suppressed_voice_count_hides_its_share_and_cannot_be_differenced(sample_published: Path) -> None:
    rows = frame(sample_published, "SELECT * FROM marts.representation")
    hidden = rows[rows["voices"].isna()]
    assert not hidden.empty  # the sample has small groups
    assert (
        hidden[["share_of_voices", "representation_ratio", "ratio_lower_95", "ratio_upper_95"]]
        .isna()
        .all()
        .all()
    )
    # A total beside all but one of its parts gives the last part back: never exactly one hidden part.
    block = ["channel", "geography_level", "geography_code", "period", "dimension"]
    per_block = rows.assign(hidden=rows["voices"].isna()).groupby(block)
    lonely = per_block.filter(lambda b: b["hidden"].sum() == 1 and b["voices_total"].notna().all())
    assert lonely.empty, lonely[[*block, "group_value", "voices", "voices_total"]]


def test_triangulation_shares_come_from_the_published_counts(sample_published: Path) -> None:
    """Issue 16: negative_share differed from negative_comments / comments in 128 of 167 rows."""
    rows = frame(sample_published, "SELECT * FROM marts.triangulation WHERE negative_share IS NOT NULL")
    assert len(rows) > 20
    assert np.allclose(
        rows["negative_share"], rows["negative_comments"] / rows["comments"], rtol=0, atol=1e-12
    )
    overall = frame(
        sample_published,
        """SELECT geography_level, geography_code, theme, negative_comments / comments AS share,
                  any_value(overall_negative_share) AS published
           FROM marts.triangulation WHERE dimension = 'overall' AND overall_negative_share IS NOT NULL
           GROUP BY ALL""",
    )
    assert not overall.empty
    assert np.allclose(overall["share"], overall["published"], rtol=0, atol=1e-12)
    assert query(
        sample_published,
        "SELECT count(*) FROM marts.triangulation WHERE comments IS NULL AND negative_share IS NOT NULL",
    ) == [(0,)]


def test_count_rows_publish_value_interval_and_n_eff_from_the_published_counts(
    sample_published: Path,
) -> None:
    """Wilson (proportions) and Byar (rates) limits on the published counts; n_eff is the published denominator."""
    rows = frame(
        sample_published,
        f"""SELECT * FROM marts.metric_by_group WHERE source IN {COUNT_SOURCES} AND NOT suppressed""",
    )
    assert len(rows) > 100
    rate = rows["metric_id"].str.endswith("_per_10k")
    proportions, rates = rows[~rate], rows[rate]
    assert (proportions["n_eff"] == proportions["denominator"]).all()
    assert np.allclose(
        proportions["value"], proportions["numerator"] / proportions["denominator"], atol=1e-12
    )
    for r in proportions.itertuples():
        for z, lo, hi in ((Z95, r.lower_95, r.upper_95), (Z998, r.lower_998, r.upper_998)):
            expected = wilson(r.numerator, r.denominator, z)
            assert (lo, hi) == pytest.approx(expected, abs=1e-12), r
    assert not rates.empty
    value, lower, upper = rate_interval(rates["numerator"], rates["denominator"], 10_000, 0.95)
    assert np.allclose(rates["value"], value) and np.allclose(rates["lower_95"], lower)
    assert np.allclose(rates["upper_95"], upper)


def test_counts_below_england_are_rounded_and_small_cells_show_nothing(sample_published: Path) -> None:
    rows = frame(sample_published, f"SELECT * FROM marts.metric_by_group WHERE source IN {COUNT_SOURCES}")
    shown = rows[~rows["suppressed"]]
    for column in ("numerator", "denominator", "unweighted_n", "n_eff"):
        values = shown[column].dropna()
        assert ((values % 5 == 0) & ~values.between(1, 7)).all(), column
    hidden = rows[rows["suppressed"]]
    assert len(hidden) > 100
    columns = ["value", "numerator", "denominator", "unweighted_n", "n_eff", "lower_95", "upper_95", "lower_998",
               "upper_998", "diff_from_overall", "diff_from_best"]  # fmt: skip
    assert hidden[columns].isna().all().all()


def test_survey_bases_are_shown_only_from_ten_and_rounded_below_england(sample_published: Path) -> None:
    """Issue 16: 79 suppressed survey rows still showed 1-7 respondents."""
    rows = frame(sample_published, "SELECT * FROM marts.metric_by_group WHERE source LIKE 'gpps%'")
    hidden = rows[rows["suppressed"]]
    assert not hidden.empty
    assert hidden[["unweighted_n", "n_eff", "numerator", "denominator", "value"]].isna().all().all()
    shown = rows[~rows["suppressed"]]
    assert (shown["unweighted_n"].dropna() >= 10).all()
    below = shown[shown["geography_level"] != "england"]["unweighted_n"].dropna()
    assert (below % 5 == 0).all()


def test_the_rules_apply_to_the_true_counts(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
) -> None:
    """A breakdown of 8 or 9 comments is not '10 after rounding'; a numerator of 1-7 is never shown."""
    from pipelines.marts.build import metric_estimates
    from pipelines.marts.metric_by_group import finalise_estimates

    with duckdb.connect(str(sample_pipeline[1]), read_only=True) as con:
        true = metric_estimates(con)
    published = finalise_estimates(true)
    counts = true["count_based"].fillna(False).astype(bool).to_numpy()
    breakdown = (true["dimension"] != "overall").to_numpy()
    few = counts & breakdown & (true["denominator"] < 10).to_numpy()
    assert few.any()  # the sample has small breakdowns
    assert published.loc[few, "suppressed"].all()
    small = counts & true["numerator"].between(1, 7).to_numpy()
    assert published.loc[small, "suppressed"].all()
    small_base = ~counts & (true["unweighted_n"] < 10).to_numpy()
    assert small_base.any() and published.loc[small_base, "suppressed"].all()


def test_secondary_suppression_hides_the_same_cells_whatever_the_row_order(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
) -> None:
    """Two releases of identical data must hide the same tied groups, or together they reveal both."""
    from pipelines.marts.build import metric_estimates
    from pipelines.marts.metric_by_group import finalise_estimates

    with duckdb.connect(str(sample_pipeline[1]), read_only=True) as con:
        true = metric_estimates(con)
    key = [
        "geography_level",
        "geography_code",
        "boundaries",
        "period",
        "metric_id",
        "source",
        "dimension",
        "group_value",
    ]
    first = finalise_estimates(true).sort_values(key).reset_index(drop=True)
    assert (first["suppression_reason"] == "secondary").sum() > 0
    for seed in (1, 2, 3):
        shuffled = true.sample(frac=1.0, random_state=seed)
        again = finalise_estimates(shuffled).sort_values(key).reset_index(drop=True)
        pd.testing.assert_series_equal(first["suppression_reason"], again["suppression_reason"])


def test_every_published_value_lies_inside_its_own_intervals(sample_published: Path) -> None:
    """Issue 16 item 4: 27 of 641 count rows (e.g. value 1.000, CI 0.719-0.950) lay outside their interval."""
    outside = query(
        sample_published,
        """SELECT metric_id, geography_code, group_value, value, lower_95, upper_95, lower_998, upper_998
           FROM marts.metric_by_group
           WHERE value < lower_95 - 1e-12 OR value > upper_95 + 1e-12
              OR value < lower_998 - 1e-12 OR value > upper_998 + 1e-12""",
    )
    assert outside == []
    outside = query(
        sample_published,
        """SELECT * FROM marts.representation
           WHERE representation_ratio < ratio_lower_95 - 1e-12 OR representation_ratio > ratio_upper_95 + 1e-12""",
    )
    assert outside == []


def test_an_attacker_recovers_nothing_from_the_published_file(sample_published: Path) -> None:
    """The independent audit (interval inversion, share x total, differencing) finds no count to recover."""
    from pipelines.publish.disclosure_audit import audit_disclosure, audit_intervals

    with duckdb.connect(str(sample_published), read_only=True) as con:
        findings = audit_disclosure(con)
        outside = audit_intervals(con)
    assert findings == [], findings[:10]
    assert outside == [], outside[:10]
