"""A group is shown as worse or better by the sign of its gap and the metric's polarity, at one stated level."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipelines.report import charts
from pipelines.report.data import GROUP_SIGNIFICANCE, compare_to_overall
from pipelines.report.sections import _group_tag


def group(gap: float, significant: bool, higher_is_better: object, flagged_998: bool = False) -> pd.Series:
    return pd.Series(
        {"dimension": "age_band", "group_value": "16-24", "value": 0.6 + gap, "diff_from_overall": gap,
         "diff_from_overall_significant": significant, "worse_than_overall": flagged_998,
         "higher_is_better": higher_is_better}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("gap", "significant", "polarity", "expected", "colour", "tag"),
    [
        # The bug: a significant negative gap on a higher-is-better metric, not flagged at 99.8%, was green.
        (-0.083, True, True, "worse", charts.RED, "worse"),
        (0.09, True, True, "better", charts.AQUA_GREEN, "better"),
        # Negative polarity (e.g. share of complaints upheld): a higher value is the worse one.
        (0.09, True, False, "worse", charts.RED, "worse"),
        (-0.05, True, False, "better", charts.AQUA_GREEN, "better"),
        # NULL polarity (how often a theme is mentioned): different, never worse or better.
        (0.09, True, None, "different", charts.DARK_GREY, "different"),
        (-0.09, True, pd.NA, "different", charts.DARK_GREY, "different"),
        (-0.2, False, True, "not_significant", charts.NHS_BLUE, "n.s."),
    ],
)
def test_tag_and_colour_follow_the_sign_and_polarity(
    gap: float, significant: bool, polarity: object, expected: str, colour: str, tag: str
) -> None:
    row = group(gap, significant, polarity)
    assert compare_to_overall(row) == expected
    assert charts._group_colour(row) == colour
    assert f">{tag}<" in _group_tag(row)


def test_the_99_8_flag_does_not_change_the_direction() -> None:
    """worse_than_overall (99.8%) never turns a better group worse or a worse one better."""
    assert compare_to_overall(group(0.09, True, True, flagged_998=True)) == "better"
    assert compare_to_overall(group(-0.09, True, True, flagged_998=False)) == "worse"


def test_suppressed_and_non_groups_are_not_judged() -> None:
    row = group(-0.1, True, True)
    assert compare_to_overall(row) == "worse"
    suppressed = row.copy()
    suppressed["value"] = None
    assert compare_to_overall(suppressed) == ""
    unknown = row.copy()
    unknown["group_value"] = "Not stated"
    assert compare_to_overall(unknown) == ""


def test_the_legend_states_the_level() -> None:
    legend = charts.groups_legend()
    labels = [t.get_text() for t in legend.legends[0].get_texts()]
    assert any(f"Worse than ICB overall ({GROUP_SIGNIFICANCE}" in label for label in labels)
    assert any(f"Better ({GROUP_SIGNIFICANCE}" in label for label in labels)


def test_the_report_shows_a_95_percent_worse_group_as_worse_and_says_which_level(tiny_report: Path) -> None:
    page = tiny_report.read_text(encoding="utf-8")
    groups = page.split('<section id="groups">')[1].split("</section>")[0]
    # 16-24 is 10 pts below the ICB, significant at 95%, not flagged at 99.8%: a red "worse" tag.
    rows = re.findall(r"<tr><td>[^<]*</td><td>16-24</td>.*?</tr>", groups)
    assert rows
    for row in re.findall(r"<tr><td>[^<]*</td><td>16-24</td>.*?</tr>", groups):
        assert '<span class="tag worse">worse</span>' in row and "better" not in row
    # Quintile 5 is significantly better: green "better".
    q5 = re.findall(r"<tr><td>[^<]*</td><td>5</td>.*?</tr>", groups)
    assert q5 and all('<span class="tag better">better</span>' in r for r in q5)
    assert f"significantly worse than the ICB overall at the {GROUP_SIGNIFICANCE} level" in groups
    assert (
        f'aria-label="Legend: red, worse than the ICB overall ({GROUP_SIGNIFICANCE} significance)' in groups
    )
    findings = page.split('<section id="findings">')[1].split("</section>")[0]
    assert "16-24" in findings and f"significantly worse at {GROUP_SIGNIFICANCE}" in findings
