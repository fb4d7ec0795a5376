"""Geography as of a date: where a practice, trust or site was on the date of a record.

The rule is said once, in ``geography.sql`` (the ``practice_geography_applies`` macro over
``ref.practice_geography_versions.applies_from / applies_to``); the loaders that place rows (FFT, complaints,
stories, Healthwatch reviews) and the marts use the temp views made here. A trust or site (RXL, RXL01) takes
its trust's ICB from ODS and has no sub-ICB.

Two boundaries (``BOUNDARIES``): ``as_of_period``, the area a practice was in on the record's date, its code
read through the ODS successor chains (``ref.sub_icb_continuity``: no row dated after a CCG ended carries it);
and ``current``, today's sub-ICB and ICB of every practice, as Fingertips re-maps them, so a 2019 CCG series
continues into 2025. The marts that place practices publish both, in their ``boundaries`` column.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.sql import quote_literal, run_sql_file, sql_file
from pipelines.core.store import table_exists
from pipelines.sources.shared.codes import ODS_CHARACTERS, PRACTICE_CODE

GEOGRAPHY_SQL = Path(__file__).with_name("geography.sql")
# The practice geography of each boundaries (practice_geo_<boundaries>.sql), as the marts' ``boundaries`` column
# names them: the boundaries of the record's own date, and today's.
AS_OF_PERIOD = "as_of_period"
CURRENT = "current"
BOUNDARIES = (AS_OF_PERIOD, CURRENT)
PLACED_ROWS_SQL = Path(__file__).with_name("placed_rows.sql")
# ref.sub_icb_continuity's columns the practice geography reads, with no rows: a store without successor data.
NO_SUCCESSIONS = """(SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS sub_icb_code, NULL::VARCHAR AS icb_code,
                            NULL::DATE AS in_force_from, NULL::DATE AS in_force_to, NULL::INTEGER AS steps,
                            NULL::VARCHAR AS current_sub_icb_code, NULL::VARCHAR AS current_icb_code WHERE FALSE)"""


def persist_geography_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The macros of ``geography.sql``, kept in the store itself, so an asset check or an analyst's query on a
    read-only connection can use them (loaders and marts make their own temporary copies)."""
    con.execute(sql_file(GEOGRAPHY_SQL).replace("CREATE OR REPLACE TEMP MACRO", "CREATE OR REPLACE MACRO"))


def ensure_geography_views(con: duckdb.DuckDBPyConnection, boundaries: str = AS_OF_PERIOD) -> None:
    """The macros of ``geography.sql`` and temp views ``_practice_geo`` (the versions, with ``applies_from`` /
    ``applies_to``, on ``boundaries``: see ``practice_geo_<boundaries>.sql``) and ``_trust_geo`` (trust_code,
    icb_code); the views are empty while their reference tables are not loaded, so geography stays NULL in a
    fresh store rather than failing the file."""
    if boundaries not in BOUNDARIES:
        raise ValueError(f"boundaries must be one of {BOUNDARIES}, not {boundaries!r}")
    run_sql_file(con, GEOGRAPHY_SQL)
    if table_exists(con, "ref.nhs_trusts"):
        trusts = "SELECT trust_code, any_value(icb_code) AS icb_code FROM ref.nhs_trusts GROUP BY 1"
    else:
        trusts = "SELECT NULL::VARCHAR AS trust_code, NULL::VARCHAR AS icb_code WHERE FALSE"
    if table_exists(con, "ref.practice_geography_versions"):
        # Without successor records every code keeps the meaning the practice map gave it.
        continuity = (
            "ref.sub_icb_continuity" if table_exists(con, "ref.sub_icb_continuity") else NO_SUCCESSIONS
        )
        practices = sql_file(
            Path(__file__).with_name(f"practice_geo_{boundaries}.sql"), continuity=continuity
        )
    else:
        practices = """SELECT NULL::VARCHAR AS practice_code, NULL::VARCHAR AS pcn_code,
                              NULL::VARCHAR AS sub_icb_code, NULL::VARCHAR AS icb_code,
                              NULL::DATE AS valid_from, NULL::DATE AS valid_to,
                              NULL::DATE AS applies_from, NULL::DATE AS applies_to WHERE FALSE"""
    con.execute(f"CREATE OR REPLACE TEMP VIEW _trust_geo AS {trusts}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW _practice_geo AS {practices}")


def geography_sql(rows: str, key: str = "source_row") -> str:
    """SQL: ``rows`` (with ``key``, ``practice_code``, ``trust_code``, ``geo_date``) + ``geo_sub_icb_code``,
    ``geo_icb_code``: the practice's geography on ``geo_date``, else the trust's ICB.

    Needs :func:`ensure_geography_views`. ``key`` must be unique in ``rows``; every row is returned once.
    """
    return sql_file(PLACED_ROWS_SQL, rows=rows, key=key)


def practice_code_sql(code: str) -> str:
    """SQL: the code when it is shaped like a GP practice code, else NULL."""
    return f"CASE WHEN regexp_full_match({code}, {quote_literal(PRACTICE_CODE)}) THEN {code} END"


def trust_code_sql(code: str) -> str:
    """SQL: the trust a trust or site code belongs to (its first three characters), else NULL."""
    return (
        f"CASE WHEN NOT regexp_full_match({code}, {quote_literal(PRACTICE_CODE)}) AND length({code}) IN (3, 5) "
        f"AND regexp_full_match({code}, {quote_literal(ODS_CHARACTERS)}) THEN left({code}, 3) END"
    )


def code_geography_sql(con: duckdb.DuckDBPyConnection, relation: str, code: str, on_date: str) -> str:
    """SELECT over ``relation`` adding ``practice_code``, ``trust_code``, ``geo_sub_icb_code``, ``geo_icb_code``
    for an ODS ``code`` column that may name a practice (A81001), a trust (RXL) or a site (RXL01), on the
    date ``on_date`` (a column; NULL = today). For stories and reviews that name a service, not an area.

    ``relation`` must have a unique ``_geo_key`` column (the row is returned once, whatever matches).
    """
    ensure_geography_views(con)
    c = f"upper(trim({code}))"
    rows = f"""(SELECT *, {practice_code_sql(c)} AS practice_code, {trust_code_sql(c)} AS trust_code,
                       {on_date} AS geo_date FROM {relation})"""
    # Named once in a CTE: the relation may hold parameters, which must appear once in the statement.
    return (
        f"WITH _coded AS {rows} SELECT * EXCLUDE (geo_date) FROM ({geography_sql('_coded', key='_geo_key')})"
    )
