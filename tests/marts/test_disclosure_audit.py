"""The attacker's audit catches every planted leak, and passes a store built by the marts' own rules.

A tiny published store is built with ``finalise_estimates`` (comments by sex, a complaints rate, a survey
row) and hand-made representation / triangulation rows; each test plants one leak an analyst could exploit
and asserts the audit names the row, the method and the count it gives back."""

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.defs.publish.checks import no_count_recoverable, values_inside_intervals
from pipelines.lib.resources import ChorusResource
from pipelines.marts.metric_by_group import finalise_estimates
from pipelines.publish.disclosure_audit import (
    audit_disclosure,
    audit_intervals,
    invert_wilson,
    recover_by_differencing,
    wilson_limits,
)

Z95 = 1.959963984540054


def comment_cell(**kw: object) -> dict:
    base = dict(geography_level="icb", geography_code="QZ9", period="2025", metric_id="comments_negative_story",
                metric_name="negative stories", source="comments", count_based=True, higher_is_better=False)  # fmt: skip
    return base | kw


def cells() -> pd.DataFrame:
    return pd.DataFrame([
        comment_cell(dimension="overall", group_value="All", numerator=741, denominator=1713, unweighted_n=1713),
        comment_cell(dimension="sex", group_value="Female", numerator=402, denominator=856, unweighted_n=856),
        comment_cell(dimension="sex", group_value="Male", numerator=339, denominator=857, unweighted_n=857),
        comment_cell(metric_id="complaints_per_10k", source="complaints", dimension="overall", group_value="All",
                     numerator=43, denominator=9876, unweighted_n=43),
        comment_cell(metric_id="phone_access", source="gpps_respondents", count_based=False, higher_is_better=True,
                     dimension="overall", group_value="All", numerator=600.5, denominator=1000.2, unweighted_n=1002,
                     n_eff=800.3),
    ])  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A published store whose figures all follow the rules."""
    path = tmp_path / "published.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.register("m", finalise_estimates(cells()))
        con.execute("CREATE TABLE marts.metric_by_group AS SELECT * FROM m")
        lo, hi = wilson_limits(30, 90, Z95)
        con.execute(
            f"""CREATE TABLE marts.representation AS SELECT * FROM (VALUES
                ('gpps_respondents', 'icb', 'QZ9', '2025', 'sex', 'Female', 60::DOUBLE, 90::DOUBLE, 60 / 90, 0.5, 60 / 90 / 0.5,
                 NULL::DOUBLE, NULL::DOUBLE, FALSE, FALSE, ''),
                ('gpps_respondents', 'icb', 'QZ9', '2025', 'sex', 'Male', 30.0, 90.0, 30 / 90, 0.5, 30 / 90 / 0.5,
                 {lo} / 0.5, {hi} / 0.5, TRUE, FALSE, '')
               ) v(channel, geography_level, geography_code, period, dimension, group_value, voices, voices_total,
                   share_of_voices, population_share, representation_ratio, ratio_lower_95, ratio_upper_95,
                   under_represented, suppressed, suppression_reason)"""
        )
        con.execute(
            """CREATE TABLE marts.triangulation AS SELECT * FROM (VALUES
                ('icb', 'QZ9', 'overall', 'All', 'Access', 40::DOUBLE, 20::DOUBLE, 0::DOUBLE, 0::DOUBLE, 0::DOUBLE,
                 20 / 40, 20 / 40),
                ('icb', 'QZ9', 'sex', 'Female', 'Access', 20.0, 10.0, 0.0, 0.0, 0.0, 10 / 20, 20 / 40),
                ('icb', 'QZ9', 'sex', 'Male', 'Access', 20.0, 10.0, 0.0, 0.0, 0.0, 10 / 20, 20 / 40)
               ) v(geography_level, geography_code, dimension, group_value, theme, comments, negative_comments,
                   complaints, healthwatch_findings, stories, negative_share, overall_negative_share)"""
        )
    return path


def findings(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return audit_disclosure(con)


def plant(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(sql)


def test_the_rules_own_output_gives_nothing_back(store: Path) -> None:
    assert findings(store) == []
    with duckdb.connect(str(store), read_only=True) as con:
        assert audit_intervals(con) == []


def test_wilson_limits_solve_back_to_their_counts() -> None:
    lower, upper = wilson_limits(741, 856, Z95)
    solutions = [(round(x), round(n)) for x, n in invert_wilson(lower, upper, Z95)]
    assert (741, 856) in solutions
    lower, upper = wilson_limits(0, 37, Z95)
    assert [(round(x), round(n)) for x, n in invert_wilson(lower, upper, Z95)] == [(0, 37)]


def test_an_interval_from_the_true_counts_is_inverted(store: Path) -> None:
    """Issue 16: published 740/855 with limits from 741/856 gave back the true pair."""
    lower, upper = wilson_limits(402, 856, Z95)
    plant(
        store,
        f"UPDATE marts.metric_by_group SET lower_95 = {lower}, upper_95 = {upper} WHERE group_value = 'Female'",
    )
    found = [f for f in findings(store) if f.method.startswith("Wilson 95%")]
    assert len(found) == 1 and "group_value=Female" in found[0].row and found[0].recovered == "402/856"


def test_a_share_from_the_true_counts_beside_rounded_counts_is_found(store: Path) -> None:
    """Issue 16: share_of_voices 0.35955 = 32/89 published beside 30 and 90."""
    plant(store, "UPDATE marts.representation SET share_of_voices = 32 / 89 WHERE group_value = 'Male'")
    found = [f for f in findings(store) if f.method.startswith("share x total")]
    assert len(found) == 1 and "group_value=Male" in found[0].row and found[0].recovered == "32/89"


def test_a_raw_n_eff_on_a_count_row_is_found(store: Path) -> None:
    plant(store, "UPDATE marts.metric_by_group SET n_eff = 857 WHERE group_value = 'Male'")
    methods = {f.method for f in findings(store) if "group_value=Male" in f.row}
    assert "n_eff x value (n_eff is not the published base)" in methods
    assert "count shown unrounded or 1-7" in methods


def test_byar_limits_from_the_true_count_are_inverted(store: Path) -> None:
    """Issue 16: Byar limits on complaints_per_10k inverted to the exact count."""
    from pipelines.methods.intervals import rate_interval

    _, lower, upper = rate_interval(43, 9876, 10_000, 0.95)
    plant(
        store,
        f"UPDATE marts.metric_by_group SET lower_95 = {lower}, upper_95 = {upper} WHERE metric_id = 'complaints_per_10k'",
    )
    found = [f for f in findings(store) if f.method.startswith("Byar/exact 95%")]
    assert len(found) == 1 and found[0].recovered.startswith("43 per 9876")


def test_a_lone_suppressed_group_beside_its_total_is_found(store: Path) -> None:
    """A total and all but one published part give the last part back (up to rounding)."""
    plant(store, "UPDATE marts.triangulation SET stories = 20 WHERE dimension = 'overall'")
    plant(store, "UPDATE marts.triangulation SET stories = 10 WHERE group_value = 'Female'")
    plant(store, "UPDATE marts.triangulation SET stories = NULL WHERE group_value = 'Male'")
    found = [f for f in findings(store) if f.method.startswith("total minus the other parts (stories)")]
    assert len(found) == 1 and "group_value=Male" in found[0].row


def test_differencing_that_pins_a_hidden_count_is_found(store: Path) -> None:
    """Two hidden groups are not enough when the rounding leaves them one value: 25 − 15 − 15 ⇒ 1."""
    assert recover_by_differencing([(23, 27)], [[(13, 17)], [(13, 17)], [(1, 7)]]) == [27, 13, 13, 1]
    assert recover_by_differencing([(18, 22)], [[(0, 9)], [(0, 9)]]) == [18, 9, 9]
    assert recover_by_differencing([(23, 27)], [[(0, 0), (8, np.inf)], [(13, 17)], [(1, 7)]]) == [None] * 4


def test_figures_on_a_suppressed_row_are_found(store: Path) -> None:
    """Issue 16: 79 suppressed survey rows still showed 1-7 respondents."""
    plant(
        store,
        "UPDATE marts.metric_by_group SET suppressed = TRUE, value = NULL, unweighted_n = 4 WHERE source = 'gpps_respondents'",
    )
    found = [f for f in findings(store) if f.method == "figure shown on a suppressed row"]
    assert len(found) == 1 and "unweighted_n=4" in found[0].recovered


def test_a_change_shown_on_a_suppressed_row_is_found(store: Path) -> None:
    """A change from the previous period beside a withheld value gives the value back (previous + change)."""
    plant(store, "ALTER TABLE marts.metric_by_group ADD COLUMN previous_period VARCHAR")
    plant(store, "ALTER TABLE marts.metric_by_group ADD COLUMN change_from_previous DOUBLE")
    plant(
        store,
        "UPDATE marts.metric_by_group SET suppressed = TRUE, value = NULL, numerator = NULL, denominator = NULL, "
        "unweighted_n = NULL, n_eff = NULL, lower_95 = NULL, upper_95 = NULL, lower_998 = NULL, upper_998 = NULL, "
        "diff_from_overall = NULL, diff_from_best = NULL, previous_period = '2024', change_from_previous = -0.02 "
        "WHERE group_value = 'Male'",
    )
    found = [f for f in findings(store) if f.method == "figure shown on a suppressed row"]
    assert len(found) == 1 and found[0].recovered == "change_from_previous=-0.02"


def test_a_control_chart_point_of_a_withheld_value_is_found(store: Path) -> None:
    plant(
        store,
        """CREATE TABLE marts.spc AS
           SELECT geography_level, geography_code, metric_id, source, period, value FROM marts.metric_by_group
           WHERE dimension = 'overall'""",
    )
    assert [f for f in findings(store) if f.table == "marts.spc"] == []  # published values: nothing to find
    plant(
        store,
        "UPDATE marts.metric_by_group SET suppressed = TRUE, value = NULL WHERE metric_id = 'complaints_per_10k'",
    )
    found = [f for f in findings(store) if f.table == "marts.spc"]
    assert len(found) == 1 and "metric_id=complaints_per_10k" in found[0].row
    assert found[0].method == "control-chart point of a value not published"


def test_a_value_outside_its_own_interval_is_found(store: Path) -> None:
    """Issue 16 item 4: e.g. value 1.000 with CI 0.719-0.950."""
    plant(store, "UPDATE marts.metric_by_group SET value = 1.0 WHERE group_value = 'Male'")
    with duckdb.connect(str(store), read_only=True) as con:
        outside = audit_intervals(con)
    assert {f.method for f in outside} == {
        "value outside its lower_95-upper_95 interval",
        "value outside its lower_998-upper_998 interval",
    }


def test_the_publish_checks_block_and_say_what_failed(store: Path, tmp_path: Path) -> None:
    chorus = ChorusResource(
        landing_dir=str(tmp_path), warehouse=str(tmp_path / "w.duckdb"), published=str(store)
    )
    assert no_count_recoverable(chorus=chorus).passed is True
    assert values_inside_intervals(chorus=chorus).passed is True
    plant(store, "UPDATE marts.representation SET share_of_voices = 32 / 89 WHERE group_value = 'Male'")
    plant(store, "UPDATE marts.metric_by_group SET value = 1.0 WHERE group_value = 'Male'")
    result = no_count_recoverable(chorus=chorus)
    assert result.passed is False and result.metadata["findings"].value >= 1
    assert "32/89" in result.metadata["examples"].value
    assert values_inside_intervals(chorus=chorus).passed is False
    assert no_count_recoverable.check_specs_by_output_name  # defined as a check
    assert all(spec.blocking for spec in no_count_recoverable.check_specs)
