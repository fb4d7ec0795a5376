"""Intersections of two dimensions in marts.metric_by_group (issue 18 item 6), on small hand-built cells: the
same n_eff threshold, gaps and disclosure as single groups, and no suppressed cell given back by its margins."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.marts.metric_by_group import finalise_estimates
from pipelines.publish.disclosure_audit import audit_disclosure
from tests.marts.differencing_attack import recoverable_rows

AGES = ("16-24", "25-34", "35-44", "45-54")
BANDS = ("Asian", "Black", "Mixed", "White")
CROSSED = "age_band x ethnicity_band"


def survey_cell(dimension: str, group: str, n: float, positive: float) -> dict:
    """A respondent-extract cell with weights of 1: Σw = n respondents, n_eff = n."""
    return dict(geography_level="icb", geography_code="QZ9", boundaries="as_of_period", period="2023",
                metric_id="phone_access",
                metric_name="phone", source="gpps_respondents", series="2017-2023", dimension=dimension,
                group_value=group, numerator=positive, denominator=n, unweighted_n=n, n_eff=n,
                n_eff_method="kish", count_based=False, higher_is_better=True)  # fmt: skip


def two_way_table(sizes: dict[tuple[str, str], int], share: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Estimates for a table of age band × ethnic group band with both margins and the overall row, every
    total the sum of its parts as the SQL writes them."""
    rows = [survey_cell(CROSSED, f"{a} | {b}", n, share[(a, b)] * n) for (a, b), n in sizes.items()]
    for a in AGES:
        n = sum(sizes[(a, b)] for b in BANDS)
        rows.append(survey_cell("age_band", a, n, sum(share[(a, b)] * sizes[(a, b)] for b in BANDS)))
    for b in BANDS:
        n = sum(sizes[(a, b)] for a in AGES)
        rows.append(survey_cell("ethnicity_band", b, n, sum(share[(a, b)] * sizes[(a, b)] for a in AGES)))
    total = sum(sizes.values())
    rows.append(survey_cell("overall", "All", total, sum(share[k] * n for k, n in sizes.items())))
    return pd.DataFrame(rows)


def test_a_group_on_fewer_than_30_effective_respondents_is_not_published_as_a_group_result() -> None:
    frame = finalise_estimates(pd.DataFrame([
        survey_cell("overall", "All", 1000, 600) | {"n_eff": 700},
        survey_cell("age_band", "16-24", 60, 30) | {"n_eff": 29.5},  # 60 respondents, very unequal weights
        survey_cell("age_band", "25-34", 440, 270) | {"n_eff": 300},
        survey_cell("age_band", "35-44", 500, 300) | {"n_eff": 330},
    ])).set_index("group_value")  # fmt: skip
    young = frame.loc["16-24"]
    assert young["suppression_reason"] == "small_n_eff" and bool(young["suppressed"])
    assert np.isnan(young["value"]) and np.isnan(young["n_eff"]) and not young["worse_than_overall"]
    # Its weighted base is the overall's less the other two: one more group is withheld.
    assert frame.loc["25-34", "suppression_reason"] == "secondary"
    assert frame.loc["35-44", "value"] == pytest.approx(0.6) and not frame.loc["All", "suppressed"]


def test_an_overall_row_is_not_held_to_the_group_threshold() -> None:
    frame = finalise_estimates(pd.DataFrame([survey_cell("overall", "All", 40, 20) | {"n_eff": 25}]))
    assert not frame["suppressed"].iloc[0] and frame["value"].iloc[0] == pytest.approx(0.5)


def test_an_intersection_carries_intervals_gaps_and_flags_like_a_single_group() -> None:
    sizes = {(a, b): 200 for a, b in itertools.product(AGES, BANDS)}
    share = {k: 0.7 for k in sizes} | {("16-24", "Asian"): 0.4}
    frame = finalise_estimates(two_way_table(sizes, share)).set_index(["dimension", "group_value"])
    planted = frame.loc[(CROSSED, "16-24 | Asian")]
    overall = frame.loc[("overall", "All"), "value"]
    assert planted["value"] == pytest.approx(0.4)
    assert planted["lower_998"] < planted["lower_95"] < 0.4 < planted["upper_95"] < planted["upper_998"]
    assert planted["diff_from_overall"] == pytest.approx(0.4 - overall)
    assert planted["diff_from_overall_significant"] and planted["worse_than_overall"]
    assert planted["best_group"] != "16-24 | Asian" and planted["diff_from_best"] == pytest.approx(-0.3)
    # An intersection group at the overall's level is not flagged, and no group is flagged for being 0.7.
    flagged = frame[frame["worse_than_overall"]].index.get_level_values("group_value")
    assert "16-24 | Asian" in flagged and not any(g.endswith("| White") or g == "White" for g in flagged)


def test_a_group_not_stated_in_either_part_is_never_the_best_group() -> None:
    ages, bands = ("16-24", "Not stated"), ("Asian", "White")
    rows = [
        survey_cell(CROSSED, "16-24 | Asian", 200, 120), survey_cell(CROSSED, "16-24 | White", 200, 130),
        survey_cell(CROSSED, "Not stated | Asian", 200, 190), survey_cell(CROSSED, "Not stated | White", 200, 120),
        *(survey_cell("age_band", a, 400, 0) for a in ages), *(survey_cell("ethnicity_band", b, 400, 0) for b in bands),
        survey_cell("overall", "All", 800, 560),
    ]  # fmt: skip
    frame = finalise_estimates(pd.DataFrame(rows))
    assert set(frame.loc[frame["dimension"] == CROSSED, "best_group"]) == {"16-24 | White"}


