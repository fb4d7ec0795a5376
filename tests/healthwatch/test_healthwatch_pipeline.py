"""The reference + healthwatch + stories groups materialised on the generated sample, then re-run."""

from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import failed_checks, materialize, query, step_failures

GROUPS = ["reference", "healthwatch", "stories"]


@pytest.fixture(scope="module")
def warehouse(
    sample_landing: Path, all_definitions: dg.Definitions, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("hw") / "chorus.duckdb"
    result = materialize(all_definitions, sample_landing, path, groups=GROUPS)
    assert step_failures(result) == {}
    assert failed_checks(result) == []
    return path


def test_sample_reports_in_every_format_are_loaded_and_placed(warehouse: Path) -> None:
    rows = dict(
        query(warehouse, "SELECT document_format, count(*) FROM staged.healthwatch_reports GROUP BY 1")
    )
    assert rows == {"pdf": 1, "html": 1, "docx": 1, "markdown": 1}
    assert query(warehouse, "SELECT count(*) FROM staged.healthwatch_reports WHERE icb_code = 'QZ9'") == [
        (4,)
    ]
    pages = query(
        warehouse,
        "SELECT min(page), max(page) FROM staged.healthwatch_findings WHERE report_id = 'saltmarsh-gp-access-2025.pdf'",
    )
    assert pages[0][0] >= 1 and pages[0][1] >= 4


def test_findings_and_reviews_reach_the_comments_table(warehouse: Path) -> None:
    counts = dict(query(warehouse, "SELECT channel, count(*) FROM staged.comments GROUP BY 1"))
    findings = query(warehouse, "SELECT count(*) FROM staged.healthwatch_findings")[0][0]
    assert counts["report_finding"] == findings
    assert counts["review"] == query(warehouse, "SELECT count(*) FROM staged.healthwatch_reviews")[0][0]
    # The planted interpreter theme is in the report text, tied to Saltmarsh (E06999903).
    hits = query(
        warehouse,
        """SELECT count(*) FROM staged.comments c JOIN raw.comment_text t USING (comment_id)
           WHERE c.channel = 'report_finding' AND c.local_authority_code = 'E06999903' AND t.text ILIKE '%interpret%'""",
    )
    assert hits[0][0] >= 2
    # The 6-star review is quarantined with its rule, not loaded.
    assert query(
        warehouse, "SELECT rule FROM quarantine.rows WHERE source = 'healthwatch' AND value = '6'"
    ) == [("star_rating_1_to_5",)]


def test_stories_join_geography_and_keep_the_feedback_loop(warehouse: Path) -> None:
    two = query(
        warehouse,
        """SELECT s.story_id, s.services, s.practice_code, s.trust_code, s.icb_code
           FROM staged.stories s WHERE s.services = 2 ORDER BY 1 LIMIT 1""",
    )
    assert two and two[0][2].startswith("X9") and two[0][3].startswith("RZ") and two[0][4] == "QZ9"
    assert query(warehouse, "SELECT count(*) FROM staged.stories WHERE responded")[0][0] > 0
    assert query(warehouse, "SELECT count(*) FROM staged.stories WHERE NOT responded")[0][0] > 0
    unplaced = query(warehouse, "SELECT count(*) FROM staged.story_services WHERE NOT geography_matched")
    assert unplaced == [(0,)]


def test_rerun_loads_nothing_twice(
    warehouse: Path, sample_landing: Path, all_definitions: dg.Definitions
) -> None:
    tables = ["staged.comments", "raw.comment_text", "staged.healthwatch_findings", "staged.stories",
              "staged.story_services", "staged.healthwatch_reviews", "quarantine.rows"]  # fmt: skip
    before = {t: query(warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    result = materialize(all_definitions, sample_landing, warehouse, groups=GROUPS)
    assert step_failures(result) == {}
    after = {t: query(warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert after == before
