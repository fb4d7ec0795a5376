"""GPPS "list of reporting variables": the variables a year publishes and what each means."""

from __future__ import annotations

import duckdb

from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.gpps import policy as P
from pipelines.sources.gpps.readers.common import _require_year, prepare


def load_variables(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A year's "list of reporting variables" (Variable, Description) into ``ref.gpps_variables``."""
    prepare(con)
    year = _require_year(f)
    rows_read = stage_csv(con, f, "_gpps_vars", keep_empty=True)
    con.execute(
        """CREATE OR REPLACE TEMP VIEW _gpps_vars_typed AS
           SELECT source_row, lower(trim(variable)) AS variable, description FROM _gpps_vars"""
    )
    rules = [RowRule("variable_present", "variable", "variable = ''", "Variable is blank")]
    quarantined = quarantine_rows(con, "_gpps_vars_typed", rules, f, policy=P.VARIABLES)
    con.execute(
        f"""INSERT INTO ref.gpps_variables BY NAME
            SELECT $year AS survey_year, variable, description, $file AS source_file, $sha AS file_sha256, source_row
            FROM _gpps_vars_typed WHERE {passing_rows(rules)}""",
        {"year": year, "file": f.rel_path, "sha": f.sha256},
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)


REPORTING_VARIABLES = Layout(
    name="gpps_reporting_variables",
    source="gpps",
    description='The year\'s "list of reporting variables": Variable, Description.',
    tables=("ref.gpps_variables",),
    load=load_variables,
    signature=frozenset({"variable", "description"}),
)
