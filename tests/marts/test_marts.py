"""Marts from tiny hand-computed inputs: intervals, gaps, disclosure, representation, publish contents."""

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.core.store import ensure_store
from pipelines.marts import build, estimates, triangulation
from pipelines.marts.metric_by_group import finalise_estimates
from pipelines.sources.shared.geography import ensure_geography_views


def cell(**kw: object) -> dict:
    base = dict(geography_level="icb", geography_code="QZ9", period="2025", metric_id="phone_access",
                metric_name="phone", source="gpps_respondents", dimension="age_band")  # fmt: skip
    return base | kw


def wilson(x: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson written out by hand (docs/DESIGN.md section 7)."""
    root = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))


def test_survey_cells_intervals_gaps_and_small_bases() -> None:
    frame = finalise_estimates(pd.DataFrame([
        cell(dimension="overall", group_value="All", numerator=600, denominator=1000, unweighted_n=1000, n_eff=800),
        cell(group_value="16-24", numerator=40, denominator=100, unweighted_n=100, n_eff=80),
        cell(group_value="65-74", numerator=140, denominator=200, unweighted_n=200, n_eff=160),
        cell(group_value="45-54", numerator=30, denominator=50, unweighted_n=50, n_eff=40),
        cell(group_value="85+", numerator=5, denominator=8, unweighted_n=9, n_eff=8),
    ])).set_index("group_value")  # fmt: skip
    young = frame.loc["16-24"]
    assert young["value"] == pytest.approx(0.4)
    lower, upper = wilson(0.4 * 80, 80)
    assert young["lower_95"] == pytest.approx(lower, abs=1e-12) and young["upper_95"] == pytest.approx(
        upper, abs=1e-12
    )
    assert young["lower_998"] < young["lower_95"] < young["upper_95"] < young["upper_998"]
    assert young["diff_from_overall"] == pytest.approx(-0.2)
    assert bool(young["diff_from_overall_significant"]) and bool(young["worse_than_overall"])
    assert young["best_group"] == "65-74" and bool(young["diff_from_best_significant"])
    # 9 respondents: below the GPPS rule of 10, withheld, and never the best group.
    old = frame.loc["85+"]
    assert bool(old["suppressed"]) and old["suppression_reason"] == "small_base" and math.isnan(old["value"])
    assert math.isnan(old["unweighted_n"]) and math.isnan(old["n_eff"])  # no base of a suppressed cell
    # The weighted sums are published exactly: the overall minus the other groups would give 85+ back,
    # so the smallest other group is withheld too.
    assert frame.loc["45-54", "suppression_reason"] == "secondary"
    assert not bool(frame.loc["65-74"]["suppressed"])
    assert frame.loc["65-74", "unweighted_n"] == 200 and frame.loc["All", "unweighted_n"] == 1000


@pytest.mark.parametrize(
    ("count", "published", "reason"),
    [(0, 0.0, ""), (1, None, "small_count"), (7, None, "small_count"), (8, 10.0, ""), (9, 10.0, ""), (10, 10.0, ""),
     (12, 10.0, ""), (13, 15.0, "")],
)  # fmt: skip
def test_count_cells_follow_the_disclosure_rule(count: int, published: float | None, reason: str) -> None:
    frame = finalise_estimates(pd.DataFrame([
        cell(source="comments", metric_id="comments_negative_story", dimension="overall", group_value="All",
             numerator=count, denominator=400, unweighted_n=400, count_based=True, higher_is_better=False),
    ]))  # fmt: skip
    row = frame.iloc[0]
    assert row["suppression_reason"] == reason
    if published is None:
        assert math.isnan(row["numerator"]) and math.isnan(row["value"])
    else:
        assert row["numerator"] == published
        assert row["value"] == pytest.approx(published / 400)  # from the rounded counts


def test_secondary_suppression_protects_a_single_hidden_group() -> None:
    frame = finalise_estimates(pd.DataFrame([
        cell(source="comments", metric_id="comments_negative_story", dimension="overall", group_value="All",
             numerator=123, denominator=400, unweighted_n=400, count_based=True, higher_is_better=False),
        cell(source="comments", metric_id="comments_negative_story", dimension="sex", group_value="Male",
             numerator=5, denominator=150, unweighted_n=150, count_based=True, higher_is_better=False),
        cell(source="comments", metric_id="comments_negative_story", dimension="sex", group_value="Female",
             numerator=118, denominator=250, unweighted_n=250, count_based=True, higher_is_better=False),
    ])).set_index("group_value")  # fmt: skip
    assert frame.loc["All", "numerator"] == 125  # 123 rounds to 125
    assert frame.loc["Male", "suppression_reason"] == "small_count"
    assert frame.loc["Female", "suppression_reason"] == "secondary"  # else 125 − Female would reveal Male
    assert frame["value"].isna().sum() == 2


@pytest.fixture
def tiny_store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """Two practices in one ICB, registered population and a handful of comments, by hand."""
    from pipelines.sources.reference.readers import ensure_reference_tables
    from pipelines.sources.shared.comments import ensure_comment_tables

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_store(con)
    ensure_reference_tables(con)
    ensure_comment_tables(con)
    con.execute(
        """INSERT INTO ref.practice_geography BY NAME
           SELECT DATE '2024-04-01' AS extract_date, 'ICB' AS geography_era, p AS practice_code, 'U1' AS pcn_code,
                  s AS sub_icb_code, 'QZ9' AS icb_code
           FROM (VALUES ('X90001', 'ZA1'), ('X90002', 'ZB2')) v(p, s)"""
    )
    con.execute(
        """INSERT INTO ref.registered_population BY NAME
           SELECT DATE '2024-04-01' AS extract_date, p AS practice_code, sex, '20' AS age, band AS age_band, n AS patients
           FROM (VALUES ('X90001', 'MALE', '16-24', 500), ('X90001', 'FEMALE', '16-24', 500),
                        ('X90001', 'MALE', '65-74', 500), ('X90001', 'FEMALE', '65-74', 500),
                        ('X90002', 'MALE', '16-24', 500), ('X90002', 'FEMALE', '16-24', 500),
                        ('X90002', 'MALE', '65-74', 500), ('X90002', 'FEMALE', '65-74', 500)) v(p, sex, band, n)"""
    )
    con.execute((Path(build.__file__).parents[1] / "sources/reference/derived.sql").read_text())
    con.execute(
        "CREATE OR REPLACE TABLE ref.practice_deprivation (practice_code VARCHAR, deprivation_quintile INTEGER)"
    )
    con.execute("INSERT INTO ref.practice_deprivation VALUES ('X90001', 1), ('X90002', 5)")
    # 40 comments from 65-74 and 10 from 16-24 (the young are under-heard: 20% of voices, 50% of patients).
    rows = [
        (f"c{i}", "65-74" if i < 40 else "16-24", "X90001" if i % 2 else "X90002", 4 if i % 4 == 0 else 1)
        for i in range(50)
    ]
    con.executemany(
        """INSERT INTO staged.comments (comment_id, source, channel, practice_code, sub_icb_code, icb_code, comment_date,
                                        text_ref, is_substantive, rating, age_band, sex)
           VALUES (?, 'fft', 'survey_comment', ?, NULL, 'QZ9', DATE '2025-03-01', ?, TRUE, ?, ?, 'Female')""",
        [(cid, practice, cid, rating, band) for cid, band, practice, rating in rows],
    )
    yield con
    con.close()


def test_representation_flags_the_group_we_do_not_hear(tiny_store: duckdb.DuckDBPyConnection) -> None:
    build.build_representation(tiny_store)
    rows = tiny_store.execute(
        """SELECT group_value, voices, voices_total, population_share, representation_ratio, under_represented
           FROM marts.representation WHERE geography_level = 'icb' AND dimension = 'age_band' ORDER BY group_value"""
    ).fetchall()
    assert rows[0][:4] == ("16-24", 10.0, 50.0, 0.5)
    assert rows[0][4] == pytest.approx(0.4) and rows[0][5] is True  # 10/50 ÷ 0.5
    assert rows[1][0] == "65-74" and rows[1][4] == pytest.approx(1.6) and rows[1][5] is False


def test_metric_by_group_from_comments_and_dictionary(tiny_store: duckdb.DuckDBPyConnection) -> None:
    build.build_metric_by_group(tiny_store)
    overall = tiny_store.execute(
        """SELECT numerator, denominator, value FROM marts.metric_by_group
           WHERE metric_id = 'comments_negative_survey_comment' AND geography_level = 'icb' AND dimension = 'overall'"""
    ).fetchone()
    assert overall == (15.0, 50.0, pytest.approx(0.3))  # 13 negative (i % 4 == 0) rounds to 15
    build.build_data_dictionary(tiny_store)
    described = tiny_store.execute(
        "SELECT count(*), count(*) FILTER (description = '') FROM marts.data_dictionary WHERE table_name = 'marts.metric_by_group'"
    ).fetchone()
    assert described[0] >= 20 and described[1] == 0


def _write_metric_rows(con: duckdb.DuckDBPyConnection, cells: list[dict]) -> None:
    build.write_mart(con, "metric_by_group", finalise_estimates(pd.DataFrame(cells)))


def test_deprivation_gradient_from_a_straight_line(tmp_path: Path) -> None:
    """Equal populations, p = 0.50 … 0.70 from most to least deprived, fitted on the logit scale (PHE phe_sii
    with transform): by hand, the least-squares line of logit(p) on the ridit midpoints 0.1 … 0.9."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_store(con)
    cells = [cell(dimension="deprivation_quintile", group_value=str(q), numerator=(0.45 + 0.05 * q) * 2000,
                  denominator=2000, unweighted_n=2000, n_eff=2000) for q in range(1, 6)]  # fmt: skip
    _write_metric_rows(con, cells)
    build.build_deprivation_gradient(con)
    row = con.execute(
        """SELECT sii, rii, sii_lower_95, sii_upper_95, sii_lower_998, sii_upper_998, rii_lower_95, direction,
                  quintile_basis
           FROM marts.deprivation_gradient"""
    ).fetchone()
    ridit = [0.1, 0.3, 0.5, 0.7, 0.9]
    logits = [math.log(p / (1 - p)) for p in (0.50, 0.55, 0.60, 0.65, 0.70)]
    slope = sum((b - 0.5) * (t - sum(logits) / 5) for b, t in zip(ridit, logits, strict=True)) / 0.4
    intercept = sum(logits) / 5 - 0.5 * slope
    most, least = (1 / (1 + math.exp(-v)) for v in (intercept, intercept + slope))
    assert row[0] == pytest.approx(least - most, abs=1e-9)
    assert row[1] == pytest.approx(least / most, abs=1e-9)
    assert 0 < row[4] < row[2] < row[0] < row[3] < row[5]
    assert row[6] > 1 and row[7] == "worse_in_more_deprived" and row[8] == "national"


def test_variation_funnels_units_against_their_icb(tiny_store: duckdb.DuckDBPyConnection) -> None:
    cells = [
        cell(geography_level="icb", dimension="overall", group_value="All", numerator=1000, denominator=2000, unweighted_n=2000, n_eff=2000),
        cell(geography_level="sub_icb", geography_code="ZA1", dimension="overall", group_value="All", numerator=700, denominator=1000, unweighted_n=1000, n_eff=1000),
        cell(geography_level="sub_icb", geography_code="ZB2", dimension="overall", group_value="All", numerator=300, denominator=1000, unweighted_n=1000, n_eff=1000),
    ]  # fmt: skip
    _write_metric_rows(tiny_store, cells)
    build.build_variation(tiny_store)
    rows = tiny_store.execute(
        "SELECT unit_code, vs_icb, icb_value, units, range, best_to_worst_ratio FROM marts.variation ORDER BY unit_code"
    ).fetchall()
    assert [r[0] for r in rows] == ["ZA1", "ZB2"]
    assert rows[0][1] == "High (0.001)" and rows[1][1] == "Low (0.001)"
    assert rows[0][2] == pytest.approx(0.5) and rows[0][3] == 2
    assert rows[0][4] == pytest.approx(0.4) and rows[0][5] == pytest.approx(0.7 / 0.3)


def test_variation_judges_with_polarity_and_never_funnels_theme_shares(
    tiny_store: duckdb.DuckDBPyConnection,
) -> None:
    """A negative measure (lower is better): the sub-ICB high above its ICB is worse, the low one better; a
    theme share (no better direction) is not funnelled; England is the loaded units' average, and says so."""
    negative = dict(source="comments", metric_id="comments_negative_story", count_based=True, higher_is_better=False,
                    dimension="overall", group_value="All")  # fmt: skip
    theme = dict(negative, metric_id="theme_share_access", higher_is_better=None)
    cells = [
        cell(geography_level="sub_icb", geography_code=code, numerator=x, denominator=1000, unweighted_n=1000, **kind)
        for kind in (negative, theme) for code, x in (("ZA1", 700), ("ZB2", 300))
    ]  # fmt: skip
    _write_metric_rows(tiny_store, cells)
    build.build_variation(tiny_store)
    rows = tiny_store.execute(
        """SELECT unit_code, metric_id, vs_icb, vs_icb_judgement, vs_england_judgement, icb_value, england_value,
                  england_value_basis, range, best_to_worst_ratio
           FROM marts.variation ORDER BY unit_code"""
    ).fetchall()
    assert [r[:5] for r in rows] == [
        ("ZA1", "comments_negative_story", "High (0.001)", "worse", "worse"),
        ("ZB2", "comments_negative_story", "Low (0.001)", "better", "better"),
    ]
    assert rows[0][5] == pytest.approx(0.5) and rows[0][6] == pytest.approx(0.5)
    assert rows[0][7] == "pooled_loaded_areas"  # one ICB loaded: not England
    assert rows[0][8] == pytest.approx(0.4) and rows[0][9] == pytest.approx(0.7 / 0.3)
    build.build_national_variation(tiny_store)
    national = tiny_store.execute(
        """SELECT unit_level, higher_is_better, units, icbs, best_value, worst_value, units_outside_998,
                  units_better_998, units_worse_998 FROM marts.national_variation"""
    ).fetchall()
    assert national == [("sub_icb", False, 2, 1, pytest.approx(0.3), pytest.approx(0.7), 2, 1, 1)]


def test_quintiles_pool_practices_by_population_and_allow_for_how_they_differ(tmp_path: Path) -> None:
    """Ten practices of one ICB ranked by IMD score into quintiles of two; each quintile's value is the
    registered-population-weighted mean of its practices, its variance the larger of the stratified sampling
    variance and the between-practice variance (worked by hand below)."""
    from pipelines.sources.gpps.readers import ensure_gpps_tables
    from pipelines.sources.reference.readers import ensure_reference_tables

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_store(con)
    ensure_reference_tables(con)
    ensure_gpps_tables(con)
    codes = [f"X9000{k}" for k in range(10)]
    con.executemany(
        """INSERT INTO ref.practice_geography (extract_date, geography_era, practice_code, sub_icb_code, icb_code)
           VALUES (DATE '2024-04-01', 'ICB', ?, 'ZA1', 'QZ9')""",
        [(c,) for c in codes],
    )
    con.executemany(  # X90000 the most deprived (score 100), X90009 the least (score 10)
        """INSERT INTO ref.area_deprivation (area_code, area_name, area_type, time_period, imd_score, source_file)
           VALUES (?, ?, 'GP', '2019', ?, 'f')""",
        [(c, c, 100.0 - 10 * k) for k, c in enumerate(codes)],
    )
    population = {
        "X90000": 1000,
        "X90001": 3000,
        "X90002": 2000,
        "X90003": 2000,
        "X90004": 500,
        "X90005": 800,
    }
    con.executemany(
        """INSERT INTO ref.registered_population (extract_date, practice_code, sex, age, age_band, patients)
           VALUES (DATE '2025-01-01', ?, 'ALL', 'ALL', 'ALL', ?)""",
        list(population.items()),
    )
    con.execute((Path(build.__file__).parents[1] / "sources/reference/derived.sql").read_text())
    con.execute(
        """INSERT INTO staged.gpps_results (survey_year, series, level, org_code, question, response_option,
                                            suppressed, source_file, source_row)
           VALUES (2025, '2024+', 'practice', 'X90000', 'q', 'positive', FALSE, 'f', 1)"""
    )
    ensure_geography_views(con)
    # (value, n_eff, respondents): X90004 has 9 respondents (not published), X90006 no population at all.
    results = {"X90000": (0.5, 100, 120), "X90001": (0.7, 200, 240), "X90002": (0.6, 50, 60),
               "X90003": (0.6, 150, 180), "X90004": (0.9, 8, 9), "X90005": (0.8, 70, 90), "X90006": (0.4, 90, 100)}  # fmt: skip
    published = pd.DataFrame(
        [dict(geography_level="practice", geography_code=c, period="2025", metric_id="phone_access",
              metric_name="phone", series="2024+", value=v, n_eff=n, unweighted_n=u, higher_is_better=False)
         for c, (v, n, u) in results.items()]
    )  # fmt: skip
    pooled = estimates.practice_quintile_estimates(con, published)
    # The quintiles keep the question's polarity (here one where lower is better).
    assert not pooled["higher_is_better"].any()
    icb = pooled[pooled["geography_level"] == "icb"].set_index("group_value").sort_index()
    assert set(icb["dimension"]) == {"deprivation_quintile_in_icb"} and list(icb.index) == ["1", "2", "3"]
    # Quintile 1 (X90000, X90001): weights 1/4, 3/4; the practices differ more than sampling explains.
    q1 = icb.loc["1"]
    value = 0.25 * 0.5 + 0.75 * 0.7
    sampling = 0.25**2 * 0.5 * 0.5 / 100 + 0.75**2 * 0.7 * 0.3 / 200
    between = 2 / 1 * (0.25**2 * (0.5 - value) ** 2 + 0.75**2 * (0.7 - value) ** 2)
    assert between > sampling
    assert (q1["numerator"], q1["denominator"], q1["unweighted_n"]) == (2600, 4000, 360)
    assert q1["value"] == pytest.approx(value) and q1["n_eff"] == pytest.approx(value * (1 - value) / between)
    # Quintile 2 (X90002, X90003): the same value in both, so sampling alone is the variance.
    q2 = icb.loc["2"]
    assert q2["value"] == pytest.approx(0.6)
    assert q2["n_eff"] == pytest.approx(0.6 * 0.4 / (0.25 * 0.6 * 0.4 / 50 + 0.25 * 0.6 * 0.4 / 150))
    # Quintile 3: X90004 (9 respondents) is not pooled, so X90005 alone. Quintile 4 has no value: X90006 has
    # no population to weight it by and X90007 no result.
    assert icb.loc["3", "value"] == pytest.approx(0.8) and icb.loc["3", "denominator"] == 800
    england = pooled[pooled["geography_level"] == "england"]
    assert set(england["dimension"]) == {"deprivation_quintile"} and set(england["source"]) == {
        "gpps_practices"
    }


def test_triangulation_joins_survey_gaps_to_what_people_say(tiny_store: duckdb.DuckDBPyConnection) -> None:
    """12 negative comments about access from 16-24s: counted, rounded, quoted (3 of them), ranked first."""
    from pipelines.text.coding import ensure_text_tables

    ensure_text_tables(tiny_store)
    tiny_store.execute("DELETE FROM staged.comments")
    tiny_store.executemany(
        """INSERT INTO staged.comments (comment_id, source, channel, icb_code, comment_date, text_ref, is_substantive,
                                        rating, age_band, sex)
           VALUES (?, 'fft', 'survey_comment', 'QZ9', DATE '2025-03-01', ?, TRUE, 5, '16-24', 'Female')""",
        [(f"y{i}", f"y{i}") for i in range(12)],
    )
    tiny_store.executemany(
        """INSERT INTO staged.comments (comment_id, source, channel, icb_code, comment_date, text_ref, is_substantive,
                                        rating, age_band, sex)
           VALUES (?, 'fft', 'survey_comment', 'QZ9', DATE '2025-03-01', ?, TRUE, 1, '65-74', 'Female')""",
        [(f"o{i}", f"o{i}") for i in range(30)],
    )
    # Each young person's comment in words of its own, but y1's is y0's again in other case and punctuation
    # (the two longest): a near-duplicate, never quoted beside it.
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Easter", "Christmas",
            "Boxing Day", "New Year", "half term"]  # fmt: skip
    texts = {
        f"y{i}": f"Could not get through on the phone on {day}, for days on end" for i, day in enumerate(days)
    }
    texts["y0"] = "Could not get through on the phone on Wednesday and Thursday, for days on end"
    texts["y1"] = "COULD NOT get through on the phone -- on Wednesday and Thursday -- for days on end!!"
    texts |= {f"o{i}": f"Could not get through on the phone at first, all fine now {i}" for i in range(30)}
    tiny_store.executemany(
        "INSERT INTO staged.comment_text (comment_id, file_sha256, text_redacted, redaction_count) VALUES (?, 'sha', ?, 0)",
        list(texts.items()),
    )
    tiny_store.execute(
        """INSERT INTO staged.comment_themes SELECT comment_id, 'sha', 'Contacting services',
                  'Access to medical care & support', 0.9, 'model' FROM staged.comments"""
    )
    tiny_store.execute(
        """CREATE OR REPLACE TABLE ref.gpps_measures AS
           SELECT 'phone_access' AS measure_id, 'Access to medical care & support' AS theme"""
    )
    _write_metric_rows(tiny_store, [
        cell(dimension="overall", group_value="All", numerator=600, denominator=1000, unweighted_n=1000, n_eff=800),
        cell(group_value="16-24", numerator=40, denominator=100, unweighted_n=100, n_eff=80),
    ])  # fmt: skip
    triangulation.build_triangulation(tiny_store)
    row = tiny_store.execute(
        """SELECT survey_measures, survey_worst_gap, survey_worse_998, comments, negative_comments,
                  negative_share, overall_negative_share, methods_agreeing_worse, convergent_rank, example_comments
           FROM marts.triangulation
           WHERE geography_level = 'icb' AND dimension = 'age_band' AND group_value = '16-24'
             AND theme = 'Access to medical care & support'"""
    ).fetchone()
    assert row[0] == 1 and row[1] == pytest.approx(-0.2) and row[2] is True
    assert row[3] == 10.0 and row[4] == 10.0  # 12 rounds to 10
    # Shares from the published counts: 10 of 10 for the group, 10 of 40 overall (12 of 42 rounded).
    assert row[5] == pytest.approx(1.0) and row[6] == pytest.approx(10 / 40)
    assert row[7] == 2 and row[8] == 1  # survey and comments agree at 99.8%: the strongest convergent cell
    # Three quotes, the longest first (y0, Boxing Day, then half term before Christmas by id), and y1, y0's
    # near-duplicate, not beside it; each says how sure the coding was.
    assert [e.split(" (", 1)[0] for e in row[9]] == ["y0", "y9", "y11"]
    assert all(" (theme 0.90): " in e for e in row[9])  # no sentiment model ran: the rating said negative
    older = tiny_store.execute(
        """SELECT comments, example_comments FROM marts.triangulation
           WHERE geography_level = 'icb' AND dimension = 'age_band' AND group_value = '65-74'"""
    ).fetchone()
    assert older == (30.0, None)  # no negative comments to quote


