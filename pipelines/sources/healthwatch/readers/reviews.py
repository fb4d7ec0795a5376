"""Feedback Centre-style star-rated reviews (``healthwatch_reviews``) → ``staged.healthwatch_reviews`` and
``staged.comments`` (channel ``review``; 5 stars → rating 1, very positive).
"""

import re

import duckdb

from pipelines.core.sql import quote_literal
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.readers.common import (
    HEADER_MAP,
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

    def col(key: str) -> str:
        return columns.get(key, "NULL")

    rows_read, notes = stage_incremental_csv(con, f, "_hwrev")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f.path.stem)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _hwrev_typed AS
        SELECT source_row,
               coalesce(nullif(trim({col("review_id")}), ''), {quote_literal(stem + "-")} || source_row) AS review_id,
               nullif(trim({col("service")}), '') AS service_name,
               nullif(upper(trim({col("organisation_code")})), '') AS organisation_code,
               nullif(trim({col("local_authority")}), '') AS local_authority,
               {col("date")} AS date_text, {date_sql(col("date"))} AS review_date,
               {col("stars")} AS stars_text, try_cast(trim({col("stars")}) AS INTEGER) AS stars,
               nullif(trim({col("title")}), '') AS title, {col("text")} AS review_text,
               {col("age")} AS age, {col("sex")} AS sex, {col("gender")} AS gender,
               {col("ethnicity")} AS ethnicity, {col("disability")} AS disability, {col("carer")} AS carer,
               {col("sexual_orientation")} AS sexual_orientation, {col("religion")} AS religion,
               source_row AS _geo_key
        FROM _hwrev
        """
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
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _hwrev_ok AS
        SELECT g.*, 'healthwatch_reviews:' || g.review_id AS comment_id,
               la.local_authority_code, coalesce(g.geo_sub_icb_code, la.sub_icb_code) AS sub_icb_code,
               coalesce(g.geo_icb_code, la.icb_code) AS icb_code
        FROM ({code_geography_sql(con, f"(SELECT * FROM _hwrev_checked WHERE {passing_rows(rules)})", "organisation_code", "review_date")}) g
        {la_join("la", "g.local_authority")}
        """
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
        f"""INSERT INTO staged.comments BY NAME
            SELECT comment_id, 'healthwatch_reviews' AS source, 'review' AS channel, review_id AS source_record_id,
                   organisation_code, practice_code, trust_code, sub_icb_code, icb_code, local_authority_code,
                   review_date AS comment_date, 'Tell us about your experience of ' || coalesce(service_name, 'this service') AS question,
                   comment_id AS text_ref, {is_substantive_sql("review_text")} AS is_substantive,
                   6 - stars AS rating, stars_text || ' star' || CASE WHEN stars = 1 THEN '' ELSE 's' END AS rating_as_published,
                   harmonise('age_band', age) AS age_band, harmonise('sex', sex) AS sex,
                   harmonise('gender_identity', gender) AS gender_identity, harmonise('ethnicity', ethnicity) AS ethnicity,
                   harmonise_band('ethnicity', ethnicity) AS ethnicity_band, harmonise('disability', disability) AS disability,
                   harmonise('carer', carer) AS carer, harmonise('sexual_orientation', sexual_orientation) AS sexual_orientation,
                   harmonise('religion', religion) AS religion, ? AS source_file, ? AS file_sha256, source_row
            FROM _hwrev_ok""",
        params,
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


REVIEWS = Layout(
    name="healthwatch_reviews", source=SOURCE,
    description="Feedback Centre-style reviews: service, date, star rating 1-5, review text, optional ODS code and demographics",
    tables=("staged.healthwatch_reviews", "raw.comment_text", "staged.comments"), load=load_reviews,
    sniff=_looks_like_reviews,
)  # fmt: skip
register_expected_columns(REVIEWS.name, SOURCE, HEADER_MAP, "reviews", REVIEW_REQUIRED)
