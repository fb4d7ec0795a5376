"""The Chorus code location: every definition under ``pipelines/defs`` plus the shared resource.

Executor: in-process, deliberately. Every step writes the one DuckDB file (a single writer), so steps
would queue on the ``duckdb_writer`` pool anyway, and the multiprocess executor costs 2-3 s per step on a
2-core machine.
"""

from pathlib import Path

import dagster as dg

from pipelines.chorus_resource import ChorusResource


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(resources={"chorus": ChorusResource()}, executor=dg.in_process_executor),
    )
