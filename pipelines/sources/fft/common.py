"""SQL helpers shared by the FFT and complaints readers: mixed-order dates (geography: sources/shared/geography)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.sql import run_sql_file, sql_file
from pipelines.sources.shared.comments import ensure_comment_tables

HERE = Path(__file__).parent


def ensure_date_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``chorus_date_parts`` / ``chorus_iso_date`` macros used by :func:`resolve_date_texts`."""
    run_sql_file(con, HERE / "date_macros.sql")


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
    con.execute(
        sql_file(
            HERE / "date_texts.sql",
            table=table,
            date_text=text_column,
            group=f"{by}, " if by else "",
            group_by=f"GROUP BY {by}" if by else "",
            group_column=f"nums.{by}, " if by else "",
            majority_join=f"JOIN majority m USING ({by})" if by else ", majority m",
        )
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


TABLES_SQL = HERE / "tables.sql"
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
