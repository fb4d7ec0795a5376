"""On the sample, the whole pipeline surfaces the inequalities the generator planted — and only those."""

import re
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from tests.conftest import query


def frame(published: Path, sql: str) -> pd.DataFrame:
    """A query's rows on the published store, as a frame."""
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql).df()


ICB = "QZ9"  # the sample's one ICB
PLANTED_NOT = ("Male", "Female", "White", "Mixed", "Black", "Other", "45-54", "55-64", "65-74", "75-84")


def test_sentiment_metadata_shows_how_much_was_read_with_a_rating(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
) -> None:
    materialisations, warehouse = sample_pipeline
    sentiment = next(m for m in materialisations if m.asset_key.path[-1] == "comment_sentiment")
    table = sentiment.metadata["by_source"].value
    (fft_rated,) = query(
        warehouse,
        """SELECT count(c.rating) FROM staged.comment_sentiment s JOIN staged.comments c USING (comment_id, file_sha256)
           WHERE c.source = 'fft'""",
    )[0]
    assert fft_rated > 0
    fft_row = next(line for line in table.splitlines() if line.startswith("| fft |"))
    assert f"| {fft_rated} |" in fft_row


def test_themes_metadata_names_the_model_that_coded_them(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
) -> None:
    """An analyst in the UI can see which model coded the comments, when it was trained and on what."""
    import json

    from pipelines.text.model import DEFAULT_MODEL_DIR, FORMAT_VERSION

    materialisations, _ = sample_pipeline
    themes = next(m for m in materialisations if m.asset_key.path[-1] == "comment_themes")
    model = themes.metadata["model"].value
    shipped = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    assert model["format_version"] == FORMAT_VERSION == shipped["format_version"]
    assert model["trained_at"] == shipped["trained_at"]
    assert model["training_rows"] == shipped["training"]["n_rows"] > 10_000
    assert model["labels"] == len(shipped["labels"]) == 32
    assert "theme probabilities" in model["sentiment_context_inputs"]


def gaps(published: Path, metric: str, dimension: str) -> dict[str, tuple]:
    """The 2023 survey's gaps (the year the story is planted in; 2021's extract carries it too, less deprived)."""
    rows = query(
        published,
        """SELECT group_value, diff_from_overall, diff_from_overall_significant, worse_than_overall
           FROM marts.metric_by_group
           WHERE geography_level = 'icb' AND source = 'gpps_respondents' AND metric_id = ? AND dimension = ?
             AND NOT suppressed AND period = '2023'""",
        [metric, dimension],
    )
    return {r[0]: r[1:] for r in rows}


def test_phone_access_gaps_for_the_planted_groups_are_found(sample_published: Path) -> None:
    ethnicity = gaps(sample_published, "phone_access", "ethnicity")
    gap, significant, flagged = ethnicity["Asian or Asian British: Bangladeshi"]
    assert gap < -0.08 and significant and flagged
    deprivation = gaps(sample_published, "phone_access", "deprivation_quintile")
    assert deprivation["1"][0] < -0.05 and deprivation["1"][1]
    assert deprivation["5"][0] > 0
    age = gaps(sample_published, "phone_access", "age_band")
    assert age["16-24"][0] < -0.04 and age["16-24"][1]
    assert age["16-24"][0] < age["65-74"][0]


def test_deprivation_gradient_points_the_planted_way(sample_published: Path) -> None:
    rows = query(
        sample_published,
        """SELECT direction, sii, sii_lower_95 FROM marts.deprivation_gradient
           WHERE geography_level = 'icb' AND metric_id = 'phone_access' AND source = 'gpps_respondents'
             AND period = '2023'""",
    )
    assert rows and rows[0][0] == "worse_in_more_deprived" and rows[0][2] > 0


def test_nothing_planted_as_noise_is_flagged(sample_published: Path) -> None:
    flagged = query(
        sample_published,
        f"""SELECT metric_id, dimension, group_value FROM marts.metric_by_group
            WHERE geography_level = 'icb' AND source = 'gpps_respondents' AND worse_than_overall
              AND group_value IN ({", ".join(f"'{g}'" for g in PLANTED_NOT)})""",
    )
    assert flagged == []


