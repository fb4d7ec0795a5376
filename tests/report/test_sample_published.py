"""What the sample's published store and report say, read as an analyst reads them (issue 16, items 1, 2,
5, 6, 11): the planted worse group is shown as worse, the key findings agree with the marts, periods are
dates, England means England, and every name and column is readable."""

from __future__ import annotations

import re
from html import escape as html_escape
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines.marts.labels import ALL_LOADED_AREAS, ENGLAND_CODE
from pipelines.report import charts
from pipelines.report.data import compare_to_overall, load_icb
from pipelines.report.render import report_filename
from pipelines.report.sections import _group_tag
from tests.conftest import REPO

ICB = "QZ9"
MARTS = ("metric_by_group", "deprivation_gradient", "variation", "representation", "triangulation", "spc")


@pytest.fixture(scope="module")
def page(sample_published: Path) -> str:
    return (sample_published.parent / "reports" / report_filename(ICB)).read_text(encoding="utf-8")


def frame(published: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql, params or []).df()


# ---------------------------------------------------------------- item 1: worse is shown as worse


def test_the_planted_16_24_phone_access_gap_is_shown_as_worse(sample_published: Path, page: str) -> None:
    row = frame(
        sample_published,
        """SELECT * FROM marts.metric_by_group
           WHERE geography_level = 'icb' AND geography_code = ? AND source = 'gpps_respondents'
             AND metric_id = 'phone_access' AND dimension = 'age_band' AND group_value = '16-24' AND period = '2023'
             AND boundaries = 'as_of_period'""",
        [ICB],
    ).iloc[0]
    assert row.diff_from_overall < -0.05 and row.diff_from_overall_significant  # planted, found at 95%
    # The chart draws it red and the table tags it "worse" (it was green / "better" before).
    assert compare_to_overall(row) == "worse"
    assert charts._group_colour(row) == charts.RED
    assert ">worse<" in _group_tag(row)
    groups = page.split('<section id="groups">')[1].split("</section>")[0]
    name = "Easy to get through by phone"
    tagged = re.findall(rf"<tr><td>{name}</td><td>16-24</td>(.*?)</tr>", groups)
    assert tagged and '<span class="tag worse">worse</span>' in tagged[0]
    # Every tag on the page agrees with the sign of its gap: no negative gap tagged better.
    for gap, tag in re.findall(r'<td class="num">([+-]\d+\.\d) pts</td><td><span class="tag (\w+)">', groups):
        if tag in ("worse", "better"):
            assert (float(gap) < 0) == (tag == "worse"), (gap, tag)


# ---------------------------------------------------------------- items 2 and 5: typed periods, true findings


def test_every_mart_row_carries_a_typed_period(sample_published: Path) -> None:
    for mart in MARTS:
        rows = frame(
            sample_published,
            f"""SELECT count(*) AS n, count(*) FILTER (period_start IS NULL OR period_end IS NULL
                                                  OR period_kind IS NULL OR period IS NULL) AS untyped,
                       count(*) FILTER (period_end < period_start) AS backwards,
                       any_value(typeof(period_start)) AS type
                FROM marts.{mart}""",
        ).iloc[0]
        assert rows.n > 0 and rows.untyped == 0 and rows.backwards == 0 and rows.type == "DATE", mart
    kinds = frame(sample_published, "SELECT DISTINCT source, period_kind FROM marts.metric_by_group")
    assert set(kinds[kinds.source.str.startswith("gpps")].period_kind) == {"gpps_survey_year"}
    gpps_2025 = frame(
        sample_published,
        "SELECT DISTINCT period_start, period_end FROM marts.metric_by_group WHERE source LIKE 'gpps%' AND period = '2025'",
    )
    assert [(f"{a:%Y-%m-%d}", f"{b:%Y-%m-%d}") for a, b in gpps_2025.itertuples(index=False)] == [
        ("2025-01-01", "2025-04-30")
    ]


