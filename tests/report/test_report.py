"""The inequalities report on a tiny hand-made published store: sections, no network, '*', escaping."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from tests.report.conftest import ICB, build_published

SECTIONS = ("findings", "groups", "funnel", "england", "gradient", "time", "representation", "triangulation")


@pytest.fixture(scope="module")
def page(tiny_report: Path) -> str:
    return tiny_report.read_text(encoding="utf-8")


def test_one_file_per_icb_and_an_index(tiny_report: Path) -> None:
    assert tiny_report.name == f"inequalities_{ICB}.html"
    index = (tiny_report.parent / "index.html").read_text(encoding="utf-8")
    assert f'href="{tiny_report.name}"' in index
    assert "NHS Test &amp; Sample ICB" in index


def test_every_section_is_there_with_a_chart(page: str) -> None:
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in page, anchor
    for heading in ("Experience by group", "Variation between practices", "Against England", "Deprivation gradient",
                    "Change over time", "Who we are not hearing from", "Numbers and voices together"):  # fmt: skip
        assert heading in page
    # Inline SVG charts: groups (legend + age + sex + quintile), a funnel, the gradient, representation.
    assert page.count("<svg") >= 6
    for empty in ("No group-level survey results", "No practice or sub-ICB variation", "No deprivation gradient",
                  "No representation figures", "No convergent triangulation cells", "No sub-ICB or practice "):  # fmt: skip
        assert empty not in page


def test_nothing_is_fetched_from_the_network(page: str) -> None:
    lowered = page.lower()
    for needle in (
        'src="http',
        "src='http",
        'href="http',
        "href='http",
        "@import",
        "<script src",
        "url(http",
    ):
        assert needle not in lowered, needle
    assert "<script" not in lowered.replace("&lt;script", "")  # no JavaScript at all
    assert "<link" not in lowered


def test_ids_are_unique_across_charts(page: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_suppressed_cells_show_a_star_and_a_footnote(page: str) -> None:
    star = re.compile(r"<td[^>]*>\s*<span class=\"sup\"[^>]*>\*</span>")
    assert star.search(page)
    # The suppressed 85+ row of the groups table shows '*' for its value.
    row = re.search(r"<tr><td>[^<]*</td><td>85\+</td>(.*?)</tr>", page)
    assert row and '<span class="sup"' in row.group(1)
    assert "Suppressed by disclosure control" in page
    assert "None" not in re.sub(r"<[^>]+>", "", page.split("<main>")[1])  # no raw NULLs in the text


def test_comments_are_html_escaped(page: str) -> None:
    assert '<script>alert("x")</script>' not in page
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; receptionist &amp; I &lt;b&gt;argued&lt;/b&gt;"
        in page
    )
    assert "c-2" in page and "Could not get through at 8am" in page


def test_triangulation_shows_the_comment_method_and_the_99_8_flag(page: str) -> None:
    """The row shows what the comments method tested (of the group's comments, the share negative about the
    theme, against everyone's) and that the survey gap is worse at 99.8%."""
    section = page.split('<section id="triangulation">')[1].split("</section>")[0]
    assert "40% <span class='note'>vs 25%</span>" in section
    assert '<span class="tag worse">worse, 99.8%</span>' in section


def test_flagged_and_outliers_are_reported(page: str) -> None:
    assert "Flagged groups" in page  # 16-24 under-represented
    assert "P00003" in page and "P00007" in page  # funnel outliers at 99.8%
    assert "RII 1.40" in page


def section(page: str, anchor: str) -> str:
    return page.split(f'<section id="{anchor}">')[1].split("</section>")[0]


def test_render_one_icb_and_missing_marts(tmp_path: Path) -> None:
    import duckdb

    from pipelines.report import render_icb_report

    published = build_published(tmp_path / "p.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute(
            "DROP TABLE marts.variation; DROP TABLE marts.triangulation; DROP TABLE marts.deprivation_gradient"
        )
        # Ethnic group voices, but no population to compare them with (the LSOA and Census files not loaded).
        con.execute(
            "UPDATE marts.representation SET population_share = NULL, representation_ratio = NULL, "
            "ratio_lower_95 = NULL, ratio_upper_95 = NULL, under_represented = NULL, "
            "population_missing_reason = 'no population file loaded' WHERE dimension = 'ethnicity_band'"
        )
    path = render_icb_report(published, ICB, tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    assert "No practice or sub-ICB variation" in text and "No convergent triangulation cells" in text
    # Each section without data names, in the registry's words, the files that would fill it: only those the
    # store shows are missing (it has published GPPS practice results, but no practice deprivation).
    fill = re.compile(r'<p class="fill">(.*?)</p>')
    assert fill.findall(section(text, "gradient")) == [
        "Load Fingertips indicator 93553 export (IMD 2019 deprivation score per GP practice) into "
        "landing/reference/ to see the deprivation gradient."
    ]
    england = fill.findall(section(text, "england"))
    assert len(england) == 1
    assert england[0].startswith("The files that fill it are loaded (GP Patient Survey results files (GPPS_")
    assert "No sub-ICB or practice comparison with England" in section(text, "england")
    representation = section(text, "representation")
    ethnic = representation.split("<h3>By ethnic group</h3>")[1].split("<h3>")[0]
    assert fill.findall(ethnic) == [
        "Load NHS Digital patients registered at a GP practice by LSOA of residence (gp-reg-pat-prac-lsoa-all) "
        "and ONS / Nomis Census 2021 TS021 Ethnic group by LSOA (census2021-ts021-lsoa) into landing/reference/ "
        "to see representation by ethnic group."
    ]
    assert "under-represented" not in ethnic  # nothing is judged without a population


def test_the_gradient_is_shown_for_every_year_with_the_widening_gap_and_the_series_break(page: str) -> None:
    gradient = section(page, "gradient")
    # The complaints gap across deprivation, both years: the later one widened, said in red.
    row = re.search(r"<tr[^>]*><td>Complaints negative</td>(.*?)</tr>", gradient)
    assert row
    cells = re.findall(r'<td class="yr[^"]*">(.*?)</td>', row.group(1))
    assert len(cells) == 2
    assert "SII -10.0 pts" in cells[0] and "since" not in cells[0]
    assert "SII -30.0 pts" in cells[1] and '<span class="tag worse">widening since 2023</span>' in cells[1]
    assert "RII 1.30" in cells[1] and "(1.20 to 1.40)" in cells[1]  # the RII and its interval
    # Practice results either side of the 2024 redesign: a break is drawn before 2024, no trend across it.
    practices = gradient.split("GP Patient Survey practice results")[1].split("</table>")[0]
    assert re.search(r'<th class="yr">2023<br><span class="ci">2017-2023 series', practices)
    assert re.search(r'<th class="yr brk">2024<br><span class="ci">2024\+ series', practices)
    row = re.search(r"<tr[^>]*><td>Easy to get through by phone</td>(.*?)</tr>", practices)
    assert row and "widening" not in row.group(1) and "narrowing" not in row.group(1)
    assert re.search(
        r'<td class="yr brk"><span class="tag worse">worse in more deprived</span>', row.group(1)
    )
    # Never green: a gradient's tag is red only against the more deprived, and no gradient is tagged better.
    for tag, text in re.findall(r'<span class="tag (\w+)">([^<]*in more deprived)</span>', gradient):
        assert (tag == "worse") == text.startswith("worse"), (tag, text)
    assert not re.search(r'<span class="tag better">[^<]*deprived', gradient)


def test_against_england_counts_the_icbs_units_with_polarity_beside_englands_spread(page: str) -> None:
    england = section(page, "england")
    phone = re.search(r"<tr[^>]*><td>Easy to get through by phone<br>(.*?)</tr>", england)
    assert phone
    assert '<span class="tag worse">1 worse</span>' in phone.group(1)
    assert '<span class="tag better">1 better</span>' in phone.group(1)
    assert (
        "6,400 in 42 ICB(s)" in phone.group(1) and "76.0 pts" in phone.group(1) and "4.62" in phone.group(1)
    )
    assert "170 worse, 140 better" in phone.group(1)
    # A measure where lower is better: the sub-ICB with the high share is worse, never better.
    complaints = re.search(r"<tr[^>]*><td>Complaints negative<br>(.*?)</tr>", england)
    assert complaints and '<span class="tag worse">1 worse</span>' in complaints.group(1)
    assert "better</span>" not in complaints.group(1)
    assert "loaded areas only" in complaints.group(1)  # its England is the loaded areas, and says so
    worse_list = england.split("Worse than England at 99.8%")[1]
    assert "<td>ZZ2</td>" in worse_list and "<td>P00007</td>" in worse_list
    assert "<td>P00003</td>" not in worse_list and "<td>ZZ1</td>" not in worse_list


def test_representation_shows_ethnic_group_young_men_and_learning_disability(page: str) -> None:
    representation = section(page, "representation")
    ethnic = representation.split("<h3>By ethnic group</h3>")[1].split("<h3>")[0]
    asian = re.search(r"<tr[^>]*>(<td>[^<]*</td><td>2024</td><td>Asian</td>.*?)</tr>", ethnic)
    assert asian and "0.60 <span class='ci'>(0.50 to 0.71)</span>" in asian.group(1)
    assert '<span class="tag worse">under-represented</span>' in asian.group(1)
    white = re.search(r"<td>White</td>(.*?)</tr>", ethnic)
    assert white and "under-represented" not in white.group(1) and "tag better" not in white.group(1)
    # The withheld group shows '*' and nothing that would give its count back (no ratio, no interval).
    black = re.search(r"<td>Black</td>(.*?)</tr>", ethnic)
    assert black
    numbers = re.sub(r"<[^>]+>", " ", black.group(1))
    assert re.findall(r"\d+(?:\.\d+)?", numbers) == ["5.0"]  # only the population's share, 5.0%
    young = representation.split("<h3>Young men</h3>")[1].split("<h3>")[0]
    male = re.search(r"<td>Male 16-24</td>(.*?)</tr>", young)
    assert male and "under-represented" in male.group(1) and "0.27" in male.group(1)
    disability = representation.split("<h3>Learning disability</h3>")[1]
    assert "a planted reason" in disability and "<table>" not in disability.split("</p>")[0]


def test_the_words_naming_missing_files_are_the_registrys() -> None:
    from pipelines.report.inputs import INPUTS, NEEDS, file_title, fill_sentence
    from pipelines.sources.registry import registered

    layouts = {layout.name: layout for spec in registered() for layout in spec.layouts}
    for need, inputs in NEEDS.items():
        sentence = fill_sentence(need, "it", [])  # nothing loaded: every file it needs is named
        for layout in (name for i in inputs for name in INPUTS[i].layouts):
            assert file_title(layouts[layout]) in sentence, (need, layout)
            assert f"landing/{layouts[layout].source}/" in sentence
    loaded = fill_sentence("representation_ethnicity", "representation by ethnic group", set(INPUTS))
    assert loaded.startswith("The files that fill it are loaded (") and "hold nothing" in loaded
    assert "census2021-ts021-lsoa) in landing/reference/" in loaded


def test_cli_report(tiny_published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.cli import app

    monkeypatch.setenv("CHORUS_PUBLISHED", str(tiny_published))
    monkeypatch.setenv("CHORUS_WAREHOUSE", str(tmp_path / "w.duckdb"))
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--icb", ICB, "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / f"inequalities_{ICB}.html").exists()
    result = runner.invoke(app, ["report", "--icb", "NOPE", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "NOPE is not in the published store" in result.output
    assert len(result.output.strip().splitlines()) == 1
    monkeypatch.setenv("CHORUS_PUBLISHED", str(tmp_path / "missing.duckdb"))
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 2 and "no published store" in result.output


def test_asset_writes_reports_and_key_charts(tiny_published: Path, tmp_path: Path) -> None:
    from pipelines.defs.report.assets import inequalities_report
    from pipelines.lib.resources import ChorusResource

    chorus = ChorusResource(published=str(tiny_published), warehouse=str(tmp_path / "w" / "chorus.duckdb"))
    result = dg.materialize([inequalities_report], resources={"chorus": chorus})
    assert result.success
    assert (tmp_path / "w" / "reports" / f"inequalities_{ICB}.html").exists()
    assert (tmp_path / "w" / "reports" / "index.html").exists()
    metadata = result.asset_materializations_for_node("inequalities_report")[0].metadata
    assert metadata["icbs"].value == 1
    assert "data:image/png;base64," in metadata["key_charts"].value


def test_asset_is_in_the_code_location(all_definitions: dg.Definitions) -> None:
    node = all_definitions.resolve_asset_graph().get(dg.AssetKey("inequalities_report"))
    assert node.group_name == "report"
    assert dg.AssetKey("published_store") in node.parent_keys
    assert {"html", "python"} <= set(node.kinds)


def time_section(page: str) -> str:
    return page.split('<section id="time">')[1].split("</section>")[0]


def test_change_over_time_shows_what_changed_the_widening_gap_and_the_control_charts(page: str) -> None:
    time = time_section(page)
    # The 16-24s' phone access fell 12 points since 2023, beyond 99.8%: tagged worse; the rest did not change.
    row = re.search(
        r"<tr[^>]*><td>Easy to get through by phone</td><td>16-24 \(Age band\)</td>(.*?)</tr>", time
    )
    assert (
        row and '<span class="tag worse">worse</span> 99.8%' in row.group(1) and "-12.0 pts" in row.group(1)
    )
    assert "1 result(s) at ICB level changed significantly" in time
    # The complaints gradient widened: said in the table, drawn, and in the key findings.
    assert '<span class="tag worse">widening since 2023</span>' in time
    assert 'aria-label="SII over time by measure"' in time
    findings = page.split('<section id="findings">')[1].split("</section>")[0]
    assert "Gap widening" in findings and "widened from 2023 to 2024" in findings
    # One control chart drawn (the trust with special-cause variation), both series listed with their icon.
    assert time.count("<svg") == 2  # the SII chart and RQQ's control chart
    assert "RQQ (trust)" in time and "RWW (trust)" not in time.split("<details>")[0]
    assert re.search(r"<td>RQQ</td>.*?<td>special cause concerning</td>", time)
    assert re.search(r"<td>RWW</td>.*?<td>common cause</td>", time)
    assert "orange icon" in time and "Special cause" in findings


def test_a_store_without_change_over_time_says_so(tmp_path: Path) -> None:
    import duckdb

    from pipelines.marts.change_over_time import CHANGE_COLUMNS, GRADIENT_CHANGE_COLUMNS
    from pipelines.report import render_icb_report

    published = build_published(tmp_path / "p.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute("DROP TABLE marts.spc")
        for column in CHANGE_COLUMNS:
            con.execute(f"ALTER TABLE marts.metric_by_group DROP COLUMN IF EXISTS {column}")
        for column in GRADIENT_CHANGE_COLUMNS:
            con.execute(f"ALTER TABLE marts.deprivation_gradient DROP COLUMN IF EXISTS {column}")
    text = render_icb_report(published, ICB, tmp_path / "out").read_text(encoding="utf-8")
    assert "No change over time in the published marts." in text
    assert "Deprivation gradient" in text and "Gap widening" not in text