def test_cells_suppressed_in_a_chain_cannot_be_recovered_from_the_margins() -> None:
    """Two blocks of four small cells joined by a fifth: every row and column of the table has two or more
    withheld cells, yet adding the first two age bands and taking away the first two ethnic group bands leaves
    the joining cell. A reader solving every published total at once must not get any withheld cell back."""
    small = {("16-24", "Asian"), ("16-24", "Black"), ("25-34", "Asian"), ("25-34", "Black"),
             ("35-44", "Mixed"), ("35-44", "White"), ("45-54", "Mixed"), ("45-54", "White"),
             ("25-34", "Mixed")}  # fmt: skip
    sizes = {(a, b): 6 if (a, b) in small else 300 for a, b in itertools.product(AGES, BANDS)}
    estimates = two_way_table(sizes, {k: 0.5 for k in sizes})
    # The attack is strong enough to find the joining cell when only the small cells are withheld ...
    only_primary = estimates.assign(
        denominator=estimates["denominator"].where(estimates["unweighted_n"] >= 10)
    )
    assert set(recoverable_rows(only_primary)["group_value"]) == {"25-34 | Mixed"}
    # ... and finds nothing in what is published.
    published = finalise_estimates(estimates)
    assert recoverable_rows(published).empty
    assert set(published.loc[published["unweighted_n"].isna(), "suppression_reason"]) == {
        "small_base",
        "secondary",
    }
    # Nothing is withheld in an age band or ethnic group band that has no small cell.
    assert not published.loc[published["dimension"] != CROSSED, "suppressed"].any()


def test_the_publish_audit_differences_an_intersection_against_its_margin(tmp_path: Path) -> None:
    """The blocking attacker check (pipelines/publish/disclosure_audit.py) passes what the rules publish, and
    finds a withheld intersection cell given back by its margin when its sibling is shown."""
    sexes = ("Female", "Male")
    sizes = {("16-24", "Female"): 300, ("16-24", "Male"): 6, ("25-34", "Female"): 300, ("25-34", "Male"): 300}
    rows = [survey_cell("age_band x sex", f"{a} | {s}", n, n / 2) for (a, s), n in sizes.items()]
    rows += [survey_cell("age_band", a, sum(sizes[(a, s)] for s in sexes), 0) for a in AGES[:2]]
    rows += [survey_cell("sex", s, sum(sizes[(a, s)] for a in AGES[:2]), 0) for s in sexes]
    rows.append(survey_cell("overall", "All", sum(sizes.values()), 0))
    published = finalise_estimates(pd.DataFrame(rows))
    path = tmp_path / "published.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.register("m", published)
        con.execute("CREATE TABLE marts.metric_by_group AS SELECT * FROM m")
        assert audit_disclosure(con) == []
        # Showing the other young group's weighted base gives the young men's back: 306 - 300.
        con.execute(
            """UPDATE marts.metric_by_group SET denominator = 300, suppressed = FALSE, suppression_reason = ''
               WHERE group_value = '16-24 | Female'"""
        )
        found = [f for f in audit_disclosure(con) if "16-24 | Male" in f.row]
    assert any(
        f.method == "total minus the other parts (denominator)" and f.recovered.startswith("6") for f in found
    )


def test_the_rules_and_the_reader_agree_on_which_withheld_cells_equations_fix() -> None:
    """The secondary suppression solves a crossed cell's equations by elimination; the reader's attack by the
    equations' row space. On random tables of totals and parts they name the same withheld cells."""
    from pipelines.marts.metric_by_group import _determined
    from tests.marts.differencing_attack import pinned_suppressed

    rng = np.random.default_rng(18)
    compared = 0
    for _ in range(300):
        ages, bands = AGES[: rng.integers(2, 5)], BANDS[: rng.integers(2, 5)]
        dimensions = ["overall", *["age_band"] * len(ages), *["ethnicity_band"] * len(bands)]
        groups = ["All", *ages, *bands]
        for a, b in itertools.product(ages, bands):
            dimensions.append(CROSSED)
            groups.append(f"{a} | {b}")
        hidden = rng.random(len(groups)) < 0.35
        reader = set(pinned_suppressed(dimensions, groups, hidden).tolist())
        # The same equations as the writer builds them: each total = its parts, over the hidden rows.
        where = {(d, g): i for i, (d, g) in enumerate(zip(dimensions, groups, strict=True))}
        blocks = [(0, [where[("age_band", a)] for a in ages]), (0, [where[("ethnicity_band", b)] for b in bands]),
                  (0, [where[(CROSSED, f"{a} | {b}")] for a in ages for b in bands])]  # fmt: skip
        blocks += [(where[("age_band", a)], [where[(CROSSED, f"{a} | {b}")] for b in bands]) for a in ages]
        blocks += [
            (where[("ethnicity_band", b)], [where[(CROSSED, f"{a} | {b}")] for a in ages]) for b in bands
        ]
        columns = np.flatnonzero(hidden)
        equations = np.zeros((len(blocks), len(columns)))
        for k, (total, parts) in enumerate(blocks):
            for row, sign in ((total, 1.0), *((part, -1.0) for part in parts)):
                if hidden[row]:
                    equations[k, np.searchsorted(columns, row)] += sign
        writer = set(columns[_determined(equations)].tolist()) if len(columns) else set()
        assert writer == reader
        compared += bool(reader)
    assert compared > 20  # tables where some withheld cell is fixed were among them
