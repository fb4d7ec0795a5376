"""Adding a source is one folder and one registry entry: it then shows in the graph, validation and sample."""

import json
import os
import subprocess
import sys
from pathlib import Path

from pipelines.sources.registry import all_suites, comment_writers, ingest_tables, source, source_names

ROOT = Path(__file__).resolve().parents[2]


def test_a_seventh_source_needs_only_its_registry_entry(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CHORUS_LANDING_DIR": str(tmp_path / "landing"),
        "CHORUS_WAREHOUSE": str(tmp_path / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(tmp_path / "published.duckdb"),
        "DAGSTER_HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    done = subprocess.run(
        [sys.executable, "-m", "tests.sources.seventh_source", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["in_graph"] and seen["group"] == "things"
    assert seen["validation_report_reads_it"]
    assert seen["sample_files"] == 1
    assert seen["run_succeeded"]
    assert seen["rows_loaded"] > 0 and seen["ledger"] == [["loaded", seen["rows_loaded"]]]
    assert seen["suite_passed"] is True and seen["expectations_evaluated"] >= 2
    assert seen["checks"] == {"rows_reconcile": True, "suite_passed": True}


def test_registry_knows_every_source_once() -> None:
    names = source_names()
    assert names == ("reference", "gpps", "fft", "complaints", "healthwatch", "stories")
    assert source("gpps").name == "gpps"
    tables = [table.table for _, table in ingest_tables()]
    assert len(tables) == len(set(tables))
    # An ingest asset reads only layouts its source's folder detects.
    for spec, table in ingest_tables():
        assert table.layouts and all(layout in spec.layouts for layout in table.layouts), table.table
    assert set(comment_writers()) == {
        "staged/fft_comments",
        "staged/complaints",
        "staged/healthwatch_findings",
        "staged/healthwatch_reviews",
        "staged/stories",
    }
    assert "staged.comments" in all_suites()


def test_an_unknown_source_names_the_valid_ones() -> None:
    try:
        source("gp_survey")
    except KeyError as exc:
        assert "gpps" in str(exc) and "stories" in str(exc)
    else:
        raise AssertionError("an unknown source was accepted")
