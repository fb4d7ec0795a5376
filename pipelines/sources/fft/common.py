"""SQL helpers shared by the FFT and complaints readers: mixed-order dates (geography: sources/shared/geography)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.sql import run_sql_file
from pipelines.sources.shared.comments import ensure_comment_tables

# Day/month order of a d/m/Y-or-m/d/Y date. A part above 12 settles the order for that row; when both
# parts are 12 or less the file's dominant order (from its settled rows) is used and the row is flagged.
# Real exports mix the two (the public labelled FFT set has 30/09/2021 beside 1/18/2022).
DATE_PARTS_MACROS = r"""
CREATE OR REPLACE MACRO chorus_date_parts(v) AS
    regexp_extract(trim(replace(CAST(v AS VARCHAR), chr(160), ' ')),
                   '^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})', ['a', 'b', 'y']);
CREATE OR REPLACE MACRO chorus_iso_date(v) AS
    try_strptime(left(trim(CAST(v AS VARCHAR)), 10), '%Y-%m-%d')::DATE;
CREATE OR REPLACE MACRO chorus_year(y) AS
    CASE WHEN length(y) = 2 THEN 2000 + CAST(y AS INTEGER) ELSE CAST(y AS INTEGER) END;
"""


def ensure_date_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``chorus_date_parts`` / ``chorus_iso_date`` macros used by :func:`resolve_date_texts`."""
    con.execute(DATE_PARTS_MACROS)


def resolve_date_texts(
    con: duckdb.DuckDBPyConnection, table: str, text_column: str, by: str | None = None
) -> None:
    """Create temp table ``_date_texts`` (``date_text``, ``resolved_date``, ``date_ambiguous``, ``date_order``,
    and ``by`` when given): one row per distinct non-empty ``text_column`` (SQL over ``table``'s columns) of
    ``table``, or of each value of its column ``by`` (each file of a batch of files).

    ISO dates (2025-07-01, with or without a time) are read as they are. Slash dates: a first part
    above 12 means d/m/Y, a second part above 12 means m/d/Y; otherwise the file's majority order of
    settled rows decides (d/m/Y, the UK order, on a tie) and ``date_ambiguous`` is TRUE unless day = month.
    Each distinct text is parsed once (a month of comments has a few dozen dates); the majority counts rows.
    """
    ensure_date_macros(con)
    group = f"{by}, " if by else ""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _date_texts AS
        WITH texts AS (
            SELECT {group}{text_column} AS date_text, count(*) AS n FROM {table} GROUP BY ALL
        ), parts AS (
            SELECT *, chorus_iso_date(date_text) AS iso, chorus_date_parts(date_text) AS p
            FROM texts WHERE date_text IS NOT NULL
        ), nums AS (
            SELECT {group}date_text, n, iso, try_cast(nullif(p.a, '') AS INTEGER) AS a,
                   try_cast(nullif(p.b, '') AS INTEGER) AS b,
                   CASE WHEN p.y <> '' THEN chorus_year(p.y) END AS y
            FROM parts
        ), majority AS (
            SELECT {group}coalesce(sum(CASE WHEN b > 12 THEN n ELSE 0 END), 0)
                   > coalesce(sum(CASE WHEN a > 12 THEN n ELSE 0 END), 0) AS month_first
            FROM nums {"GROUP BY " + by if by else ""}
        )
        SELECT {"nums." + by + ", " if by else ""}date_text,
               coalesce(iso,
                   CASE WHEN a > 12 OR (b <= 12 AND NOT m.month_first) THEN try_cast(make_date(y, b, a) AS DATE)
                        ELSE try_cast(make_date(y, a, b) AS DATE) END) AS resolved_date,
               iso IS NULL AND a IS NOT NULL AND a <= 12 AND b <= 12 AND a <> b AS date_ambiguous,
               CASE WHEN iso IS NOT NULL THEN 'iso' WHEN a > 12 THEN 'd/m/Y' WHEN b > 12 THEN 'm/d/Y'
                    WHEN a IS NULL THEN NULL WHEN m.month_first THEN 'm/d/Y (file majority)'
                    ELSE 'd/m/Y (file majority)' END AS date_order
        FROM nums {"JOIN majority m USING (" + by + ")" if by else ", majority m"}
        """
    )


def resolve_dates(
    con: duckdb.DuckDBPyConnection, table: str, text_column: str, key: str = "source_row"
) -> None:
    """Create temp table ``_dates`` (``key``, ``resolved_date``, ``date_ambiguous``, ``date_order``) for every
    row of ``table``: :func:`resolve_date_texts`'s reading of its ``text_column`` (a row without a date has
    NULL dates and ``date_ambiguous`` FALSE)."""
    resolve_date_texts(con, table, text_column)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _dates AS
        SELECT t.key, d.resolved_date, coalesce(d.date_ambiguous, FALSE) AS date_ambiguous, d.date_order
        FROM (SELECT {key} AS key, {text_column} AS date_text FROM {table}) t
        LEFT JOIN _date_texts d ON d.date_text = t.date_text
        """
    )


TABLES_SQL = Path(__file__).with_name("tables.sql")
COMMENT_TABLES = ("raw.fft_comment_rows", "raw.comment_text", "staged.comments", "staged.fft_comment_details")


def ensure_fft_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the FFT tables, the shared comments tables and the ``staged.fft_comments`` view."""
    run_sql_file(con, TABLES_SQL)
    ensure_comment_tables(con)
    con.execute(
        """CREATE OR REPLACE VIEW staged.fft_comments AS
           SELECT c.*, d.layout, d.respondent_id, d.organisation_as_written, d.location_1, d.location_2, d.location_3,
                  d.date_as_written, d.date_order
           FROM staged.comments c LEFT JOIN staged.fft_comment_details d USING (comment_id)
           WHERE c.source = 'fft'"""
    )
