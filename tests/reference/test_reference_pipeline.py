"""The reference graph through Dagster on the sample: idempotent, per-file replacement, clear failures."""

import shutil
from datetime import date
from pathlib import Path

import dagster as dg

from tests.conftest import failed_checks, materialize, query, step_failures

COUNTS_SQL = """SELECT 'gp_practices', count(*) FROM ref.gp_practices UNION ALL
                SELECT 'geography', count(*) FROM ref.practice_geography UNION ALL
                SELECT 'population', count(*) FROM ref.registered_population UNION ALL
                SELECT 'deprivation', count(*) FROM ref.practice_deprivation UNION ALL
                SELECT 'lsoa', count(*) FROM ref.lsoa_deprivation UNION ALL
                SELECT 'crosswalk', count(*) FROM ref.ccg_icb_crosswalk UNION ALL
                SELECT 'successors', count(*) FROM ref.organisation_successors UNION ALL
                SELECT 'continuity', count(*) FROM ref.sub_icb_continuity UNION ALL
                SELECT 'quarantine', count(*) FROM quarantine.rows ORDER BY 1"""


def copy_sample(sample_landing: Path, tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    return landing


def test_materialize_twice_is_idempotent(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path: Path
) -> None:
    landing = copy_sample(sample_landing, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    first = materialize(all_definitions, landing, warehouse, groups=["reference"])
    assert first.success, step_failures(first)
    assert not failed_checks(first)
    counts = query(warehouse, COUNTS_SQL)
    assert dict(counts)["gp_practices"] == 67 and dict(counts)["deprivation"] == 66
    files = len(list((landing / "reference").iterdir()))
    ledger = query(
        warehouse, "SELECT count(*), count(DISTINCT path), min(status), max(status) FROM meta.ingest_ledger"
    )
    assert ledger == [(files, files, "loaded", "loaded")]

    stamps = query(warehouse, "SELECT path, finished_at FROM meta.ingest_ledger ORDER BY path")
    second = materialize(all_definitions, landing, warehouse, groups=["reference"])
    assert second.success
    assert query(warehouse, COUNTS_SQL) == counts
    assert query(warehouse, "SELECT count(*) FROM meta.ingest_ledger") == [(files,)]
    # The second run skipped every unchanged file: no ledger row was rewritten.
    assert query(warehouse, "SELECT path, finished_at FROM meta.ingest_ledger ORDER BY path") == stamps


def test_sample_geography_tells_the_merger_story(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path: Path
) -> None:
    landing = copy_sample(sample_landing, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    assert materialize(all_definitions, landing, warehouse, groups=["reference"]).success
    # ZA0 merged into ZA1: in 2021 a practice was in ZA0, in 2024 in sub-ICB ZA1 of ICB QZ9.
    rows = query(
        warehouse,
        "SELECT geography_era, sub_icb_code, icb_code FROM ref.practice_geography WHERE practice_code = 'X91002' ORDER BY extract_date",
    )
    assert rows == [("CCG", "ZA0", "QZ9"), ("ICB", "ZA1", "QZ9")]
    # succ.csv says ZA0 merged into ZA1 on 1 July 2021: the code means ZA0 before that date and ZA1 after it.
    continuity = query(
        warehouse,
        """SELECT code, sub_icb_code, in_force_from, in_force_to, current_sub_icb_code, current_icb_code, seen_as_ccg,
                  seen_as_sub_icb FROM ref.sub_icb_continuity WHERE code IN ('ZA0', 'ZA1') ORDER BY code, steps""",
    )
    assert continuity == [
        ("ZA0", "ZA0", None, date(2021, 7, 1), "ZA1", "QZ9", True, False),
        ("ZA0", "ZA1", date(2021, 7, 1), None, "ZA1", "QZ9", True, False),
        ("ZA1", "ZA1", None, None, "ZA1", "QZ9", True, True),
    ]
    # The geography of a date: a 2023 survey joins the 2021 extract, 2025 joins the 2024 one.
    spans = query(
        warehouse,
        """SELECT DATE '2023-03-01' >= valid_from AND DATE '2023-03-01' < valid_to FROM ref.practice_geography_versions
           WHERE practice_code = 'X91002' ORDER BY valid_from""",
    )
    assert spans == [(True,), (False,)]
    # Population by GPPS age band adds up to the totals file.
    bands, totals = query(
        warehouse,
        """SELECT (SELECT sum(patients) FROM ref.registered_population WHERE age <> 'ALL'),
                  (SELECT sum(patients) FROM ref.registered_population WHERE age = 'ALL')""",
    )[0]
    assert (
        abs(bands - totals) <= 66
    )  # single-year files are drawn per sex, totals are the sum: off by rounding only


def test_changed_file_replaces_only_its_rows(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path: Path
) -> None:
    landing = copy_sample(sample_landing, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    assert materialize(all_definitions, landing, warehouse, groups=["reference"]).success
    before = dict(query(warehouse, COUNTS_SQL))
    geography_before = query(warehouse, "SELECT * FROM ref.practice_geography ORDER BY ALL")
    crosswalk = landing / "reference" / "ccg_icb_crosswalk.csv"
    crosswalk.write_text(
        crosswalk.read_text(encoding="utf-8-sig") + "ZD4,QZ9,NHS Synthetic Riverside ICB\n", encoding="utf-8"
    )
    result = materialize(all_definitions, landing, warehouse, groups=["reference"])
    assert result.success
    after = dict(query(warehouse, COUNTS_SQL))
    assert after["crosswalk"] == before["crosswalk"] + 1
    assert {k: v for k, v in after.items() if k not in {"crosswalk", "continuity"}} == {
        k: v for k, v in before.items() if k not in {"crosswalk", "continuity"}
    }
    assert query(warehouse, "SELECT * FROM ref.practice_geography ORDER BY ALL") == geography_before
    assert query(warehouse, "SELECT count(*) FROM meta.ingest_ledger WHERE path LIKE '%crosswalk%'") == [(1,)]


def test_corrupted_file_fails_its_asset_and_keeps_previous_rows(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path: Path
) -> None:
    landing = copy_sample(sample_landing, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    assert materialize(all_definitions, landing, warehouse, groups=["reference"]).success
    before = query(warehouse, "SELECT * FROM ref.gp_practices ORDER BY ALL")
    epraccur = landing / "reference" / "epraccur.csv"
    lines = epraccur.read_text().splitlines()
    # A short row: quarantined as ragged_row, and 1 of 67 rows is over the 1% epraccur may lose.
    lines[10] = ",".join(lines[10].split(",")[:20])  # 20 of 27 fields
    epraccur.write_text("\n".join(lines) + "\n")
    result = materialize(all_definitions, landing, warehouse, groups=["reference"])
    assert not result.success
    failures = step_failures(result)
    assert "ref__gp_practices" in failures
    message = failures["ref__gp_practices"]
    assert "reference/epraccur.csv: 1 of 67 rows (1.5%) would be quarantined (ragged_row: 1)" in message
    assert "line 11: expected 27 fields, found 20" in message
    assert query(warehouse, "SELECT * FROM ref.gp_practices ORDER BY ALL") == before
    assert query(
        warehouse,
        "SELECT status, error LIKE '%line 11%' FROM meta.ingest_ledger WHERE path = 'reference/epraccur.csv'",
    ) == [("failed", True)]


def test_wrongly_shaped_file_names_missing_columns(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path: Path
) -> None:
    landing = copy_sample(sample_landing, tmp_path)
    warehouse = tmp_path / "w.duckdb"
    assert materialize(all_definitions, landing, warehouse, groups=["reference"]).success
    before = query(warehouse, "SELECT count(*) FROM ref.practice_geography")
    path = landing / "reference" / "gp-reg-pat-prac-map-2024-04.csv"
    text = path.read_text().replace("ICB_CODE,ICB_NAME", "ICB,ICB_NAME", 1)
    path.write_text(text)
    result = materialize(all_definitions, landing, warehouse, groups=["reference"])
    error = query(
        warehouse, "SELECT status, layout, error FROM meta.ingest_ledger WHERE path LIKE '%2024-04%'"
    )[0]
    assert error[0] == "failed" and error[1] is None
    assert "layout not recognised" in error[2] and "missing column(s): icb_code" in error[2]
    assert query(warehouse, "SELECT count(*) FROM ref.practice_geography") == before
    assert result.success  # an unrecognised file is reported in the ledger, not blamed on an asset