def test_todays_boundaries_never_publish_the_practices_that_moved_on_fewer_than_ten() -> None:
    """A sub-ICB code on today's boundaries minus the same code on the boundaries of the time is the practices
    that moved: when they are 1-9 respondents, the row on today's boundaries is withheld, never the pair."""
    rows = []
    for boundaries, moved in (("as_of_period", 0), ("current", 4)):
        rows += [
            cell(geography_level="sub_icb", geography_code="16C", boundaries=boundaries, dimension="overall",
                 group_value="All", numerator=600 + moved, denominator=1000 + moved, unweighted_n=1000 + moved,
                 n_eff=800),
            cell(geography_level="sub_icb", geography_code="W2U3Z", boundaries=boundaries, dimension="overall",
                 group_value="All", numerator=300 + 10 * moved, denominator=500 + 10 * moved,
                 unweighted_n=500 + 10 * moved, n_eff=400),
        ]  # fmt: skip
    frame = finalise_estimates(pd.DataFrame(rows)).set_index(["geography_code", "boundaries"])
    # 4 respondents moved into 16C: its row on today's boundaries would give them back.
    assert frame.loc[("16C", "current"), "suppression_reason"] == "boundary_difference"
    assert math.isnan(frame.loc[("16C", "current"), "value"])
    assert not bool(frame.loc[("16C", "as_of_period"), "suppressed"])
    # 40 moved into W2U3Z: a group of 10 or more may be published, on both boundaries.
    assert not frame.loc[[("W2U3Z", "as_of_period"), ("W2U3Z", "current")], "suppressed"].any()


