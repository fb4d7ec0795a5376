"""Feedback Centre-style star-rated reviews (``healthwatch_reviews``) → ``staged.healthwatch_reviews`` and
``staged.comments`` (channel ``review``; 5 stars → rating 1, very positive).
"""

import re

import duckdb

from pipelines.core.sql import sql_file
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.readers.common import (
    HEADER_MAP,
    READERS_DIR,
    SOURCE,
    _mapped,
    date_sql,
    ensure_healthwatch_tables,
)
from pipelines.sources.healthwatch.readers.lookup import la_join
from pipelines.sources.healthwatch.readers.register import _looks_like_register
from pipelines.sources.shared.as_arrived import join_notes, stage_incremental_csv
from pipelines.sources.shared.comments import is_substantive_sql
from pipelines.sources.shared.geography import code_geography_sql
from pipelines.sources.shared.header_map import register_expected_columns

REVIEW_REQUIRED = ("service", "date", "stars", "text")
# Every field a reviews export may have (header_map.csv); one it lacks is read as NULL.
REVIEW_FIELDS = ("review_id", "service", "organisation_code", "local_authority", "date", "stars", "title", "text",
                 "age", "sex", "gender", "ethnicity", "disability", "carer", "sexual_orientation", "religion")  # fmt: skip


def _review_columns(header: list[str]) -> dict[str, str] | None:
    """Field → quoted column of a reviews export, or None when a required field has no column."""
    return _mapped(header, "reviews", REVIEW_REQUIRED)


def _looks_like_reviews(f: LandingFile) -> bool:
    """Reviews: the header maps every required review field and is not a register's."""
    header = f.csv_header()
    return _review_columns(header) is not None and not _looks_like_register(f)


def load_reviews(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """Star-rated reviews → ``staged.healthwatch_reviews``, ``raw.comment_text`` and ``staged.comments``."""
    ensure_healthwatch_tables(con)
    columns = _review_columns(f.csv_header()) or {}
    rows_read, notes = stage_incremental_csv(con, f, "_hwrev")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f.path.stem)
    fields = {field: columns.get(field, "NULL") for field in REVIEW_FIELDS}
    con.execute(
        sql_file(READERS_DIR / "reviews_typed.sql", **fields, review_date=date_sql(fields["date"])),
        {"review_id_prefix": stem + "-"},
    )
    rules = [
        RowRule("star_rating_1_to_5", "stars_text", "stars IS NULL OR stars NOT BETWEEN 1 AND 5",
                "star rating is not a whole number from 1 to 5"),
        RowRule("review_date_format", "date_text", "review_date IS NULL",
                "review date is missing or not a date (2025-03-31, 31/03/2025, 31 March 2025)"),
        RowRule("review_id_unique", "review_id", "_n > 1", "the review id appears more than once in the file"),
    ]  # fmt: skip
    # Duplicate ids are counted first: a window function cannot sit inside the quarantine predicate.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _hwrev_checked AS SELECT *, count(*) OVER (PARTITION BY review_id) AS _n FROM _hwrev_typed"
    )
    quarantined = quarantine_rows(con, "_hwrev_checked", rules, f, policy=P.REVIEWS)
    passing = f"(SELECT * FROM _hwrev_checked WHERE {passing_rows(rules)})"
    con.execute(
        sql_file(
            READERS_DIR / "reviews_placed.sql",
            rows=code_geography_sql(con, passing, "organisation_code", "review_date"),
            la_join=la_join("la", "g.local_authority"),
        )
    )
    params = [f.rel_path, f.sha256]
    con.execute(
        """INSERT INTO raw.comment_text BY NAME
           SELECT comment_id, 'healthwatch_reviews' AS source,
                  CASE WHEN title IS NOT NULL THEN title || E'\\n' ELSE '' END || coalesce(review_text, '') AS text,
                  ? AS source_file, ? AS file_sha256, source_row FROM _hwrev_ok""",
        params,
    )
    con.execute(
        """INSERT INTO staged.healthwatch_reviews BY NAME
           SELECT review_id, comment_id, service_name, organisation_code, practice_code, trust_code,
                  sub_icb_code, icb_code, local_authority_code, review_date, stars, 6 - stars AS rating,
                  ? AS source_file, ? AS file_sha256, source_row FROM _hwrev_ok""",
        params,
    )
    con.execute(
        sql_file(READERS_DIR / "review_comments.sql", is_substantive=is_substantive_sql("review_text")),
        f.provenance_params(),
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


REVIEWS = Layout(
    name="healthwatch_reviews", source=SOURCE,
    description="Feedback Centre-style reviews: service, date, star rating 1-5, review text, optional ODS code and demographics",
    tables=("staged.healthwatch_reviews", "raw.comment_text", "staged.comments"), load=load_reviews,
    sniff=_looks_like_reviews,
)  # fmt: skip
register_expected_columns(REVIEWS.name, SOURCE, HEADER_MAP, "reviews", REVIEW_REQUIRED)
