"""The inequalities report on a tiny hand-made published store: sections, no network, '*', escaping."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from tests.report.conftest import ICB, build_published

SECTIONS = ("findings", "groups", "funnel", "gradient", "time", "representation", "triangulation")


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
    for heading in ("Experience by group", "Variation between practices", "Deprivation gradient",
                    "Change over time", "Who we are not hearing from", "Numbers and voices together"):  # fmt: skip
        assert heading in page
    # Inline SVG charts: groups (legend + age + sex + quintile), a funnel, the gradient, representation.
    assert page.count("<svg") >= 6
    for empty in ("No group-level survey results", "No practice or sub-ICB variation", "No deprivation gradient",
                  "No representation figures", "No convergent triangulation cells"):  # fmt: skip
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


def test_render_one_icb_and_missing_marts(tmp_path: Path) -> None:
    import duckdb

    from pipelines.report import render_icb_report

    published = build_published(tmp_path / "p.duckdb")
    with duckdb.connect(str(published)) as con:
        con.execute("DROP TABLE marts.variation; DROP TABLE marts.triangulation")
    path = render_icb_report(published, ICB, tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    assert "No practice or sub-ICB variation" in text and "No convergent triangulation cells" in text
    assert "Deprivation gradient" in text


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
