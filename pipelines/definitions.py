"""The Chorus code location: every definition under ``pipelines/defs`` plus the shared resources.

Executor: in-process, deliberately. Every step writes the one DuckDB file (a single writer), so steps
would queue on the ``duckdb_writer`` pool anyway, and the multiprocess executor costs 2-3 s per step on a
2-core machine.

Freshness policies (sources) and automation conditions (marts, publish) are applied here, from
``pipelines/defs/automation/policies.py``, so the domain modules stay free of scheduling concerns.
"""

from pathlib import Path

import dagster as dg

from pipelines.defs.automation.policies import apply_policies
from pipelines.lib.gx_resource import GreatExpectationsResource
from pipelines.lib.resources import ChorusResource


@dg.definitions
def defs() -> dg.Definitions:
    return apply_policies(
        dg.Definitions.merge(
            dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
            dg.Definitions(
                resources={"chorus": ChorusResource(), "gx": GreatExpectationsResource()},
                executor=dg.in_process_executor,
            ),
        )
    )
