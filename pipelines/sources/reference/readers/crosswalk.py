"""A CCG → ICB code list (``ccg_icb_crosswalk``) → ``ref.ccg_icb_crosswalk``."""

from __future__ import annotations

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.reference import policy as P
from pipelines.sources.reference.readers.common import _layout, _stage, ensure_reference_tables
from pipelines.sources.shared.as_arrived import join_notes
from pipelines.sources.shared.codes import ICB_CODE, SUB_ICB_CODE


def load_ccg_icb_crosswalk(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A CCG → ICB code list (third-party lists carry junk rows: those are quarantined, not dropped)."""
    ensure_reference_tables(con)
    rows_read, notes = _stage(con, f, "_xw")
    name = quote_identifier("icb name") if "icb name" in f.csv_header() else "NULL"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW _xw_typed AS
        SELECT source_row, trim("ccg code") AS ccg_code, trim("icb code") AS icb_code, {name} AS icb_name FROM _xw
        """
    )
    rules = [
        RowRule("ccg_code_shape", "ccg_code", f"ccg_code IS NULL OR NOT regexp_full_match(ccg_code, {quote_literal(SUB_ICB_CODE)})",
                "CCG code is not 3 characters (00K) or 5 (W2U3Z)"),
        RowRule("icb_code_shape", "icb_code", f"icb_code IS NULL OR NOT regexp_full_match(icb_code, {quote_literal(ICB_CODE)})",
                "ICB code is blank or not Q and two characters"),
    ]  # fmt: skip
    quarantined = quarantine_rows(con, "_xw_typed", rules, f, policy=P.CCG_ICB_CROSSWALK)
    con.execute(
        f"""
        INSERT INTO ref.ccg_icb_crosswalk BY NAME
        SELECT ccg_code, icb_code, icb_name, ? AS source_file, ? AS file_sha256, source_row
        FROM _xw_typed WHERE {passing_rows(rules)}
        """,
        [f.rel_path, f.sha256],
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


CCG_ICB_CROSSWALK = _layout(
    "ccg_icb_crosswalk",
    "CCG → ICB code list",
    "ref.ccg_icb_crosswalk",
    load_ccg_icb_crosswalk,
    signature=frozenset({"ccg code", "icb code"}),
)
