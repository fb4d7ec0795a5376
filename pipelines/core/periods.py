"""Typed periods: a period label and its kind → ``period_start``, ``period_end`` (dates) and ``period_kind``.

Every mart row carries its period as a human label (``period``: '2025', '2025-07', '2025-26 Q1') and as
dates, so "latest" and "in order" are decided by dates, never by comparing labels as strings ('2025-26 Q1'
sorts after '2025' as text but a GPPS 2025 survey and a 2025-26 Q1 complaints return are different things).

The kinds:

================================  ===============  =======================================================
kind                              label            start – end
================================  ===============  =======================================================
``gpps_survey_year``              ``2025``         1 January – 30 April 2025: the GP Patient Survey's
                                                   fieldwork window (see below)
``calendar_year``                 ``2025``         1 January – 31 December 2025
``calendar_quarter``              ``2025 Q3``      1 July – 30 September 2025
``month``                         ``2025-07``      1 – 31 July 2025
``financial_year``                ``2025-26``      1 April 2025 – 31 March 2026
``financial_year_quarter``        ``2025-26 Q1``   1 April – 30 June 2025 (Q1 = April–June … Q4 = Jan–Mar)
``date_span``                     ``2023-01-01 to  the two dates (a row drawing on several periods, e.g.
                                  2025-12-31``     marts.triangulation)
================================  ===============  =======================================================

A GPPS "survey year" is the year the results are published under (e.g. "GPPS 2025", published in July
2025). Its questionnaires are posted in January and fieldwork closes in early April of that same year, so
the answers describe experience up to about April of the published year (questions such as "in the last
12 months" reach back into the year before). Chorus types a survey year as its fieldwork window,
1 January – 30 April of the published year: a GPPS 2025 result ends before a 2025-26 Q1 (April–June
2025) complaints return does, so the return is the later of the two, and they are never "the same period".

Which kind a label is comes from where it was published (``kind_for``): GPPS rows are survey years;
other sources' bare years are calendar years of the record dates; 'YYYY-NN' is a month in a monthly
source (FFT) and a financial year elsewhere when NN is the next year ('2024-25'), else a month.
A label that fits no shape is an error, not a guess.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

import pandas as pd

KINDS = (
    "gpps_survey_year",
    "calendar_year",
    "calendar_quarter",
    "month",
    "financial_year",
    "financial_year_quarter",
    "date_span",
)

# The GP Patient Survey's fieldwork window within its published year (January to the end of April).
GPPS_FIELDWORK_START_MONTH = 1
GPPS_FIELDWORK_END_MONTH = 4

# Sources / channels whose bare-year periods are GPPS survey years.
GPPS_SOURCES = ("gpps_published", "gpps_practices", "gpps_respondents")
# Sources whose 'YYYY-NN' periods are always months.
MONTHLY_SOURCES = ("fft",)

# The typed period columns every mart row with a period label carries (descriptions: schemas/tables/marts).
TYPED_PERIOD_COLUMNS = ("period_start", "period_end", "period_kind")

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$", re.I)
_FINANCIAL_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")
_FINANCIAL_QUARTER = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*Q([1-4])$", re.I)
_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$")


def kind_for(label: str, source: str | None = None) -> str:
    """The kind of ``label`` as published by ``source`` (a mart ``source`` or a representation ``channel``).

    GPPS sources publish survey years; any other bare year is a calendar year of the record dates.
    Raises ``ValueError`` for a label of no known shape.
    """
    text = str(label).strip()
    if _YEAR.match(text):
        return "gpps_survey_year" if source in GPPS_SOURCES else "calendar_year"
    if _FINANCIAL_QUARTER.match(text):
        return "financial_year_quarter"
    month = _MONTH.match(text)
    if month:
        # '2011-12' is December 2011 in a monthly source and financial year 2011-12 anywhere else.
        if source in MONTHLY_SOURCES:
            return "month"
        if int(month.group(2)) == (int(month.group(1)) + 1) % 100:
            return "financial_year"
        return "month"
    if _FINANCIAL_YEAR.match(text):
        return "financial_year"
    if _QUARTER.match(text):
        return "calendar_quarter"
    if _SPAN.match(text):
        return "date_span"
    raise ValueError(f"period {label!r} (source {source!r}) is not a year, month, quarter or financial year")


def _financial_start(first: str, second: str) -> int:
    start = int(first)
    end = int(second) if len(second) == 4 else (start // 100) * 100 + int(second)
    if end != start + 1:
        raise ValueError(f"financial year {first}-{second} does not span two consecutive years")
    return start


def bounds(label: str, kind: str) -> tuple[date, date]:
    """(first day, last day) of the period ``label`` of ``kind`` (see the module docstring)."""
    text = str(label).strip()
    if kind in ("gpps_survey_year", "calendar_year"):
        m = _YEAR.match(text)
        if not m:
            raise ValueError(f"{kind} {label!r} is not a four-digit year")
        year = int(m.group(1))
        if kind == "calendar_year":
            return date(year, 1, 1), date(year, 12, 31)
        last = monthrange(year, GPPS_FIELDWORK_END_MONTH)[1]
        return date(year, GPPS_FIELDWORK_START_MONTH, 1), date(year, GPPS_FIELDWORK_END_MONTH, last)
    if kind == "month":
        m = _MONTH.match(text)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"month {label!r} is not YYYY-MM")
        year, month = int(m.group(1)), int(m.group(2))
        return date(year, month, 1), date(year, month, monthrange(year, month)[1])
    if kind == "calendar_quarter":
        m = _QUARTER.match(text)
        if not m:
            raise ValueError(f"quarter {label!r} is not 'YYYY Qn'")
        return _quarter(int(m.group(1)), 3 * (int(m.group(2)) - 1) + 1)
    if kind == "financial_year":
        m = _FINANCIAL_YEAR.match(text)
        if not m:
            raise ValueError(f"financial year {label!r} is not 'YYYY-YY'")
        start = _financial_start(m.group(1), m.group(2))
        return date(start, 4, 1), date(start + 1, 3, 31)
    if kind == "financial_year_quarter":
        m = _FINANCIAL_QUARTER.match(text)
        if not m:
            raise ValueError(f"financial-year quarter {label!r} is not 'YYYY-YY Qn'")
        start = _financial_start(m.group(1), m.group(2))
        first_month = 4 + 3 * (int(m.group(3)) - 1)  # Q1 April, Q2 July, Q3 October, Q4 January
        return _quarter(start + (first_month - 1) // 12, (first_month - 1) % 12 + 1)
    if kind == "date_span":
        m = _SPAN.match(text)
        if not m:
            raise ValueError(f"date span {label!r} is not 'YYYY-MM-DD to YYYY-MM-DD'")
        return date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
    raise ValueError(f"unknown period kind {kind!r}; expected one of {', '.join(KINDS)}")


def span_label(start: date, end: date) -> str:
    """The label of a ``date_span`` period."""
    return f"{start.isoformat()} to {end.isoformat()}"


def _quarter(year: int, first_month: int) -> tuple[date, date]:
    last_month = first_month + 2
    return date(year, first_month, 1), date(year, last_month, monthrange(year, last_month)[1])


def describe(label: str, kind: str) -> str:
    """The period in words for a reader: 'GP Patient Survey 2025 (fieldwork January–April 2025)'."""
    start, end = bounds(label, kind)
    if kind == "gpps_survey_year":
        return f"GP Patient Survey {label} (fieldwork {start:%B}–{end:%B %Y})"
    if kind == "month":
        return f"{start:%B %Y}"
    if kind == "calendar_year":
        return f"calendar year {label}"
    if kind == "date_span":
        return f"{start:%-d %B %Y} to {end:%-d %B %Y}"
    return (
        f"{label} ({start:%B %Y}–{end:%B %Y})"
        if start.year != end.year
        else f"{label} ({start:%B}–{end:%B %Y})"
    )


def add_period_columns(frame: pd.DataFrame, source_column: str | None = "source") -> pd.DataFrame:
    """``frame`` with ``period_start``, ``period_end`` and ``period_kind`` right after its ``period`` column.

    The kind of each label comes from ``kind_for(period, frame[source_column])``; a frame with no
    source column (``source_column=None``) types labels by their shape alone (bare years as calendar years).
    """
    out = frame.drop(columns=[c for c in ("period_start", "period_end", "period_kind") if c in frame.columns])
    sources = out[source_column] if source_column else pd.Series(None, index=out.index, dtype=object)
    pairs = pd.DataFrame({"period": out["period"].astype(object), "_src": sources.astype(object)})
    typed: dict[tuple[str, object], tuple[date, date, str]] = {}
    for label, src in pairs.drop_duplicates().itertuples(index=False):
        if label is None or (isinstance(label, float) and pd.isna(label)):
            raise ValueError(f"a row of source {src!r} has no period")
        kind = kind_for(label, src)
        typed[(label, src)] = (*bounds(label, kind), kind)
    keys = list(zip(pairs["period"], pairs["_src"], strict=True))
    position = list(out.columns).index("period") + 1
    columns = {
        "period_start": [typed[k][0] for k in keys],
        "period_end": [typed[k][1] for k in keys],
        "period_kind": [typed[k][2] for k in keys],
    }
    for offset, (name, values) in enumerate(columns.items()):
        # datetime.date objects: DuckDB reads them as DATE (write_mart also casts, for empty frames).
        out.insert(position + offset, name, pd.Series(values, index=out.index, dtype="object"))
    return out
