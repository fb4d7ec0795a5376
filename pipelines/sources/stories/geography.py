"""ODS code → geography, for stories and reviews that name a service rather than an area.

A GP practice code (a letter and five digits, A81001) joins ``ref.practice_geography_versions`` at the
date of the story (sub-ICB and ICB of that time; before the first extract, the first one). Anything else
of 3 or 5 characters is read as a trust (RXL) or one of its sites (RXL01): its first three characters
join ``ref.nhs_trusts`` for the ICB. A trust has no sub-ICB. Reference tables not loaded yet give NULLs,
and the geography is refreshed on the next run (see ``refresh`` functions in the layouts).
"""

from __future__ import annotations

import duckdb

from pipelines.core.sql import quote_literal
from pipelines.core.store import table_exists
from pipelines.sources.shared.codes import ODS_CHARACTERS, PRACTICE_CODE


def practice_code_sql(code: str) -> str:
    """SQL: the code when it is shaped like a GP practice code, else NULL."""
    return f"CASE WHEN regexp_full_match({code}, {quote_literal(PRACTICE_CODE)}) THEN {code} END"


def trust_code_sql(code: str) -> str:
    """SQL: the trust a trust or site code belongs to (first three characters), else NULL."""
    return (
        f"CASE WHEN NOT regexp_full_match({code}, {quote_literal(PRACTICE_CODE)}) AND length({code}) IN (3, 5) "
        f"AND regexp_full_match({code}, {quote_literal(ODS_CHARACTERS)}) THEN left({code}, 3) END"
    )


def geography_sql(con: duckdb.DuckDBPyConnection, relation: str, code: str, on_date: str) -> str:
    """SELECT over ``relation`` adding practice_code, trust_code, geo_sub_icb_code, geo_icb_code.

    ``relation`` must have a unique ``_geo_key`` column (the row is returned once, whatever matches).
    """
    if table_exists(con, "ref.practice_geography_versions"):
        practices = """SELECT practice_code, sub_icb_code, icb_code, valid_from, valid_to,
                              valid_from = min(valid_from) OVER (PARTITION BY practice_code) AS is_first
                       FROM ref.practice_geography_versions"""
    else:
        practices = """SELECT NULL::VARCHAR AS practice_code, NULL::VARCHAR AS sub_icb_code,
                              NULL::VARCHAR AS icb_code, NULL::DATE AS valid_from, NULL::DATE AS valid_to,
                              NULL::BOOLEAN AS is_first WHERE FALSE"""
    if table_exists(con, "ref.nhs_trusts"):
        trusts = "SELECT trust_code, any_value(icb_code) AS icb_code FROM ref.nhs_trusts GROUP BY 1"
    else:
        trusts = "SELECT NULL::VARCHAR AS trust_code, NULL::VARCHAR AS icb_code WHERE FALSE"
    return f"""
        WITH _p AS ({practices}), _t AS ({trusts}),
        _r AS (SELECT *, upper(trim({code})) AS _code, {on_date} AS _on FROM {relation})
        SELECT _r.* EXCLUDE (_code, _on),
               {practice_code_sql("_r._code")} AS practice_code,
               {trust_code_sql("_r._code")} AS trust_code,
               _p.sub_icb_code AS geo_sub_icb_code,
               coalesce(_p.icb_code, _t.icb_code) AS geo_icb_code
        FROM _r
        LEFT JOIN _p ON _p.practice_code = _r._code
             AND ((_r._on >= _p.valid_from AND (_p.valid_to IS NULL OR _r._on < _p.valid_to))
                  OR (_p.is_first AND _r._on < _p.valid_from)
                  OR (_r._on IS NULL AND _p.valid_to IS NULL))
        LEFT JOIN _t ON _t.trust_code = {trust_code_sql("_r._code")}
        QUALIFY row_number() OVER (PARTITION BY _r._geo_key ORDER BY _p.valid_from DESC NULLS LAST) = 1
    """