def test_the_variation_key_finding_agrees_with_marts_variation(sample_published: Path, page: str) -> None:
    findings = page.split('<section id="findings">')[1].split("</section>")[0]
    card = re.search(
        r"<b>Variation</b>(\d+) of (\d+) practices outside the 99\.8% funnel limits on at least one of (\d+) "
        r"measure\(s\) in the GP Patient Survey published results, GP Patient Survey (\d{4}) \(fieldwork",
        findings,
    )
    assert card, findings
    outside, units, measures, period = int(card[1]), int(card[2]), int(card[3]), card[4]
    latest = frame(
        sample_published,
        """SELECT arg_max(period, period_end) AS period FROM marts.variation
           WHERE icb_code = ? AND source = 'gpps_published'""",
        [ICB],
    ).period[0]
    assert period == latest == "2025"  # not the 2025-26 Q1 complaints quarter
    truth = frame(
        sample_published,
        """SELECT count(DISTINCT unit_code) FILTER (vs_icb LIKE '%0.001%') AS outside,
                  count(DISTINCT unit_code) AS units, count(DISTINCT metric_id) AS measures
           FROM marts.variation
           WHERE icb_code = ? AND source = 'gpps_published' AND unit_level = 'practice' AND period = ?
             AND boundaries = 'as_of_period'""",
        [ICB, period],
    ).iloc[0]
    assert (outside, units, measures) == (truth.outside, truth.units, truth.measures)
    assert outside > 0
    top = re.search(r"Most on ([^(]+) \((\d+)\)", findings)
    per_metric = frame(
        sample_published,
        """SELECT metric_id, count(DISTINCT unit_code) AS n FROM marts.variation
           WHERE icb_code = ? AND source = 'gpps_published' AND unit_level = 'practice' AND period = ?
             AND vs_icb LIKE '%0.001%' AND boundaries = 'as_of_period' GROUP BY 1""",
        [ICB, period],
    )
    assert top and int(top[2]) == per_metric.n.max()


def test_the_report_picks_latest_periods_by_date(sample_published: Path) -> None:
    data = load_icb(sample_published, ICB)
    assert data.group_period == "2023" and "fieldwork January–April 2023" in data.group_period_text
    for channel, block in data.representation.groupby("channel"):
        latest = frame(
            sample_published,
            "SELECT max(period_end) AS e FROM marts.representation WHERE channel = ? AND geography_code = ?",
            [channel, ICB],
        ).e[0]
        assert set(block.period_end) == {latest}, channel


# ---------------------------------------------------------------- item 6: England means England, sources


def test_an_aggregate_of_one_loaded_icb_is_not_called_england(sample_published: Path) -> None:
    levels = frame(
        sample_published,
        """SELECT source, geography_level, geography_code, count(*) AS n FROM marts.metric_by_group
           WHERE geography_level IN ('england', 'all_loaded_areas') GROUP BY ALL""",
    )
    england = levels[levels.geography_level == "england"]
    # Only the GPPS national results file's own England rows are England.
    assert set(england.source) == {"gpps_published"} and set(england.geography_code) == {ENGLAND_CODE}
    loaded = levels[levels.geography_level == ALL_LOADED_AREAS]
    assert {"gpps_respondents", "comments"} <= set(loaded.source)
    assert set(loaded.geography_code) == {ICB}  # the list of ICBs it covers
    # Counts in them are rounded like any below-England count.
    counts = frame(
        sample_published,
        f"""SELECT count(*) AS off FROM marts.metric_by_group
            WHERE geography_level = '{ALL_LOADED_AREAS}' AND source = 'comments' AND numerator % 5 <> 0""",
    )
    assert counts.off[0] == 0


def test_two_published_values_for_one_cell_carry_their_source_and_the_dictionary_says_why(
    sample_published: Path,
) -> None:
    values = frame(
        sample_published,
        """SELECT source, value FROM marts.metric_by_group
           WHERE geography_level = 'icb' AND geography_code = ? AND metric_id = 'phone_access' AND period = '2023'
             AND dimension = 'overall' AND boundaries = 'as_of_period'""",
        [ICB],
    ).set_index("source")["value"]
    assert set(values.index) == {"gpps_published", "gpps_respondents"}
    assert abs(values["gpps_published"] - values["gpps_respondents"]) > 0.03
    why = frame(
        sample_published,
        """SELECT description FROM marts.data_dictionary
           WHERE table_name = 'marts.metric_by_group' AND column_name = 'source'""",
    ).description[0]
    assert "gpps_published" in why and "gpps_respondents" in why and "weights" in why
    for mart in ("metric_by_group", "deprivation_gradient", "variation", "triangulation"):
        column = "survey_source" if mart == "triangulation" else "source"
        nulls = frame(
            sample_published, f"SELECT count(*) FILTER ({column} IS NULL) AS n FROM marts.{mart}"
        ).n[0]
        assert nulls == 0, mart


# ---------------------------------------------------------------- item 11: names an analyst reads


def test_every_metric_has_a_readable_name_and_unit(sample_published: Path) -> None:
    metrics = frame(
        sample_published, "SELECT DISTINCT metric_id, metric_name, unit FROM marts.metric_by_group"
    )
    assert not metrics.empty
    assert (metrics.metric_name != metrics.metric_id).all(), metrics[metrics.metric_name == metrics.metric_id]
    assert metrics.metric_name.notna().all() and metrics.unit.notna().all()
    names = " ".join(metrics.metric_name)
    assert "storys" not in names and "(ae)" not in names and "A&E" in names
    assert set(metrics[metrics.metric_id.str.endswith("_per_10k")].unit) == {
        "rate per 10,000 registered patients"
    }


