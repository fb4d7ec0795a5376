"""Tests for pipelines.methods.disclosure (docs/DESIGN.md section 8)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.methods import disclosure as dc


def test_constants() -> None:
    assert (dc.COUNT_SUPPRESS_MAX, dc.ROUND_TO, dc.MIN_SURVEY_BASE, dc.MIN_COMMENTS_FOR_BREAKDOWN) == (
        7,
        5,
        10,
        10,
    )


@pytest.mark.parametrize(
    ("count", "published", "reason"),
    [
        (0, 0.0, ""),
        (1, np.nan, "small_count"),
        (5, np.nan, "small_count"),
        (7, np.nan, "small_count"),
        (8, 10.0, ""),
        (9, 10.0, ""),
        (10, 10.0, ""),
        (12, 10.0, ""),
        (13, 15.0, ""),
        (17, 15.0, ""),
        (18, 20.0, ""),
        (22.5, 25.0, ""),  # halves go up, not to even
        (1002, 1000.0, ""),
        (np.nan, np.nan, "missing"),
    ],
)
def test_suppress_and_round_edge_cells(count: float, published: float, reason: str) -> None:
    values, reasons = dc.suppress_and_round_counts([count])
    np.testing.assert_equal(values[0], published)
    assert reasons[0] == reason


def test_suppress_and_round_vectorised_and_negative() -> None:
    values, reasons = dc.suppress_and_round_counts(np.array([0, 3, 8, 27, 7.4, 7.6]))
    np.testing.assert_array_equal(values, [0, np.nan, 10, 25, np.nan, np.nan])
    assert reasons.tolist() == ["", "small_count", "", "", "small_count", "small_count"]
    with pytest.raises(ValueError):
        dc.suppress_and_round_counts([-1])


def test_percentage_from_rounded_values() -> None:
    num, _ = dc.suppress_and_round_counts([13, 3, 0, 48])
    den, _ = dc.suppress_and_round_counts([52, 40, 0, 52])
    pct = dc.percentage_from_rounded(num, den)
    # 13/52 would be 25.0%; published is 15/50 = 30% so it agrees with the published counts
    assert pct[0] == pytest.approx(30.0)
    assert np.isnan(pct[1])  # suppressed numerator
    assert np.isnan(pct[2])  # zero denominator
    assert pct[3] == pytest.approx(100.0)
    assert dc.percentage_from_rounded(5, 20, multiplier=1) == pytest.approx(0.25)


def test_suppress_small_base() -> None:
    values, mask = dc.suppress_small_base([0.8, 0.7, 0.6, 0.5], [9, 10, np.nan, 250])
    np.testing.assert_array_equal(values, [np.nan, 0.7, np.nan, 0.5])
    assert mask.tolist() == [True, False, True, False]
    _, mask = dc.suppress_small_base([0.5, 0.5], [9, 12], minimum=dc.MIN_COMMENTS_FOR_BREAKDOWN)
    assert mask.tolist() == [True, False]


def test_secondary_suppression_hides_next_smallest() -> None:
    raw = [40, 5, 15, 25, 0]
    published, _ = dc.suppress_and_round_counts(raw)
    total = dc.suppress_and_round_counts([sum(raw)])[0][0]
    cells, extra = dc.secondary_suppression(published, total)
    # 5 was suppressed; 15 is the smallest positive other cell (the 0 is skipped)
    assert extra.tolist() == [False, False, True, False, False]
    assert np.isnan(cells[1]) and np.isnan(cells[2]) and cells[4] == 0
    # the input is not modified
    assert published[2] == 15


def test_secondary_suppression_no_action_cases() -> None:
    two_hidden = np.array([np.nan, np.nan, 20.0])
    cells, extra = dc.secondary_suppression(two_hidden, 30.0)
    assert not extra.any()
    cells, extra = dc.secondary_suppression([np.nan, 20.0, 30.0], None)  # no published total
    assert not extra.any()
    cells, extra = dc.secondary_suppression([np.nan, 20.0, 30.0], float("nan"))
    assert not extra.any()
    cells, extra = dc.secondary_suppression([np.nan, 0.0, 0.0], 5.0)  # only zeros left
    assert extra.tolist() == [False, True, False]
    cells, extra = dc.secondary_suppression([np.nan, 20.0, 20.0], 45.0)  # tie → first
    assert extra.tolist() == [False, True, False]


def test_sql_expression_matches_python() -> None:
    duckdb = pytest.importorskip("duckdb")
    counts = [0, 1, 7, 8, 9, 10, 12, 13, 22.5, 1002, None]
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT {dc.disclosure_sql_count('c')} AS v, {dc.disclosure_sql_flag('c')} AS f "
        "FROM (SELECT unnest($1::DOUBLE[]) AS c, generate_subscripts($1::DOUBLE[], 1) AS i) ORDER BY i",
        [counts],
    ).fetchall()
    py_values, py_reasons = dc.suppress_and_round_counts([np.nan if c is None else c for c in counts])
    sql_values = np.array([np.nan if v is None else v for v, _ in rows], dtype=float)
    np.testing.assert_array_equal(sql_values, py_values)
    assert [f for _, f in rows] == py_reasons.tolist()


def test_protect_block_breaks_ties_by_key_not_by_row_order() -> None:
    """Two releases of the same data hide the same tied group, whatever order the rows come in."""
    parts = [(20.0, ""), (np.nan, "small_count"), (20.0, "")]
    extra, hide_total = dc.protect_additive_block((45.0, ""), parts, ["Male", "Not stated", "Female"])
    assert extra.tolist() == [False, False, True] and not hide_total  # 'Female' < 'Male'
    extra, _ = dc.protect_additive_block((45.0, ""), parts[::-1], ["Female", "Not stated", "Male"])
    assert extra.tolist() == [True, False, False]


def test_protect_block_hides_more_when_rounding_pins_the_hidden_cells() -> None:
    """25 = 15 + 15 + (1-7) has one solution, 27 = 13 + 13 + 1: hiding one more part removes it."""
    domains = [dc.attacker_domain(v, r) for v, r in ((15.0, ""), (15.0, ""), (np.nan, "small_count"))]
    assert dc.pinned_cells(dc.attacker_domain(25.0, ""), domains).all()
    extra, _ = dc.protect_additive_block(
        (25.0, ""), [(15.0, ""), (15.0, ""), (np.nan, "small_count")], ["a", "b", "c"]
    )
    assert extra.tolist() == [True, False, False]


def test_protect_block_hides_the_total_when_no_part_is_left() -> None:
    """A band of 20 (18-22) whose two groups are each under 10 pins both to 9: the band must go."""
    extra, hide_total = dc.protect_additive_block(
        (20.0, ""), [(np.nan, "small_base"), (np.nan, "small_base")], ["Arab", "Any other"]
    )
    assert not extra.any() and hide_total


def test_weighted_sums_need_two_hidden_parts() -> None:
    """Survey weighted sums are published exactly, so one hidden group beside its total is always exposed."""
    extra, _ = dc.protect_additive_block(
        (1000.5, ""),
        [(600.2, ""), (390.1, ""), (np.nan, "small_base")],
        ["a", "b", "c"],
        role="weighted",
        rounded=False,
    )
    assert extra.tolist() == [False, True, False]  # the smaller published group