def test_the_intersections_surface_the_planted_groups(sample_published: Path) -> None:
    """Issue 18 item 6: young men (the age gap) and Asian respondents at the most deprived practices (the
    Bangladeshi gap on top of the deprivation gradient) stand out in the cross-classified view."""
    by_sex = gaps(sample_published, "phone_access", "age_band x sex")
    gap, significant, flagged = by_sex["16-24 | Male"]
    assert gap < -0.08 and significant and flagged
    by_deprivation = gaps(sample_published, "phone_access", "ethnicity_band x deprivation_quintile")
    gap, significant, flagged = by_deprivation["Asian | 1"]
    assert gap < -0.1 and significant and flagged
    assert by_deprivation["Asian | 1"][0] < by_deprivation["White | 1"][0] < by_deprivation["White | 5"][0]
    assert gaps(sample_published, "phone_access", "age_band x ethnicity_band")["16-24 | Asian"][2]


def test_no_intersection_of_groups_planted_as_noise_is_flagged(sample_published: Path) -> None:
    """Cells made only of groups the generator gave no effect (older ages, both sexes, the bands other than
    Asian, the less deprived quintiles) are never flagged worse at 99.8%, in any measure or year."""
    ages = ("45-54", "55-64", "65-74", "75-84")
    bands = ("White", "Mixed", "Black", "Other")
    noise = [f"{a} | {b}" for a in ages for b in (*bands, "Male", "Female")]
    noise += [f"{b} | {q}" for b in bands for q in ("3", "4", "5")]
    published = query(
        sample_published,
        """SELECT count(*) FILTER (NOT suppressed), count(*) FILTER (worse_than_overall)
           FROM marts.metric_by_group
           WHERE geography_level = 'icb' AND source = 'gpps_respondents' AND dimension LIKE '% x %'
             AND list_contains(?, group_value)""",
        [noise],
    )[0]
    assert published[0] > 100 and published[1] == 0


def test_intersections_add_up_to_their_margins_and_give_no_withheld_cell_back(sample_published: Path) -> None:
    """The reader's side of disclosure: the published intersection groups add up to their margins as the
    contract says, intersections exist only for England and ICBs, and solving every published weighted base of a
    cell at once gives back no withheld group (tests/marts/differencing_attack.py)."""
    import pandas as pd

    from tests.marts.differencing_attack import recoverable_rows

    with duckdb.connect(str(sample_published), read_only=True) as con:
        rows = con.execute("SELECT * FROM marts.metric_by_group WHERE source = 'gpps_respondents'").df()
    crossed = rows[rows["dimension"].str.contains(" x ")]
    assert set(crossed["dimension"]) == {
        "age_band x ethnicity_band", "age_band x sex", "ethnicity_band x deprivation_quintile"
    }  # fmt: skip
    assert set(crossed["geography_level"]) == {"icb", "all_loaded_areas"}
    assert crossed["suppressed"].any() and (crossed["suppression_reason"] == "small_n_eff").any()
    # Each published margin group equals the sum of its intersection's groups when none of them is withheld
    # (age band '16-24' = '16-24 | Asian' + '16-24 | Black' + …), and is never less than the published ones.
    cell = ["geography_level", "geography_code", "boundaries", "period", "metric_id"]
    checked = 0
    for dimension in crossed["dimension"].unique():
        for side, margin in enumerate(dimension.split(" x ")):
            parts = crossed[crossed["dimension"] == dimension].assign(
                margin=lambda f, side=side: f["group_value"].str.split(" | ", regex=False).str[side]
            )
            sums = parts.groupby([*cell, "margin"]).agg(
                parts=("denominator", "sum"), hidden=("suppressed", "any")
            )
            totals = rows[rows["dimension"] == margin].rename(columns={"group_value": "margin"})
            joined = sums.join(totals.set_index([*cell, "margin"])["denominator"], how="inner").dropna()
            whole = joined[~joined["hidden"]]
            pd.testing.assert_series_equal(whole["parts"], whole["denominator"], check_names=False, rtol=1e-9)
            assert (joined["parts"] <= joined["denominator"] * (1 + 1e-9)).all()
            checked += len(whole)
    assert checked > 50
    assert recoverable_rows(rows).empty