def test_triangulation_ranks_on_evidence_not_on_the_size_of_a_gap() -> None:
    """Within each geography: methods agreeing at 99.8% first, then the weakest agreeing method's z; a large
    gap that is not significant at 99.8% ranks below a small one that is; overall rows and non-groups
    unranked."""
    rows = [  # (geography, group, survey z, survey worse, comments z, comments worse, gap)
        ("QZ9", "16-24", 2.9, False, None, False, -0.25),  # the largest gap, on few people
        ("QZ9", "25-34", 4.0, True, None, False, -0.05),
        ("QZ9", "35-44", 3.5, True, 3.2, True, -0.04),  # both methods, the weaker at z 3.2
        ("QZ9", "45-54", 9.0, True, 3.1, True, -0.10),  # both, but its weaker method is weaker
        ("QZ9", "Not stated", 12.0, True, 12.0, True, -0.30),
        ("ZC3", "16-24", 3.3, True, None, False, -0.08),
    ]
    frame = pd.DataFrame(
        [
            {"geography_level": "sub_icb" if g == "ZC3" else "icb", "geography_code": g, "dimension": "age_band",
             "group_value": v, "theme": "Access", "survey_z": sz, "survey_worse_998": sw, "comments_z": cz,
             "comments_worse_998": cw, "methods_agreeing_worse": int(sw) + int(cw), "survey_worst_gap": gap,
             "comments": 20.0}
            for g, v, sz, sw, cz, cw, gap in rows
        ]
        + [{"geography_level": "icb", "geography_code": "QZ9", "dimension": "overall", "group_value": "All",
            "theme": "Access", "survey_z": None, "survey_worse_998": False, "comments_z": None,
            "comments_worse_998": False, "methods_agreeing_worse": 0, "survey_worst_gap": None, "comments": 90.0}]
    )  # fmt: skip
    frame["convergent_rank"] = triangulation._rank_by_evidence(frame)
    rank = dict(
        zip(frame["geography_code"] + " " + frame["group_value"], frame["convergent_rank"], strict=True)
    )
    assert [rank[f"QZ9 {g}"] for g in ("35-44", "45-54", "25-34", "16-24")] == [1, 2, 3, 4]
    assert rank["ZC3 16-24"] == 1  # ranked within its own geography
    assert pd.isna(rank["QZ9 Not stated"]) and pd.isna(rank["QZ9 All"])
