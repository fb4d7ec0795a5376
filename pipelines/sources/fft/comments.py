"""Comment-level FFT exports → ``raw.comment_text`` + ``staged.comments`` (source ``fft``).

Three real shapes, told apart by their headers and mapped to one set of fields through ``headers.csv``:

- ``trust_upload``: the template trusts export for free-text analysis (``comment_id, date, location_1..3,
  fft, comment, question, sex, gender, age, ethnicity, sexuality, disability, religion``);
- ``public_labelled``: the public labelled set (``Comment ID, Trust, Respondent ID, Date, Service type 1/2,
  FFT categorical answer, FFT question, FFT answer`` + framework label columns);
- ``phase1_labelled``: the phase-1 labelled set (``code, label, subcategory, feedback, criticality,
  organization, question, row_index``).

A "Did not answer" or "N/A" comment is loaded as not substantive; an answer that is not a number (e.g.
"excellent!!") keeps its published value with no rating. Quarantined (``policy.COMMENTS``): rows without
an id, with a repeated id, with an unreadable date, with a numeric answer outside 1-5 (6, don't know, is
kept with no rating) or with no comment text at all.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.fft import policy as P
from pipelines.sources.fft.common import (
    PRACTICE_CODE_RE,
    SITE_CODE_RE,
    TRUST_CODE_RE,
    ensure_fft_tables,
    ensure_geography_views,
    geography_sql,
    resolve_dates,
)
from pipelines.sources.fft.workbook import header_map
from pipelines.sources.shared.comments import ensure_comment_tables, is_substantive_sql

FIELDS = ("record_id", "date", "organisation_code", "organisation", "respondent_id", "location_1", "location_2",
          "location_3", "score", "comment", "question", "sex", "gender", "age", "ethnicity", "sexuality",
          "disability", "religion", "carer")  # fmt: skip
REQUIRED = {"trust_upload": ("record_id", "comment"), "public_labelled": ("record_id", "comment", "score"),
            "phase1_labelled": ("record_id", "comment")}  # fmt: skip

SCORE_SQL = """CASE regexp_replace(lower(trim(coalesce(score, ''))), '[^a-z0-9 ]', '', 'g')
    WHEN '1' THEN 1 WHEN 'very good' THEN 1 WHEN 'extremely likely' THEN 1
    WHEN '2' THEN 2 WHEN 'good' THEN 2 WHEN 'likely' THEN 2
    WHEN '3' THEN 3 WHEN 'neither good nor poor' THEN 3 WHEN 'neither likely nor unlikely' THEN 3
    WHEN '4' THEN 4 WHEN 'poor' THEN 4 WHEN 'unlikely' THEN 4
    WHEN '5' THEN 5 WHEN 'very poor' THEN 5 WHEN 'extremely unlikely' THEN 5
