"""A seventh source, "things", added the way docs/ARCHITECTURE.md says: one folder's worth of code (readers,
table, suite, sample writer) and one registry entry. Run as a script by ``test_source_registry.py`` so the
registry is extended before the code location loads, exactly as a new line in ``registry.py`` would."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.sample.ics import SyntheticICS
from pipelines.sources import registry
from pipelines.sources.source_spec import IngestTable, SourceSpec
from pipelines.validation.expectations import TableSuite, not_null, unique
from tests.ops.toy_source import THINGS


def ensure_things(con: duckdb.DuckDBPyConnection) -> None:
    """The toy source's tables (its ``tables.sql`` in a real source)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS staged.things (v VARCHAR, source_file VARCHAR, file_sha256 VARCHAR, "
        "source_row BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw.comment_text (comment_id VARCHAR, text VARCHAR, source_file VARCHAR, "
        "file_sha256 VARCHAR, source_row BIGINT)"
    )


def write_things(ics: SyntheticICS, folder: Path) -> list[Path]:
    """The toy source's sample: one CSV with a value per practice of the synthetic ICS."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "things.csv"
    path.write_text("v\n" + "".join(f"{p.code}\n" for p in ics.practices))
    return [path]


THINGS_SOURCE = SourceSpec(
    name="things",
    description="A toy source.",
    layouts=(THINGS,),
    suites=(
        TableSuite(
            table="staged.things",
            source="things",
            columns={"v": "VARCHAR"},
            expectations=(not_null("v"), unique("v")),
        ),
    ),
    write_sample=write_things,
    tables=(IngestTable("staged.things", (THINGS,), "Things, one per row.", prepare=ensure_things),),
)


def main(workdir: Path) -> None:
    registry.SOURCES = (*registry.SOURCES, THINGS_SOURCE)  # the one registry line

    from pipelines.definitions import defs  # loads after the registry line, as it would in the repo
    from pipelines.sample.generate import generate_sample

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    key = dg.AssetKey(["staged", "things"])
    written = generate_sample(workdir / "landing")
    job = definitions.get_implicit_global_asset_job_def()
    result = job.execute_in_process(asset_selection=[key], raise_on_error=False)
    with duckdb.connect(str(workdir / "chorus.duckdb"), read_only=True) as con:
        loaded = con.execute("SELECT count(*) FROM staged.things").fetchone()[0]
        ledger = con.execute(
            "SELECT status, rows_read FROM meta.ingest_ledger WHERE layout = 'things'"
        ).fetchall()
        validated = con.execute(
            "SELECT bool_and(success), count(*) FROM meta.validation_results WHERE table_name = 'staged.things'"
        ).fetchone()
    checks = {
        e.asset_check_evaluation_data.check_name: e.asset_check_evaluation_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    print(
        json.dumps(
            {
                "in_graph": graph.has(key) and graph.get(key).is_materializable,
                "group": graph.get(key).group_name,
                "validation_report_reads_it": key
                in graph.get(dg.AssetKey(["meta", "validation_report"])).parent_keys,
                "sample_files": written.get("things"),
                "run_succeeded": result.success,
                "rows_loaded": loaded,
                "ledger": ledger,
                "suite_passed": validated[0],
                "expectations_evaluated": validated[1],
                "checks": checks,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
