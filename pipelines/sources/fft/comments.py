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

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.core.sql import quote_identifier, quote_literal, sql_file
from pipelines.ingest.csv_staging import CsvRead, quarantine_unreadable_rows, read_csv_rows
from pipelines.ingest.detect import ClearFiles, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows_by_file
from pipelines.sources.fft import policy as P
from pipelines.sources.fft.common import (
    ensure_fft_tables,
    resolve_date_texts,
)
from pipelines.sources.fft.workbook import header_map
from pipelines.sources.shared.codes import PRACTICE_CODE, PRACTICE_SITE_OR_TRUST_CODE
from pipelines.sources.shared.comments import is_substantive_sql
from pipelines.sources.shared.geography import ensure_geography_views, geography_sql

FIELDS = ("record_id", "date", "organisation_code", "organisation", "respondent_id", "location_1", "location_2",
          "location_3", "score", "comment", "question", "sex", "gender", "age", "ethnicity", "sexuality",
          "disability", "religion", "carer")  # fmt: skip
HERE = Path(__file__).parent
COMMENT_ROWS_SQL = HERE / "comment_rows.sql"
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
    # The regular expression changes only a value with a tab, a non-breaking space or two spaces in a row;
    # the three tests cost a tenth of it on a long comment, so every other value skips it.
    folded = f"regexp_replace(replace({column}, chr(160), ' '), '[ \\t]+', ' ', 'g')"
    needs_folding = f"contains({column}, '  ') OR contains({column}, chr(9)) OR contains({column}, chr(160))"
    return f"nullif(trim(CASE WHEN {needs_folding} THEN {folded} ELSE {column} END), '')"


def ensure_comment_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Temp macros ``comment_rows.sql`` uses, written from the rules above so each is said once:
    ``fft_clean_text(v)``, ``fft_ods_code(v)`` (upper-cased ODS code or NULL), ``fft_practice_code(code)``."""
    code = "upper(trim(v))"
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO fft_clean_text(v) AS {clean_text_sql("v")};
            CREATE OR REPLACE TEMP MACRO fft_ods_code(v) AS
                CASE WHEN regexp_full_match({code}, {quote_literal(PRACTICE_SITE_OR_TRUST_CODE)}) THEN {code} END;
            CREATE OR REPLACE TEMP MACRO fft_practice_code(code) AS regexp_full_match(code, {quote_literal(PRACTICE_CODE)});"""
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
    answer = load_comment_exports(con, [f], lambda files: None, layout)[f.rel_path]
    if isinstance(answer, FileRejected):
        raise answer
    return answer


# The CSV bytes of a batch's files typed and written by one set of statements. DuckDB splits a statement's
# work by row group (122,880 rows): one monthly export is one row group, so statements over one file run
# on one core, over several files on all of them. The cap bounds the temporary copies (a national export
# is ~1 GB, and every temporary copy is memory, or disk in the spill folder over the memory cap).
WRITE_TOGETHER_BYTES = 128 << 20


def load_comment_exports(
    con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], clear: ClearFiles, layout: str
) -> dict[str, LoadCounts | FileRejected]:
    """Load comment exports of ``layout`` (``Layout.load_batch``; :func:`load_comment_export` is the batch
    of one), each file's rows, quarantine and counts exactly as if it were loaded alone.

    A file that cannot be read is answered with its ``FileRejected`` before anything of it is cleared or
    written. Each other file is cleared (``clear``), its unreadable rows quarantined and its rows as read
    written to ``raw.fft_comment_rows``; then the files are typed and written together, up to
    ``WRITE_TOGETHER_BYTES`` of them at a time.
    """
    ensure_fft_tables(con)
    answers: dict[str, LoadCounts | FileRejected] = {}
    staged: list[tuple[LandingFile, int, dict[str, str]]] = []  # file, rows kept after reading, its columns
    for f in files:
        try:
            chosen = _chosen_columns(f, layout)
            read = read_csv_rows(con, f, "_fc")
        except FileRejected as exc:
            answers[f.rel_path] = exc
            continue
        clear([f])
        staged.append((f, quarantine_unreadable_rows(con, read), chosen))
        _stage_rows(con, read, len(staged) == 1, chosen, layout)
        if sum(g.bytes for g, _, _ in staged) >= WRITE_TOGETHER_BYTES:
            answers |= _write_staged(con, staged, layout)
            staged = []
    if staged:
        answers |= _write_staged(con, staged, layout)
    return answers


def _chosen_columns(f: LandingFile, layout: str) -> dict[str, str]:
    """Each field of ``FIELDS`` the file has → its column (the first spelling in the header); ``FileRejected``
    naming the accepted spellings when a field the layout requires has none."""
    mapping = header_map(layout)
    chosen: dict[str, str] = {}
    for column in f.csv_header():
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
    return chosen


