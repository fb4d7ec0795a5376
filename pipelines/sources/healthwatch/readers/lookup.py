"""The ONS "LAD to sub-ICB location to ICB" lookup (``ons_lad_icb_lookup``: ``LADyyCD, LADyyNM, SICBLyyCDH,
ICByyCDH …``) → ``ref.local_authority_icb``; Healthwatch areas are local authorities, and this places them.
"""

import re

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal
from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.healthwatch import policy as P
from pipelines.sources.healthwatch.readers.common import SOURCE, ensure_healthwatch_tables
from pipelines.sources.shared.codes import ENGLISH_LAD_CODE, ICB_CODE


def _lookup_columns(header: list[str]) -> dict[str, str] | None:
    """Map the ONS lookup's year-stamped headers (LAD23CD, SICBL23CDH, ICB23CDH …) to our names."""
    wanted = {
        "local_authority_code": r"lad\d{2}cd",
        "local_authority_name": r"lad\d{2}nm",
        "sub_icb_code": r"(sicbl|ccg)\d{2}cdh",
        "sub_icb_name": r"(sicbl|ccg)\d{2}nm",
        "icb_code": r"(icb|stp)\d{2}cdh",
        "icb_ons_code": r"(icb|stp)\d{2}cd",
        "icb_name": r"(icb|stp)\d{2}nm",
    }
    found = {}
    for name, pattern in wanted.items():
        match = next((h for h in header if re.fullmatch(pattern, h)), None)
        if match:
            found[name] = match
    return found if {"local_authority_code", "icb_code"} <= found.keys() else None


def _looks_like_lad_lookup(f: LandingFile) -> bool:
    """The ONS lookup: its header names a local authority code and an ICB code column."""
    return _lookup_columns(f.csv_header()) is not None


def load_lad_lookup(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """ONS LAD → sub-ICB location → ICB lookup → ``ref.local_authority_icb``."""
    ensure_healthwatch_tables(con)
    columns = _lookup_columns(f.csv_header()) or {}
    rows_read = stage_csv(con, f, "_lad")
    select = ", ".join(
        f"nullif(trim({quote_identifier(columns[c])}), '') AS {c}" if c in columns else f"NULL AS {c}"
        for c in ("local_authority_code", "local_authority_name", "sub_icb_code", "sub_icb_name", "icb_code",
                  "icb_ons_code", "icb_name")
    )  # fmt: skip
    con.execute(f"CREATE OR REPLACE TEMP VIEW _lad_typed AS SELECT source_row, {select} FROM _lad")
    rules = [
        RowRule("lad_code_shape", "local_authority_code",
                f"local_authority_code IS NULL OR NOT regexp_full_match(local_authority_code, {quote_literal(ENGLISH_LAD_CODE)})",
                "local authority code is not an English LAD code (E06/E07/E08/E09 + 6 digits)"),
        RowRule("icb_code_shape", "icb_code", f"icb_code IS NULL OR NOT regexp_full_match(icb_code, {quote_literal(ICB_CODE)})",
                "ICB code is not Q and two characters"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_lad_typed", rules, f, policy=P.LOCAL_AUTHORITY_ICB)
    con.execute(
        f"""INSERT INTO ref.local_authority_icb BY NAME
            SELECT * EXCLUDE (source_row), ? AS source_file, ? AS file_sha256, source_row
            FROM _lad_typed WHERE {passing_rows(rules)}""",
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)


# One row per local authority; sub-ICB / ICB only when the lookup gives a single answer.
LA_SQL = """
    SELECT local_authority_code, any_value(local_authority_name) AS local_authority_name,
           CASE WHEN count(DISTINCT sub_icb_code) = 1 THEN any_value(sub_icb_code) END AS sub_icb_code,
           CASE WHEN count(DISTINCT icb_code) = 1 THEN any_value(icb_code) END AS icb_code
    FROM ref.local_authority_icb GROUP BY 1
"""


def la_join(alias: str, column: str) -> str:
    """SQL fragment: LEFT JOIN the lookup as ``alias`` on a local authority given as a code or a name."""
    return (
        f"LEFT JOIN ({LA_SQL}) {alias} ON {alias}.local_authority_code = upper(trim({column})) "
        f"OR lower({alias}.local_authority_name) = lower(trim({column}))"
    )


LAD_LOOKUP = Layout(
    name="ons_lad_icb_lookup", source=SOURCE,
    description="ONS local authority district → sub-ICB location → ICB lookup (LADyyCD, SICBLyyCDH, ICByyCDH …)",
    tables=("ref.local_authority_icb",), load=load_lad_lookup, sniff=_looks_like_lad_lookup,
)  # fmt: skip
