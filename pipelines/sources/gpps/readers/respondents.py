"""GPPS respondent-level extracts: one row per respondent, one column per question holding the answer code."""

from __future__ import annotations

import csv
from functools import lru_cache

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal, sql_file
from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.gpps import policy as P
from pipelines.sources.gpps.readers.common import (
    HEADER_MAP_CSV,
    READERS_DIR,
    SENTINELS,
    SUPPRESSION_TEXT_SQL,
    _header_of,
    _known_practices,
    known_practices_sql,
    prepare,
    survey_year_of,
)

RESPONDENT_FIELDS = ("respondent_id", "practice_code", "survey_year", "weight")
DEMOGRAPHICS = (
    "age_band",
    "sex",
    "ethnicity",
    "gender_identity",
    "disability",
    "carer",
    "sexual_orientation",
    "religion",
)
# Demographic columns written as GPPS option codes are decoded with the composition questions.
CODED_DEMOGRAPHICS = {"age_band": "q48_merged", "sex": "q112", "ethnicity": "q49"}


@lru_cache(maxsize=1)
def header_map() -> dict[str, str]:
    """Respondent-extract header aliases (config) → the documented canonical names."""
    with HEADER_MAP_CSV.open(newline="", encoding="utf-8") as handle:
        return {r["alias"].strip().lower(): r["canonical"] for r in csv.DictReader(handle)}


def canonical_header(header: list[str]) -> dict[str, str]:
    """Each source column → canonical name (unmapped columns are question columns, kept as named)."""
    mapping = header_map()
    return {c: mapping.get(c, c) for c in header}


def _looks_like_extract(landing_file: LandingFile) -> bool:
    """A respondent extract: its header maps to a respondent id, a practice code and a weight."""
    canonical = set(canonical_header(_header_of(landing_file)).values())
    return {"respondent_id", "practice_code", "weight"} <= canonical


def load_respondents(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A respondent-level extract (one row per respondent) into ``staged.survey_responses``."""
    prepare(con)
    header = f.csv_header()
    mapping = canonical_header(header)
    targets = list(mapping.values())
    duplicated = sorted({t for t in targets if targets.count(t) > 1})
    if duplicated:
        raise FileRejected(
            f"{f.rel_path}: several columns map to {', '.join(duplicated)} (see respondent_headers.csv)"
        )
    column = {canonical: source for source, canonical in mapping.items()}
    year_from_name = survey_year_of(f)
    if "survey_year" not in column and year_from_name is None:
        raise FileRejected(f"{f.rel_path}: no survey_year column and no year in the file name")
    questions = [c for c, canon in mapping.items() if canon not in RESPONDENT_FIELDS + DEMOGRAPHICS]
    if not questions:
        raise FileRejected(f"{f.rel_path}: a respondent extract with no question columns")
    rows_read = stage_csv(con, f, "_gpps_resp", keep_empty=True)
    con.execute(
        """INSERT INTO raw.gpps_respondent_cells BY NAME
           SELECT $file AS source_file, $sha AS file_sha256, source_row, m.canonical AS column_name,
                  u.source_column, u.value
           FROM (UNPIVOT _gpps_resp ON COLUMNS(* EXCLUDE (source_row)) INTO NAME source_column VALUE value) u
           JOIN (SELECT unnest($sources) AS source_column, unnest($canon) AS canonical) m USING (source_column)""",
        {"file": f.rel_path, "sha": f.sha256, "sources": list(mapping), "canon": list(mapping.values())},
    )
    year_sql = (
        f"try_cast(trim({quote_identifier(column['survey_year'])}) AS INTEGER)"
        if "survey_year" in column
        else str(year_from_name)
    )
    demo = []
    for dim in DEMOGRAPHICS:
        if dim not in column:
            demo.append(f"NULL AS {dim}")
            continue
        v = f"nullif(trim({quote_identifier(column[dim])}), '')"
        if dim in CODED_DEMOGRAPHICS:
            # A code (GPPS option number) is decoded through the composition map, a label is used as is.
            v = (f"coalesce((SELECT any_value(raw_label) FROM ref.gpps_composition_codes c WHERE c.grammar = 'qn' "
                 f"AND c.question = {quote_literal(CODED_DEMOGRAPHICS[dim])} AND c.option_code = {v}), {v})")  # fmt: skip
        demo.append(f"{v} AS {dim}_raw")
    con.execute(
        sql_file(
            READERS_DIR / "respondents_typed.sql",
            respondent_id=quote_identifier(column["respondent_id"]),
            practice_code=quote_identifier(column["practice_code"]),
            survey_year=year_sql,
            weight=quote_identifier(column["weight"]),
            demographics=", ".join(demo),
        )
    )
    years = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT survey_year FROM _gpps_resp_typed WHERE survey_year IS NOT NULL"
        ).fetchall()
    ]
    _known_practices(con, f, years[0] if years else (year_from_name or 0))
    if len(years) > 1:
        # Several years in one extract: a practice is known if it is in the geography of its own year.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _gpps_known_years AS "
            + " UNION ALL ".join(
                f"SELECT {y} AS survey_year, practice_code FROM ({known_practices_sql(str(y))})"
                for y in years
            )
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _gpps_known_years AS SELECT {years[0] if years else 0} AS survey_year, practice_code FROM _gpps_known"
        )
    answers = ", ".join(quote_identifier(q) for q in questions)
    con.execute(
        sql_file(
            READERS_DIR / "respondent_answers.sql",
            question_columns=answers,
            suppression_text=SUPPRESSION_TEXT_SQL,
            suppression_codes=SENTINELS,
        )
    )
    con.execute(sql_file(READERS_DIR / "respondents_checked.sql"))
    rules = [
        RowRule("respondent_id_present", "respondent_id", "respondent_id IS NULL", "respondent id is blank"),
        RowRule("survey_year_integer", "survey_year", "survey_year IS NULL", "survey year is not a whole number"),
        RowRule("weight_positive", "weight_text", "weight IS NULL OR weight <= 0", "weight is not a positive number"),
        RowRule("practice_in_geography", "practice_code", "NOT known",
                "practice code is not in the practice geography of the survey year"),
        RowRule("answer_codes_integer", "bad_answer", "bad_answer IS NOT NULL", "an answer is not a whole-number code"),
    ]  # fmt: skip
    con.execute("CREATE OR REPLACE TEMP TABLE _gpps_resp_checked_t AS SELECT * FROM _gpps_resp_checked")
    quarantined = quarantine_rows(con, "_gpps_resp_checked_t", rules, f, policy=P.SURVEY_RESPONSES)
    harmonised = ", ".join(
        f"harmonise({quote_literal(d)}, t.{d}_raw) AS {d}" if d in column else f"NULL AS {d}"
        for d in DEMOGRAPHICS
    )
    band = "harmonise_band('ethnicity', t.ethnicity_raw)" if "ethnicity" in column else "NULL"
    con.execute(
        sql_file(
            READERS_DIR / "staged_survey_responses.sql",
            demographics=harmonised,
            ethnicity_band=band,
            passes=passing_rows(rules),
        ),
        f.provenance_params(),
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)


RESPONDENT_EXTRACT = Layout(
    name="gpps_respondent_extract",
    source="gpps",
    description="GP Patient Survey respondent-level extract: respondent_id, practice_code, survey_year, weight, age_band, sex, "
    "ethnicity (+ other demographics) and one column per question holding the answer code; other headers "
    "mapped by respondent_headers.csv.",
    tables=("staged.survey_responses", "raw.gpps_respondent_cells"),
    load=load_respondents,
    sniff=_looks_like_extract,
)