def test_young_respondents_are_the_ones_we_do_not_hear(sample_published: Path) -> None:
    rows = dict(
        query(
            sample_published,
            """SELECT group_value, under_represented FROM marts.representation
               WHERE channel = 'gpps_respondents' AND geography_level = 'icb' AND dimension = 'age_band'""",
        )
    )
    assert rows["16-24"] is True
    assert not any(rows[band] for band in ("45-54", "55-64", "65-74"))


def test_stories_explain_the_gap(sample_published: Path) -> None:
    """Triangulation joins the Asian group's survey gap to what people say, with traceable examples."""
    rows = query(
        sample_published,
        """SELECT theme, survey_worst_gap, comments, example_comments FROM marts.triangulation
           WHERE geography_level = 'icb' AND dimension = 'ethnicity_band' AND group_value = 'Asian'
             AND survey_worst_gap < 0 AND comments >= 10""",
    )
    assert rows
    examples = [e for r in rows if r[3] for e in r[3]]
    assert examples and all(":" in e for e in examples)  # each prefixed with its comment_id
    texts = query(
        sample_published,
        "SELECT count(*) FROM marts.triangulation WHERE comments < 10 AND example_comments IS NOT NULL",
    )
    assert texts == [(0,)]


def test_case_mix_complaints_are_indirectly_standardised_and_comments_directly(
    sample_published: Path,
) -> None:
    """marts.standardised_rates on the sample. KO41 returns count complaints per practice, their ages only in three
    broad bands: an ISR from each list's ages, no DSR, and the row says why. The generator gives deprived places
    more complaints per head (pipelines/sources/complaints/sample.py), not older lists: the most deprived location
    (ZC3, also the youngest lists) stays high once its ages are allowed for, the least deprived (ZB2) low."""
    complaints = frame(
        sample_published,
        """SELECT geography_level, geography_code, period, observed, expected, isr, dsr, dsr_note, isr_reference,
                  crude_funnel, isr_funnel, isr_judgement, period_kind
           FROM marts.standardised_rates WHERE measure = 'complaints' AND NOT suppressed""",
    )
    assert len(complaints) >= 66 * 4 and set(complaints["period_kind"]) == {"financial_year"}
    assert complaints["dsr"].isna().all() and complaints["dsr_note"].str.contains("three broad bands").all()
    assert (complaints["isr"] - complaints["observed"] / complaints["expected"]).abs().max() < 1e-9
    icb = complaints[complaints["geography_level"] == "icb"]
    # The reference rates are the loaded practices' own: the ICB as a whole is as expected, up to rounding.
    assert ((icb["isr"] - 1).abs() < 0.005).all()
    assert set(icb["isr_reference"]) == {"practices loaded (1 ICB; not all of England)"}
    latest = complaints[(complaints["geography_level"] == "sub_icb") & (complaints["period"] == "2024-25")]
    by_code = latest.set_index("geography_code")
    assert by_code.loc["ZC3", ["crude_funnel", "isr_funnel"]].tolist() == ["High (0.001)", "High (0.001)"]
    assert by_code.loc["ZC3", "isr_judgement"] == "worse"  # fewer complaints is better
    assert by_code.loc["ZB2", ["crude_funnel", "isr_funnel"]].tolist() == ["Low (0.001)", "Low (0.001)"]

    comments = frame(
        sample_published,
        """SELECT geography_code, observed, crude_rate, dsr, dsr_lower_95, dsr_upper_95, dsr_note, standard_population,
                  dsr_judgement
           FROM marts.standardised_rates
           WHERE measure = 'comments' AND geography_level = 'sub_icb' AND period = '2025'""",
    )
    assert len(comments) == 3 and comments["dsr"].notna().all() and comments["dsr_note"].isna().all()
    assert set(comments["standard_population"]) == {"ESP2013"}
    assert ((comments["dsr_lower_95"] < comments["dsr"]) & (comments["dsr"] < comments["dsr_upper_95"])).all()
    assert set(comments["dsr_judgement"]) == {"not compared"}  # more comments is neither better nor worse


def triangulation_rows(published: Path, icb: str) -> pd.DataFrame:
    """The ICB-level rows of ``marts.triangulation`` for ``icb``, as the report reads them."""
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(
            """SELECT * FROM marts.triangulation WHERE geography_level = 'icb' AND geography_code = ?
               ORDER BY convergent_rank""",
            [icb],
        ).df()


