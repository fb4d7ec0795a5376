"""The GPPS measure catalogue: a stable id per evaluative question and its question stem in each year.

Every evaluative question of each questionnaire generation is a measure: the 2024+ evaluative stems of
``stems_2024plus.csv`` and the 2017-2023 questions whose 2023 list of reporting variables publishes a
favourable summary (``qN_12`` …) or a favourable option on an evaluative base (``qN_12base``). Each row
carries the question's answer options in code order (``options``; a 2024+ row takes them from
``stems_2024plus.csv``), which options count as the positive share, which are in its base, and its
polarity (``higher_is_better``: avoiding an appointment, q111, is the one question where less is better).
Composition (aboutyou*) and non-evaluative questions (when, who, which type) are not measures.

The catalogue is data (``measures.csv`` next to this module) so an analyst can read and correct it;
each row covers a span of years in which the measure kept one stem. ``ref.gpps_measures`` holds it
expanded to one row per measure and survey year.

Every row says whether its stem is confirmed (``stem_confirmed``) and by what (``stem_source``): a real
file or published variable list, the stems of the 2024+ questionnaire (``stems_2024plus.csv``, the
redesigned questionnaire's stems and options), or public code that reads the real files. A measure-year
whose stem is only assumed is staged like any other but never published as a series (the marts filter it
out). 2017-2023 stems are the files' variable names, which are not the questionnaire's question numbers
from 2018 on, so ``question_number`` is left blank where it was not confirmed; 2024+ rows carry the 2025
question number. The 2024+ ``wording`` describes the measure from the stem list's topic (the
questionnaire's own text was not available), and the series break (2017-2023 → 2024+) is carried into
every published row.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from pipelines.core.sql import run_sql_file

HERE = Path(__file__).parent
MEASURES_CSV = HERE / "measures.csv"
COMPOSITION_CSV = HERE / "composition.csv"
NEW_SERIES_STEMS_CSV = HERE / "stems_2024plus.csv"
# The newest survey year the catalogue is expanded to when a row is open-ended.
LATEST_YEAR = 2026


@dataclass(frozen=True)
class MeasureYear:
    """One catalogue measure in one survey year."""

    measure_id: str
    survey_year: int
    question: str
    question_number: str
    wording: str
    positive_codes: tuple[str, ...]
    evaluative_codes: tuple[str, ...]
    summary_code: str
    series: str
    comparable_from: int
    comparable_to: int | None
    theme: str
    sub_theme: str | None
    stem_confirmed: bool
    stem_source: str
    options: tuple[str, ...]  # answer option labels; option code k is options[k - 1]
    higher_is_better: bool


@dataclass(frozen=True)
class NewSeriesStem:
    """One question of the redesigned (2024+) questionnaire: its stem and answer options in order."""

    question_2025: str
    stem: str
    topic: str
    kind: str  # evaluative | composition
    options: tuple[str, ...]
    positive_codes: tuple[str, ...]
    evaluative_codes: tuple[str, ...]
    codes_evidence: str


@lru_cache(maxsize=1)
def catalogue() -> tuple[MeasureYear, ...]:
    """Every (measure, year) row of ``measures.csv``."""
    stem_options = {s.stem: s.options for s in new_series_stems()}
    rows: list[MeasureYear] = []
    with MEASURES_CSV.open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            start = int(r["year_from"])
            end = int(r["year_to"]) if r["year_to"] else None
            for year in range(start, (end or LATEST_YEAR) + 1):
                rows.append(
                    MeasureYear(
                        measure_id=r["measure_id"],
                        survey_year=year,
                        question=r["question"].lower(),
                        question_number=r["question_number"],
                        wording=r["wording"],
                        positive_codes=tuple(r["positive_codes"].split("|")),
                        evaluative_codes=tuple(r["evaluative_codes"].split("|")),
                        summary_code=r["summary_code"],
                        series=r["series"],
                        comparable_from=start,
                        comparable_to=end,
                        theme=r["theme"],
                        sub_theme=r["sub_theme"] or None,
                        stem_confirmed=r["stem_confirmed"].strip().lower() == "yes",
                        stem_source=r["stem_source"],
                        # A 2024+ row's options are the questionnaire's (stems_2024plus.csv), never retyped.
                        options=tuple(r["options"].split("|"))
                        if r["options"]
                        else stem_options.get(r["question"].lower(), ()),
                        higher_is_better=r["higher_is_better"].strip().lower() != "no",
                    )
                )
    return tuple(rows)


@lru_cache(maxsize=1)
def new_series_stems() -> tuple[NewSeriesStem, ...]:
    """The stems of the 2024+ questionnaire (``stems_2024plus.csv``), in questionnaire order."""

    def codes(text: str) -> tuple[str, ...]:
        return tuple(c for c in text.split("|") if c)

    with NEW_SERIES_STEMS_CSV.open(newline="", encoding="utf-8") as handle:
        return tuple(
            NewSeriesStem(
                question_2025=r["question_2025"],
                stem=r["stem"],
                topic=r["topic"],
                kind=r["kind"],
                options=codes(r["options"]),
                positive_codes=codes(r["positive_codes"]),
                evaluative_codes=codes(r["evaluative_codes"]),
                codes_evidence=r["codes_evidence"],
            )
            for r in csv.DictReader(handle)
        )


def measures_for_year(year: int | None) -> dict[str, MeasureYear]:
    """Catalogue measures of one survey year, keyed by the file's question stem."""
    return {m.question: m for m in catalogue() if m.survey_year == year}


def positive_summary_codes(year: int | None) -> dict[str, str]:
    """qN stem → the code of its published summary ("12" = very + fairly good) in that year."""
    return {q: m.summary_code for q, m in measures_for_year(year).items() if m.summary_code != "eval"}


def load_catalogue(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)write ``ref.gpps_measures`` and ``ref.gpps_composition_codes`` from the package data."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    run_sql_file(con, HERE / "gpps_measures_table.sql")
    rows = [
        (m.measure_id, m.survey_year, m.question, m.question_number, m.wording, list(m.positive_codes),
         list(m.evaluative_codes), m.summary_code, m.series, m.comparable_from, m.comparable_to, m.theme,
         m.sub_theme, m.stem_confirmed, m.stem_source, list(m.options), m.higher_is_better)
        for m in catalogue()
    ]  # fmt: skip
    con.executemany(
        "INSERT INTO ref.gpps_measures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ref.gpps_composition_codes AS
        SELECT grammar, question, option_code, dimension, raw_label
        FROM read_csv('{COMPOSITION_CSV}', all_varchar = true, header = true)
        """
    )
    return len(rows)
