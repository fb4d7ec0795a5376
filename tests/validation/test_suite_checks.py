"""Validation through Dagster: green checks on the sample, a broken file's failure in the UI, the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import failed_checks, materialize, query, step_failures
from tests.validation.corpus import CASES

GROUPS = ["reference", "validation"]


def check_evaluations(result: dg.ExecuteInProcessResult, name: str) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        e.event_specific_data.asset_key.to_user_string(): e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name
    }


@pytest.fixture(scope="module")
def green(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """The reference sample materialised once, with the validation report."""
    root = tmp_path_factory.mktemp("checks")
    landing = root / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    warehouse = root / "warehouse" / "chorus.duckdb"
    result = materialize(all_definitions, landing, warehouse, groups=GROUPS)
    return {"result": result, "landing": landing, "warehouse": warehouse, "root": root}


def test_sample_passes_every_suite(green: dict) -> None:
    result = green["result"]
    assert result.success, step_failures(result)
    assert failed_checks(result) == []
    suites = check_evaluations(result, "suite_passed")
    assert set(suites) >= {
        "ref/gp_practices",
        "ref/practice_geography",
        "ref/registered_population",
        "ref/nhs_trusts",
    }
    practices = suites["ref/gp_practices"]
    assert practices.passed
    assert practices.metadata["files_validated"].value == 1
    table = practices.metadata["expectations"].value
    assert (
        "| reference/epraccur.csv | ref.gp_practices | expect_column_values_to_be_unique | practice_code |"
        in table
    )
    # Every expectation's outcome is stored, and the GX payloads made it through.
    engines = dict(
        query(green["warehouse"], "SELECT engine, count(*) FROM meta.validation_results GROUP BY 1")
    )
    assert engines["gx"] > 40 and engines["catalogue"] > 30
    assert query(green["warehouse"], "SELECT count(*) FROM meta.validation_results WHERE NOT success") == [
        (0,)
    ]


def test_report_renders_every_source_file(green: dict) -> None:
    html = (green["warehouse"].parent / "reports" / "validation.html").read_text()
    assert "<h2>reference</h2>" in html
    assert "reference/epraccur.csv" in html and "passed" in html
    report = [
        e.event_specific_data.materialization
        for e in green["result"].all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
        and e.event_specific_data.materialization.asset_key == dg.AssetKey(["meta", "validation_report"])
    ][0]
    assert report.metadata["files_failed"].value == 0
    # 14 reference files (succ.csv among them); rows quarantined: the crosswalk's junk row and the LSOA file's
    # unknown residence.
    assert "| reference | 14 | 14 | 0 | 2 |" in report.metadata["report"].value


def test_broken_file_fails_its_check_with_the_reason_and_changes_nothing(
    all_definitions: dg.Definitions, green: dict, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(green["landing"], landing)
    warehouse = tmp_path / "chorus.duckdb"
    shutil.copy(green["warehouse"], warehouse)
    before = query(warehouse, "SELECT * FROM ref.gp_practices ORDER BY ALL")
    derived_before = query(warehouse, "SELECT count(*) FROM ref.practice_deprivation")
    # A duplicated practice is now quarantined at read (duplicate_key); a closed-before-opened row is what
    # only the suite sees.
    case = next(c for c in CASES if c.name == "epraccur_closed_before_opened")
    (landing / case.rel_path).write_bytes(case.build(landing))

    result = materialize(all_definitions, landing, warehouse, groups=GROUPS)

    assert not result.success
    failure = step_failures(result)["ref__gp_practices"]
    assert (
        "reference/epraccur.csv: validation failed, nothing from this file was kept: 1 expectation(s) failed"
        in failure
    )
    assert "ref/gp_practices:suite_passed" in failed_checks(result)
    check = check_evaluations(result, "suite_passed")["ref/gp_practices"]
    assert check.description == "1 file(s) failed their suite and were not published: reference/epraccur.csv"
    table = check.metadata["expectations"].value
    row = next(
        line for line in table.splitlines() if "expect_column_pair_values_a_to_be_greater_than_b" in line
    )
    assert (
        row.startswith("| reference/epraccur.csv | ref.gp_practices |")
        and "| 1 |" in row
        and "| FAIL |" in row
    )
    # The previous good version is still published; assets downstream of the failure did not run.
    assert query(warehouse, "SELECT * FROM ref.gp_practices ORDER BY ALL") == before
    assert query(warehouse, "SELECT count(*) FROM ref.practice_deprivation") == derived_before
    assert query(
        warehouse, "SELECT status FROM meta.ingest_ledger WHERE path = 'reference/epraccur.csv'"
    ) == [("failed",)]
    # The report sits downstream of the failed asset, so it is refreshed on its own.
    assert materialize(all_definitions, landing, warehouse, groups=["validation"]).success
    html = (warehouse.parent / "reports" / "validation.html").read_text()
    assert "column_pair_values_a_to_be_greater_than_b [open_date &lt;= close_date]: 1 unexpected" in html