def test_the_bangladeshi_interpreter_story_ranks_in_the_icbs_top_three(sample_published: Path) -> None:
    """Issue 18 item 7: the detailed group's interpreter comments (coded Equality, diversity & inclusion by the
    keyword rules) meet its survey gaps, and both methods agree at 99.8%, in the report's top 3 for the ICB."""
    from pipelines.report.sections import top_convergent
    from pipelines.sample.ics import PLANTED

    bangladeshi = PLANTED["ethnic_group_gap"]["group"]
    top = top_convergent(triangulation_rows(sample_published, ICB), 3)
    story = top[(top["dimension"] == "ethnicity") & (top["group_value"] == bangladeshi)]
    assert len(story) == 1, top[["dimension", "group_value", "theme", "convergent_rank"]]
    row = story.iloc[0]
    assert row["survey_worse_998"] and row["comments_worse_998"] and row["methods_agreeing_worse"] == 2
    assert row["survey_measures_worse"] >= 2 and row["survey_n_eff"] >= 30 and row["comments"] >= 10
    quotes = list(row["example_comments"])
    assert any("interpreter" in q.lower() for q in quotes)
    # Near-duplicate-free, each with its coding confidence.
    bodies = [re.sub("[^a-z]", "", q.split("): ", 1)[1].lower()) for q in quotes]
    assert len({b[:60] for b in bodies}) == len({b[-60:] for b in bodies}) == len(bodies)
    assert all(re.search(r" \(theme (by keyword rule|\d\.\d\d)(, negative \d\.\d\d)?\): ", q) for q in quotes)
    # Its own period: the 2023 survey's fieldwork to its last comment.
    start, end = pd.Timestamp(row["period_start"]).date(), pd.Timestamp(row["period_end"]).date()
    assert start == date(2023, 1, 1) < end and row["period"] == f"{start} to {end}"


def test_no_noise_group_is_ranked_on_a_gap_not_significant_at_998(sample_published: Path) -> None:
    """Groups planted as noise (and the detailed ethnic groups of a noise band) earn no method, however large
    their gap: the sample holds such gaps significant at 95% but not at 99.8%, and every row of those groups
    ranks below every row a method agrees on."""
    noise_bands = tuple(g for g in PLANTED_NOT if not g[0].isdigit())
    trap = query(
        sample_published,
        """SELECT DISTINCT group_value FROM marts.metric_by_group
           WHERE geography_level = 'icb' AND geography_code = ? AND source = 'gpps_respondents' AND period = '2023'
             AND boundaries = 'as_of_period' AND diff_from_overall_significant AND NOT worse_than_overall
             AND diff_from_overall * CASE WHEN higher_is_better THEN 1 ELSE -1 END < 0""",
        [ICB],
    )
    # Single groups only: intersections ('Black | 1') are not triangulated (comments are not cut two ways).
    trapped = {g for (g,) in trap if (g in PLANTED_NOT or g.startswith(noise_bands)) and " | " not in g}
    assert trapped  # the sample does hold noise gaps at 95%: the test can fail
    rows = triangulation_rows(sample_published, ICB)
    noise = rows["group_value"].isin(PLANTED_NOT) | rows["group_value"].str.startswith(noise_bands)
    assert set(rows.loc[noise, "group_value"]) >= trapped
    assert (
        not rows.loc[noise, "survey_worse_998"].any()
        and (rows.loc[noise, "methods_agreeing_worse"] == 0).all()
    )
    agreed = rows.loc[rows["methods_agreeing_worse"] > 0, "convergent_rank"].dropna()
    assert len(agreed) and rows.loc[noise, "convergent_rank"].dropna().min() > agreed.max()
    # The survey method is metric_by_group's own 99.8% flag: every row it agrees on has a measure flagged.
    flagged = {
        (d, g)
        for d, g in query(
            sample_published,
            """SELECT DISTINCT dimension, group_value FROM marts.metric_by_group
               WHERE geography_level = 'icb' AND geography_code = ? AND source = 'gpps_respondents'
                 AND period = '2023' AND boundaries = 'as_of_period' AND worse_than_overall""",
            [ICB],
        )
    }
    survey_agrees = rows[rows["survey_worse_998"]]
    assert set(zip(survey_agrees["dimension"], survey_agrees["group_value"], strict=True)) <= flagged
