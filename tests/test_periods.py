"""Periods are typed: every label becomes dates, and 'latest' is decided by the dates, not the text."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.core.periods import add_period_columns, bounds, describe, kind_for


@pytest.mark.parametrize(
    ("label", "source", "kind", "start", "end"),
    [
        ("2025", "gpps_published", "gpps_survey_year", date(2025, 1, 1), date(2025, 4, 30)),
        ("2023", "gpps_respondents", "gpps_survey_year", date(2023, 1, 1), date(2023, 4, 30)),
        ("2025", "comments", "calendar_year", date(2025, 1, 1), date(2025, 12, 31)),
        ("2025-07", "fft", "month", date(2025, 7, 1), date(2025, 7, 31)),
        ("2024-02", "fft", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-26 Q1", "complaints", "financial_year_quarter", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-26 Q4", "complaints", "financial_year_quarter", date(2026, 1, 1), date(2026, 3, 31)),
        ("2025/2026 q3", "complaints", "financial_year_quarter", date(2025, 10, 1), date(2025, 12, 31)),
        ("2024-25", "complaints", "financial_year", date(2024, 4, 1), date(2025, 3, 31)),
        ("2025 Q3", "complaints", "calendar_quarter", date(2025, 7, 1), date(2025, 9, 30)),
    ],
)
def test_each_label_becomes_its_dates(label: str, source: str, kind: str, start: date, end: date) -> None:
    assert kind_for(label, source) == kind
    assert bounds(label, kind) == (start, end)


def test_a_gpps_survey_year_is_its_fieldwork_window_and_comes_before_the_next_financial_quarter() -> None:
    """The bug this replaces: max('2025', '2025-26 Q1') as strings picked the complaints quarter as 'latest'
    and said nothing about what a GPPS year covers."""
    survey = bounds("2025", kind_for("2025", "gpps_published"))
    quarter = bounds("2025-26 Q1", kind_for("2025-26 Q1", "complaints"))
    assert survey[0] < quarter[0] and survey[1] < quarter[1]
    assert "fieldwork January–April 2025" in describe("2025", "gpps_survey_year")
    assert describe("2025-26 Q1", "financial_year_quarter") == "2025-26 Q1 (April–June 2025)"


@pytest.mark.parametrize("label", ["25", "2025-13", "2025-27", "Q1", "last year", "2025-26 Q5"])
def test_a_label_of_no_known_shape_is_an_error_not_a_guess(label: str) -> None:
    with pytest.raises(ValueError, match="period|month|financial"):
        kind = kind_for(label, "complaints")
        bounds(label, kind)


def test_columns_are_added_after_the_label_and_sort_by_dates() -> None:
    frame = pd.DataFrame(
        {
            "source": ["gpps_published", "complaints", "fft"],
            "period": ["2025", "2025-26 Q1", "2025-07"],
            "v": [1, 2, 3],
        }
    )
    out = add_period_columns(frame)
    assert list(out.columns) == ["source", "period", "period_start", "period_end", "period_kind", "v"]
    ordered = out.sort_values("period_end")["period"].tolist()
    assert ordered == ["2025", "2025-26 Q1", "2025-07"]
    assert out.loc[0, "period_kind"] == "gpps_survey_year"
    with pytest.raises(ValueError, match="no period"):
        add_period_columns(pd.DataFrame({"source": ["fft"], "period": [None]}))
