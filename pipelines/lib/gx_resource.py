"""The Dagster resource that runs expectation suites with Great Expectations."""

from collections.abc import Sequence

import dagster as dg
import duckdb
import pandas as pd

from pipelines.validation.expectations import Expect, Outcome, TableSuite
from pipelines.validation.runner import run_suite


class GreatExpectationsResource(dg.ConfigurableResource):
    """Validates batches against suites kept in code (each source's ``suite.py``).

    GX is imported lazily on the first validation (so loading the code location stays fast), with an
    ephemeral context, analytics off and progress bars silenced; each suite's GX objects are built once
    per process and reused. Which engine runs a batch (``runner.choose_engine``):

    - ``frame_limit`` caps the rows pulled into pandas per file and table; bigger batches are validated
      in SQL with the same expectations;
    - batches of ``gx_min_rows`` rows or more run through GX;
    - smaller batches run through GX only for the suite's first batch in the asset run (``proven``, kept
      by ``audit.build_audit``), then in SQL (same outcomes; GX's fixed cost per validation would
      dominate a tiny file's ingest);
    - ``enabled=False`` runs every suite in SQL only (same outcomes, no GX payloads).

    Every outcome records the engine that produced it (``meta.validation_results.engine``).
    """

    enabled: bool = True
    examples: int = 5
    frame_limit: int | None = None
    gx_min_rows: int = 2_000

    def validate_frame(self, name: str, frame: pd.DataFrame, expectations: Sequence[Expect]) -> list[Outcome]:
        """GX on a pandas frame; one outcome per expectation, in suite order."""
        from pipelines.validation.gx_engine import validate_frame

        return validate_frame(name, frame, expectations, examples=self.examples)

    def run_suite(
        self,
        con: duckdb.DuckDBPyConnection,
        suite: TableSuite,
        source_file: str,
        proven: set[str] | None = None,
    ) -> list[Outcome]:
        """The suite's outcomes for the rows of ``suite.table`` loaded from ``source_file``."""
        if self.frame_limit is not None:
            from dataclasses import replace

            suite = replace(suite, frame_limit=self.frame_limit)
        return run_suite(
            con,
            suite,
            source_file,
            self.validate_frame if self.enabled else None,
            self.examples,
            gx_min_rows=self.gx_min_rows,
            proven=proven,
        )