def _stage_rows(
    con: duckdb.DuckDBPyConnection, read: CsvRead, first: bool, chosen: dict[str, str], layout: str
) -> None:
    """Write the rows of ``read`` (temp table ``_fc``, dropped here) as read to ``raw.fft_comment_rows`` and add
    them to the staged batch: ``_fc_files`` (one row per file: its number, path, hash, id namespace and
    fields), ``_fc_batch`` (its FIELDS, as written)."""
    f = read.landing_file
    if first:
        fields = ", ".join(f"{field} VARCHAR" for field in FIELDS)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _fc_files (file_no INTEGER, source_file VARCHAR, file_sha256 VARCHAR,
                                                         namespace VARCHAR, fields VARCHAR[]);
                CREATE OR REPLACE TEMP TABLE _fc_batch (file_no INTEGER, source_row BIGINT, {fields})"""
        )
    # Ids are unique per source and path: the same file name in two sub-folders is two namespaces.
    namespace = f.rel_path.split("/", 1)[-1].rsplit(".", 1)[0].replace("'", "")
    file_no = con.execute(
        "INSERT INTO _fc_files SELECT count(*) + 1, ?, ?, ?, ? FROM _fc_files RETURNING file_no",
        [f.rel_path, f.sha256, namespace, list(chosen)],
    ).fetchone()[0]
    # The row as read, every column under its header: a struct cast to a map (a quarter of the cost of
    # map(keys, values), which checks every row's keys). Written file by file: staging the maps to write
    # them with the batch costs more than it saves.
    as_read = ", ".join(f"{quote_literal(c)}: {quote_identifier(c)}" for c in read.columns)
    con.execute(
        f"""INSERT INTO raw.fft_comment_rows BY NAME
            SELECT ? AS source_file, ? AS file_sha256, source_row, ? AS layout,
                   {quote_identifier(chosen["record_id"])} AS record_id,
                   CAST({{{as_read}}} AS MAP(VARCHAR, VARCHAR)) AS fields
            FROM _fc""",
        [f.rel_path, f.sha256, layout],
    )
    select = ", ".join(
        f"{quote_identifier(chosen[field]) if field in chosen else 'NULL::VARCHAR'} AS {field}"
        for field in FIELDS
    )
    con.execute(f"INSERT INTO _fc_batch BY NAME SELECT {file_no} AS file_no, source_row, {select} FROM _fc")
    con.execute(f"DROP TABLE {read.target}")


def _write_staged(
    con: duckdb.DuckDBPyConnection, staged: Sequence[tuple[LandingFile, int, dict[str, str]]], layout: str
) -> dict[str, LoadCounts]:
    """Type, quarantine and write the staged batch (``_fc_batch``, ``_fc_files``); each file's counts."""
    resolve_date_texts(con, "_fc_batch", clean_text_sql("date"), by="file_no")
    ensure_comment_macros(con)
    con.execute(sql_file(COMMENT_ROWS_SQL, passes=passing_rows(COMMENT_RULES)))
    con.execute("DROP TABLE _fc_batch; DROP TABLE _date_texts")
    quarantined = quarantine_rows_by_file(
        con,
        "(SELECT r.*, f.source_file, f.file_sha256 FROM _fc_rows r JOIN _fc_files f USING (file_no))",
        COMMENT_RULES,
        staged[0][0].source,
        policy=P.COMMENTS,
    )
    keep = "(SELECT r.*, f.source_file, f.file_sha256 FROM _fc_rows r JOIN _fc_files f USING (file_no) WHERE passes)"
    con.execute(
        f"""INSERT INTO raw.comment_text BY NAME
            SELECT comment_id, 'fft' AS source, comment_text AS text, source_file, file_sha256, source_row
            FROM {keep}"""
    )

    # The people vocabulary is applied once per DISTINCT value written, not once per row: the harmonise
    # macros normalise the spelling with regular expressions and look it up, nine columns a row.
    present = {field for _, _, chosen in staged for field in chosen}
    people = [field for field in PEOPLE_FIELDS_OUT if field in present]
    if people:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _fc_people AS "
            + " UNION ALL ".join(
                f"SELECT '{name}' AS name, raw, {expression.replace('{v}', 'raw')} AS value "
                f"FROM (SELECT DISTINCT {field} AS raw FROM {keep})"
                for field in people
                for name, expression in PEOPLE_FIELDS_OUT[field]
            )
        )
    joins = " ".join(
        f"LEFT JOIN _fc_people p_{name} ON p_{name}.name = '{name}' AND p_{name}.raw IS NOT DISTINCT FROM k.{field}"
        for field in people
        for name, _ in PEOPLE_FIELDS_OUT[field]
    )

    def demographic(field: str, dimension: str) -> str:
        # A file without the column says nothing (NULL); a blank value in a file with it is 'Not stated'.
        if field not in present:
            return "NULL"
        return f"CASE WHEN list_contains(f.fields, '{field}') THEN p_{dimension}.value END"

    demographics = ", ".join(
        f"{demographic(field, name)} AS {name}"
        for field, columns in PEOPLE_FIELDS_OUT.items()
        for name, _ in columns
    )
    ensure_geography_views(con)
    con.execute(
        sql_file(
            HERE / "staged_comments.sql",
            is_substantive=is_substantive_sql("comment_text"),
            rating=SCORE_SQL,
            demographics=demographics,
            rows=geography_sql(keep, key="batch_row"),
            people_joins=joins,
        )
    )
    con.execute(sql_file(HERE / "staged_fft_comment_details.sql", rows=keep), {"layout": layout})
    con.execute("DROP TABLE _fc_rows; DROP TABLE _fc_files; DROP TABLE IF EXISTS _fc_people")
    counts: dict[str, LoadCounts] = {}
    for f, rows_read, _ in staged:
        held = quarantined.get(f.rel_path, 0)
        counts[f.rel_path] = LoadCounts(rows_read, rows_read - held, held)
    return counts