def test_every_published_column_has_a_description(sample_published: Path) -> None:
    empty = frame(
        sample_published,
        """SELECT schema_name || '.' || table_name AS t, column_name FROM duckdb_columns()
           WHERE schema_name IN ('marts', 'ref') AND coalesce(comment, '') = ''""",
    )
    assert empty.empty, empty.to_string()
    dictionary = frame(
        sample_published,
        """SELECT count(*) AS n, count(*) FILTER (description = '') AS blank,
                  count(DISTINCT table_name) FILTER (table_name LIKE 'ref.%') AS ref_tables
           FROM marts.data_dictionary""",
    ).iloc[0]
    columns = frame(
        sample_published,
        """SELECT count(*) AS n FROM duckdb_columns()
           WHERE schema_name IN ('marts', 'ref') AND table_name <> 'data_dictionary'""",
    ).n[0]
    assert dictionary.n == columns and dictionary.blank == 0 and dictionary.ref_tables >= 10


def test_the_dagster_ui_describes_every_column_it_shows(
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
) -> None:
    materialisations, _ = sample_pipeline
    shown = 0
    for materialization in materialisations:
        schema = materialization.metadata.get("dagster/column_schema")
        table = materialization.metadata.get("table")
        if schema is None or table is None or not str(table.value).startswith(("marts.", "ref.")):
            continue
        blank = [c.name for c in schema.schema.columns if not (c.description or "").strip()]
        assert not blank, (table.value, blank)
        shown += 1
    assert shown >= 10


