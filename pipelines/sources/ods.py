"""Organisation codes known to the ODS reference, for the ``known_organisation`` quarantine rule.

Complaints and stories name organisations by ODS code. A code the reference does not know is quarantined
(``known_organisation``) rather than loaded with no geography, or joined by its first three characters to
a trust it may not belong to. A practice-shaped code (A81001) is known when ``ref.gp_practices`` or the
practice map lists it; any other code (a trust RXL or one of its sites RXL01) when ``ref.nhs_trusts``
lists its trust. Each kind is checked only once its reference holds rows: in a fresh store loaded before
its reference, codes are not judged (geography is filled in when the reference arrives).
"""

from __future__ import annotations

import duckdb

from pipelines.core.sql import quote_literal
from pipelines.core.store import table_exists
from pipelines.sources.shared.codes import PRACTICE_CODE


def prepare_known_organisations(con: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Temp tables ``_ods_practices`` and ``_ods_trusts`` (code); whether each holds any organisation."""
    practices = [
        f"SELECT practice_code AS code FROM {t}"
        for t in ("ref.gp_practices", "ref.practice_geography")
        if table_exists(con, t)
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ods_practices AS "
        + (" UNION ".join(practices) if practices else "SELECT NULL::VARCHAR AS code WHERE FALSE")
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ods_trusts AS "
        + (
            "SELECT DISTINCT trust_code AS code FROM ref.nhs_trusts"
            if table_exists(con, "ref.nhs_trusts")
            else "SELECT NULL::VARCHAR AS code WHERE FALSE"
        )
    )
    counts = con.execute(
        "SELECT (SELECT count(*) FROM _ods_practices), (SELECT count(*) FROM _ods_trusts)"
    ).fetchone()
    return bool(counts[0]), bool(counts[1])


def unknown_organisation_sql(code: str, practices_loaded: bool, trusts_loaded: bool) -> str:
    """SQL, true when ``code`` (upper-cased, trimmed) is a code the loaded reference does not know.

    NULL / blank codes are not judged here (their own rules say whether a code is required).
    """
    c = f"upper(trim({code}))"
    practice = f"{c} NOT IN (SELECT code FROM _ods_practices)" if practices_loaded else "FALSE"
    trust = f"left({c}, 3) NOT IN (SELECT code FROM _ods_trusts)" if trusts_loaded else "FALSE"
    return (
        f"(nullif(trim({code}), '') IS NOT NULL AND "
        f"CASE WHEN regexp_full_match({c}, {quote_literal(PRACTICE_CODE)}) THEN {practice} ELSE {trust} END)"
    )