END"""


def fft_scores(values: list[str | None]) -> list[int | None]:
    """``SCORE_SQL`` for Python callers (CSV coding): FFT answers as written ("Very good", "1", "Extremely
    likely" ...) -> 1 very good ... 5 very poor, None for anything else (blank, "Don't know")."""
    frame = pd.DataFrame({"i": range(len(values)), "score": pd.Series(values, dtype="string")})
    with duckdb.connect() as con:
        con.register("scores", frame)
        return [row[0] for row in con.execute(f"SELECT {SCORE_SQL} FROM scores ORDER BY i").fetchall()]


def age_band_sql(column: str) -> str:
    """SQL: an age in years or a band as written → the GPPS age bands (or the vocabulary's own value)."""
    years = f"try_cast(trim({column}) AS INTEGER)"
    bands = " ".join(
        f"WHEN {years} < {upper} THEN '{band}'"
        for upper, band in (
            (16, "Under 16"),
            (25, "16-24"),
            (35, "25-34"),
            (45, "35-44"),
            (55, "45-54"),
            (65, "55-64"),
            (75, "65-74"),
            (85, "75-84"),
        )  # fmt: skip
    )
    return f"CASE WHEN {years} IS NOT NULL THEN CASE {bands} ELSE '85+' END ELSE harmonise('age_band', {column}) END"


def clean_text_sql(column: str) -> str:
    """SQL: non-breaking spaces to spaces, runs of spaces folded, trimmed; '' → NULL."""
    return f"nullif(trim(regexp_replace(replace({column}, chr(160), ' '), '[ \\t]+', ' ', 'g')), '')"


def _ods_sql(column: str) -> str:
    code = f"upper(trim({column}))"
    return (
        f"CASE WHEN regexp_full_match({code}, '{PRACTICE_CODE_RE[1:-1]}') OR regexp_full_match({code}, "
        f"'{SITE_CODE_RE[1:-1]}') OR regexp_full_match({code}, '{TRUST_CODE_RE[1:-1]}') THEN {code} END"
    )


# Each demographic field of a comment export and the people-vocabulary columns written from it: (name,
# SQL of the harmonised value with ``{v}`` for the value as written).
PEOPLE_FIELDS_OUT: dict[str, tuple[tuple[str, str], ...]] = {
    "age": (("age_band", age_band_sql("{v}")),),
    "sex": (("sex", "harmonise('sex', {v})"),),
    "gender": (("gender_identity", "harmonise('gender_identity', {v})"),),
    "ethnicity": (("ethnicity", "harmonise('ethnicity', {v})"), ("ethnicity_band", "harmonise_band('ethnicity', {v})")),
    "disability": (("disability", "harmonise('disability', {v})"),),
    "carer": (("carer", "harmonise('carer', {v})"),),
    "sexuality": (("sexual_orientation", "harmonise('sexual_orientation', {v})"),),
    "religion": (("religion", "harmonise('religion', {v})"),),
}  # fmt: skip

COMMENT_RULES = [
    RowRule("comment_id_present", "record_id", "record_id IS NULL", "the row has no comment / record id"),
    RowRule("comment_id_unique", "record_id", "occurrence > 1", "the comment id appears earlier in the same file"),
    RowRule("date_readable", "date_text", "date_text IS NOT NULL AND comment_date IS NULL",
            "the date is not d/m/Y, m/d/Y or ISO"),
    RowRule("score_in_range", "score", "try_cast(trim(score) AS DOUBLE) NOT IN (1, 2, 3, 4, 5, 6)",
            "the FFT answer is a number outside 1-5 (6: don't know)"),
    RowRule("comment_present", "comment", "comment_text IS NULL OR trim(comment_text) = ''",
            "the row has no comment text"),
]  # fmt: skip


def load_comment_export(con: duckdb.DuckDBPyConnection, f: LandingFile, layout: str) -> LoadCounts:
    """Load one comment export of ``layout`` (a name in ``headers.csv``)."""

    ensure_fft_tables(con)
    ensure_comment_tables(con)
    header = f.csv_header()
    mapping = header_map(layout)
    chosen: dict[str, str] = {}
    for column in header:
        field = mapping.get(column)
        if field and field not in chosen:
            chosen[field] = column
    missing = [field for field in REQUIRED[layout] if field not in chosen]
    if missing:
        wanted = {field: sorted(h for h, fl in mapping.items() if fl == field) for field in missing}
        raise FileRejected(
            f"{f.rel_path}: recognised as FFT {layout} export but no column for "
            + "; ".join(
                f"{field} (expected one of: {', '.join(spellings)})" for field, spellings in wanted.items()
            )
        )
    rows_read = stage_csv(con, f, "_fc")

    def quoted(column: str) -> str:
        return '"' + column.replace('"', '""') + '"'

    keys = ", ".join("'" + c.replace("'", "''") + "'" for c in header)
    values = ", ".join(quoted(c) for c in header)
    con.execute(
        f"""INSERT INTO raw.fft_comment_rows BY NAME
            SELECT ? AS source_file, ? AS file_sha256, source_row, ? AS layout, {quoted(chosen["record_id"])} AS record_id,
                   map([{keys}], [{values}]) AS fields
            FROM _fc""",
        [f.rel_path, f.sha256, layout],
    )
    select = ", ".join(
        f"{quoted(chosen[field]) if field in chosen else 'NULL::VARCHAR'} AS {field}" for field in FIELDS
    )
    # Views and early drops, not a copy per step: a national export is ~1 GB, and every temporary copy of it
    # is memory, or disk in the spill folder once over the memory cap (README, "Large files").
    con.execute(f"CREATE OR REPLACE TEMP VIEW _fc_fields AS SELECT source_row, {select} FROM _fc")
    resolve_dates(con, "_fc_fields", f"{clean_text_sql('date')}")
    # Ids are unique per source and path: the same file name in two sub-folders is two namespaces.
    namespace = f.rel_path.split("/", 1)[-1].rsplit(".", 1)[0].replace("'", "")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _fc_rows AS
        WITH base AS (
            SELECT c.*, {clean_text_sql("record_id")} AS record_key, {clean_text_sql("date")} AS date_text,
                   d.resolved_date AS comment_date, coalesce(d.date_ambiguous, FALSE) AS date_ambiguous, d.date_order,
                   coalesce({_ods_sql("organisation_code")}, {_ods_sql("organisation")}, {_ods_sql("location_1")},
                            {_ods_sql("location_2")}) AS org_code
            FROM _fc_fields c LEFT JOIN _dates d ON d.key = c.source_row
        )
        SELECT *,
            CASE WHEN regexp_full_match(org_code, '{PRACTICE_CODE_RE[1:-1]}') THEN org_code END AS practice_code,
            CASE WHEN NOT regexp_full_match(org_code, '{PRACTICE_CODE_RE[1:-1]}') THEN left(org_code, 3) END AS trust_code,
            comment_date AS geo_date,
            'fft:' || coalesce(CASE WHEN NOT regexp_full_match(org_code, '{PRACTICE_CODE_RE[1:-1]}') THEN left(org_code, 3) END,
                               org_code, {clean_text_sql("organisation")}, '{namespace}') || ':' || record_key AS comment_id,
            row_number() OVER (PARTITION BY record_key, coalesce(org_code, organisation) ORDER BY source_row) AS occurrence,
            {clean_text_sql("comment")} AS comment_text  -- once: raw.comment_text and is_substantive both read it
        FROM (SELECT * EXCLUDE (record_id), record_key AS record_id FROM base)
        """
    )
    con.execute("DROP VIEW _fc_fields; DROP TABLE _fc")
    quarantined = quarantine_rows(con, "_fc_rows", COMMENT_RULES, f, policy=P.COMMENTS)
    keep = passing_rows(COMMENT_RULES)
    ensure_geography_views(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _fc_keep AS {geography_sql(f'(SELECT * FROM _fc_rows WHERE {keep})')}"
    )
    con.execute("DROP TABLE _fc_rows")
    con.execute(
        """INSERT INTO raw.comment_text BY NAME
            SELECT comment_id, 'fft' AS source, comment_text AS text,
                   ? AS source_file, ? AS file_sha256, source_row FROM _fc_keep""",
        [f.rel_path, f.sha256],
    )

    # The people vocabulary is applied once per DISTINCT value written, not once per row: the harmonise
    # macros normalise the spelling with regular expressions and look it up, nine columns a row.
    people = [field for field in PEOPLE_FIELDS_OUT if field in chosen]
    if people:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _fc_people AS "
            + " UNION ALL ".join(
                f"SELECT '{name}' AS name, raw, {expression.replace('{v}', 'raw')} AS value "
                f"FROM (SELECT DISTINCT {field} AS raw FROM _fc_keep)"
                for field in people
                for name, expression in PEOPLE_FIELDS_OUT[field]
            )
        )
    joins = " ".join(
        f"LEFT JOIN _fc_people p_{name} ON p_{name}.name = '{name}' AND p_{name}.raw IS NOT DISTINCT FROM k.{field}"
        for field in people
        for name, _ in PEOPLE_FIELDS_OUT[field]
    )

    def demographic(field: str, dimension: str, band: bool = False) -> str:
        if field not in chosen:
            return "NULL"
        return f"p_{dimension}{'_band' if band else ''}.value"

    age = "p_age_band.value" if "age" in chosen else "NULL"
    con.execute(
        f"""INSERT INTO staged.comments BY NAME
            SELECT comment_id, 'fft' AS source, 'survey_comment' AS channel, record_id AS source_record_id,
                   org_code AS organisation_code, practice_code, trust_code, geo_sub_icb_code AS sub_icb_code,
                   geo_icb_code AS icb_code, comment_date, date_ambiguous, {clean_text_sql("question")} AS question,
                   comment_id AS text_ref, {is_substantive_sql("comment_text")} AS is_substantive,
                   {SCORE_SQL} AS rating, {clean_text_sql("score")} AS rating_as_published,
                   {age} AS age_band, {demographic("sex", "sex")} AS sex,
                   {demographic("gender", "gender_identity")} AS gender_identity,
                   {demographic("ethnicity", "ethnicity")} AS ethnicity,
                   {demographic("ethnicity", "ethnicity", band=True)} AS ethnicity_band,
                   {demographic("disability", "disability")} AS disability, {demographic("carer", "carer")} AS carer,
                   {demographic("sexuality", "sexual_orientation")} AS sexual_orientation,
                   {demographic("religion", "religion")} AS religion,
                   ? AS source_file, ? AS file_sha256, source_row
            FROM _fc_keep k {joins}""",
        [f.rel_path, f.sha256],
    )
    con.execute(
        f"""INSERT INTO staged.fft_comment_details BY NAME
            SELECT comment_id, ? AS layout, {clean_text_sql("respondent_id")} AS respondent_id,
                   coalesce({clean_text_sql("organisation_code")}, {clean_text_sql("organisation")}) AS organisation_as_written,
                   {clean_text_sql("location_1")} AS location_1, {clean_text_sql("location_2")} AS location_2,
                   {clean_text_sql("location_3")} AS location_3, date_text AS date_as_written, date_order,
                   {clean_text_sql("score")} AS score_as_written, ? AS source_file, ? AS file_sha256, source_row
            FROM _fc_keep""",
        [layout, f.rel_path, f.sha256],
    )
    con.execute("DROP TABLE IF EXISTS _fc_keep; DROP TABLE IF EXISTS _fc_people; DROP TABLE IF EXISTS _dates")
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)