def readme_examples() -> list[tuple[str, str]]:
    """(question, SQL) for each example under 'Querying the published store' in the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Querying the published store")[1].split("\n## ")[0]
    return re.findall(r"\n([^\n`]+\?)\n\n```sql\n(.*?)```", section, flags=re.S)


def test_the_readme_examples_name_geography_and_period_and_answer_their_question(
    sample_published: Path,
) -> None:
    examples = readme_examples()
    assert len(examples) >= 4
    answers = {}
    for question, sql in examples:
        assert ICB in sql and "period" in sql, question
        rows = frame(sample_published, sql)
        assert len(rows) > 0, question
        answers[question] = rows
    phone = next(v for q, v in answers.items() if "phone access" in q)
    assert phone.gap.iloc[0] == phone.gap.min() < 0 and set(phone.period) == {"2023"}
    assert "16-24" in set(phone.group_value)
    outliers = next(v for q, v in answers.items() if "funnel" in q)
    assert set(outliers.period) == {"2025"} and outliers.vs_icb.str.contains("0.001").all()
    hearing = next(v for q, v in answers.items() if "not hearing" in q)
    assert (hearing.ratio <= 0.8).all() and "16-24" in set(hearing.group_value)  # ratio rounded to 2 dp
    together = next(v for q, v in answers.items() if "point the same way" in q)
    assert set(together.survey_period) == {"2023"} and (together.dimension != "overall").all()


# ---------------------------------------------------------------- issue 19: change over time


def test_the_report_shows_the_planted_changes_over_time(sample_published: Path, page: str) -> None:
    from pipelines.sample.ics import PLANTED

    time = page.split('<section id="time">')[1].split("</section>")[0]
    earlier = PLANTED["widening_deprivation_gap"]["earlier_year"]
    # The widening deprivation gap in phone access, tagged as the mart says.
    row = re.search(
        r"<tr[^>]*><td>Easy to get through by phone</td><td>gpps_respondents</td>(.*?)</tr>", time
    )
    assert row and f'<span class="tag worse">widening since {earlier}</span>' in row.group(1)
    # The headline trend chart marks the GPPS series break; nothing is compared across it.
    assert 'aria-label="Headline measures over the survey years"' in time and "series break" in time
    # The stepped-down trust has a control chart, concerning; the other trust is listed as common cause.
    shifted = PLANTED["fft_shift"]["trust"]
    names = frame(sample_published, "SELECT trust_code, trust_name FROM ref.nhs_trusts").set_index(
        "trust_code"
    )
    assert f"{html_escape(names.trust_name[shifted])} (trust)" in time
    listed = dict(re.findall(r"<tr><td>(RZ\d)</td><td>trust</td>.*?<td>([a-z ]+)</td></tr>", time))
    assert listed[shifted] == "special cause concerning" and listed["RZ1"] == "common cause"
    # Every change the table shows is one the mart holds as significant at 99.8% for this ICB.
    strong = frame(
        sample_published,
        """SELECT count(*) AS n FROM marts.metric_by_group m
           WHERE geography_level = 'icb' AND geography_code = ? AND change_from_previous_significant_998
             AND boundaries = 'as_of_period'
             AND period_end = (SELECT max(period_end) FROM marts.metric_by_group x WHERE x.geography_level = 'icb'
                               AND x.geography_code = m.geography_code AND x.source = m.source
                               AND x.period_kind = m.period_kind)""",
        [ICB],
    ).n[0]
    shown = time.split("<h3>What changed since the previous period</h3>")[1].split("<details>")[0]
    assert strong > 0 and shown.count("99.8%</td>") == strong


# ---------------------------------------------------------------- issue 18 item 9: the inequality sections


def test_the_report_shows_every_years_gradient_the_icb_against_england_and_who_is_heard(
    sample_published: Path, page: str
) -> None:
    from pipelines.sample.ics import PLANTED

    gradient = page.split('<section id="gradient">')[1].split("</section>")[0]
    earlier = PLANTED["widening_deprivation_gap"]["earlier_year"]
    # The planted widening gap, in the every-year table of the respondent extract, tagged red.
    respondents = gradient.split("<h4>GP Patient Survey respondent-level extract")[1].split("</table>")[0]
    for measure in ("Easy to get through by phone", "Good experience of making an appointment"):
        row = re.search(rf"<tr[^>]*><td>{measure}</td>(.*?)</tr>", respondents)
        assert row and f'<span class="tag worse">widening since {earlier}</span>' in row.group(1), measure
    # Every year of practice results the mart holds is a column, with the 2024 series break before 2025.
    years = frame(
        sample_published,
        """SELECT DISTINCT period FROM marts.deprivation_gradient WHERE geography_level = 'icb'
           AND geography_code = ? AND source = 'gpps_practices' AND boundaries = 'as_of_period' ORDER BY 1""",
        [ICB],
    ).period.tolist()
    practices = gradient.split("<h4>GP Patient Survey practice results")[1].split("</table>")[0]
    assert len(years) >= 3 and re.findall(r'<th class="yr[^"]*">(\d{4})', practices) == years
    assert re.search(r'<th class="yr brk">2025<br><span class="ci">2024\+ series', practices)
    # Against England: the counts are marts.variation's, with its polarity-aware judgement.
    counts = frame(
        sample_published,
        """SELECT count(*) FILTER (vs_england_judgement = 'worse') AS worse,
                  count(*) FILTER (vs_england_judgement = 'better') AS better
           FROM marts.variation WHERE icb_code = ? AND metric_id = 'phone_access' AND source = 'gpps_published'
             AND unit_level = 'practice' AND period = '2025' AND boundaries = 'as_of_period'""",
        [ICB],
    ).iloc[0]
    england = page.split('<section id="england">')[1].split("</section>")[0]
    row = re.search(
        r"<tr[^>]*><td>Easy to get through by phone<br>.*?<td>2025</td><td>practices</td>(.*?)</tr>", england
    )
    assert row and counts.worse + counts.better > 0
    for n, tag in ((counts.worse, "worse"), (counts.better, "better")):
        assert (f'<span class="tag {tag}">{n} {tag}</span>' in row.group(1)) == (n > 0), tag
    # Who is heard: ethnic groups are compared with the Census (its files are in the sample: no file named),
    # and the planted young men are flagged in the respondents' channel.
    representation = page.split('<section id="representation">')[1].split("</section>")[0]
    ethnic = representation.split("<h3>By ethnic group</h3>")[1].split("<h3>")[0]
    assert '<p class="fill">' not in ethnic and re.search(
        r"<td>Asian</td>.*?\(\d\.\d\d to \d\.\d\d\)", ethnic
    )
    young = representation.split("<h3>Young men</h3>")[1].split("<h3>")[0]
    assert re.search(
        r"<td>GP Patient Survey respondents</td><td>\d{4}</td><td>Male 16-24</td>.*?under-represented</span>",
        young,
    )


def test_groups_within_groups_list_the_planted_intersections_and_draw_none(page: str) -> None:
    """Issue 18 item 6: the crossed groups worse than the ICB overall at 99.8% are listed (young men, Asian
    respondents at the most deprived practices), not drawn: three more charts of ~40 groups would bury the page."""
    groups = page.split('<section id="groups">')[1].split("</section>")[0]
    within = groups.split("<h3>Groups within groups</h3>")[1]
    name = "Easy to get through by phone"
    for planted in ("16-24 | Male", "Asian | 1"):
        tagged = re.findall(rf"<tr><td>{name}</td><td>{re.escape(planted)}</td>(.*?)</tr>", within)
        assert tagged and '<span class="tag worse">worse</span>' in tagged[0], planted
    assert "45-54 | Female" not in within  # planted as noise, never flagged
    charted = groups.split("<h3>Groups within groups</h3>")[0]
    assert "Age band x sex" not in charted  # no chart of intersections
    # The key finding's biggest gap is a single group, as charted, not a crossed cell on fewer people.
    biggest = re.search(r"Biggest group gap</b>(.*?)</div>", page)
    assert biggest and " | " not in biggest.group(1) and "Bangladeshi" in biggest.group(1)
