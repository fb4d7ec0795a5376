"""Story layouts on hand-written Care Opinion JSON and a CSV collection (no Dagster)."""

import json
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.sources.stories import readers as L

TWO_SERVICES = {
    "id": 101, "type": "opinion", "title": "Sent between *two* places",
    "body": "The GP sent me to **A&E**.\n\n- waited 6 hours\n- nobody offered an [interpreter](http://x)",
    "dateOfPublication": "2025-03-05T10:22:31Z", "dateOfSubmission": "2025-03-03T20:00:00Z",
    "criticality": "strongly critical", "authorRole": "carer", "authorAgeGroup": "25-34", "submissionRoute": "web",
    "tags": [{"name": "waiting", "group": "what was bad", "polarity": "negative"},
             {"name": "kind nurse", "group": "what was good", "polarity": "positive"}],
    "healthServices": [{"nacsCode": "X91001", "name": "Oak Surgery", "type": "general practice"},
                       {"nacsCode": "rz101", "name": "Riverside General", "type": "hospital"}],
    "responses": [{"id": 9, "dateOfPublication": "2025-03-10T09:00:00Z", "responderName": "PALS", "body": "Sorry."},
                  {"id": 10, "dateOfPublication": "2025-03-08T09:00:00Z", "responderName": "GP", "body": "Call us."}],
}  # fmt: skip
LINKS_ONLY = {
    "id": 102, "title": "Thank you", "body": "Lovely staff.", "dateOfPublication": "2025-04-01T08:00:00Z",
    "criticality": "not critical", "authorRole": "patient", "authorAgeGroup": "85 or over",
    "links": [{"rel": "healthservice", "id": "RZ2", "href": "x"}, {"rel": "response", "id": "77", "href": "y"}],
}  # fmt: skip
NO_DATE = {"id": 103, "title": "Undated", "body": "Text", "criticality": "mildly critical"}


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A store with a practice in sub-ICB ZC3 and trusts RZ1 / RZ2, all in ICB QZ9."""
    path = tmp_path / "w.duckdb"
    with open_store(path) as con:
        con.execute("""CREATE TABLE ref.practice_geography_versions AS SELECT 'X91001' AS practice_code,
                       'UZ3001' AS pcn_code, 'ZC3' AS sub_icb_code, 'QZ9' AS icb_code, DATE '2024-04-01' AS valid_from,
                       NULL::DATE AS valid_to, NULL::DATE AS applies_from, NULL::DATE AS applies_to""")
        con.execute(
            "CREATE TABLE ref.nhs_trusts AS SELECT * FROM (VALUES ('RZ1', 'QZ9'), ('RZ2', 'QZ9')) t(trust_code, icb_code)"
        )
    return path


def _run(landing: Path, warehouse: Path) -> dict[str, str]:
    with open_store(warehouse) as con:
        L.ensure_story_tables(con)
        L.apply_story_geography(con)
        report = ingest_source(con, landing, "stories", L.STORY_LAYOUTS)
    return {o.rel_path: o.status + (f": {o.error}" if o.error else "") for o in report.outcomes}


def test_care_opinion_story_with_two_services_markdown_and_responses(tmp_path: Path, warehouse: Path) -> None:
    folder = tmp_path / "landing" / "stories"
    folder.mkdir(parents=True)
    (folder / "opinions.json").write_text(json.dumps([TWO_SERVICES, LINKS_ONLY, NO_DATE]))
    assert _run(tmp_path / "landing", warehouse) == {"stories/opinions.json": "loaded"}
    with duckdb.connect(str(warehouse)) as con:
        story = con.execute(
            """SELECT services, organisation_code, practice_code, trust_code, sub_icb_code, icb_code, responded,
                      response_count, first_response_date::VARCHAR, days_to_first_response, rating, tags_positive,
                      tags_negative FROM staged.stories WHERE story_id = 'care_opinion:101'"""
        ).fetchone()
        # One story, two bridge rows; the practice's sub-ICB is not claimed for the story, the shared ICB is.
        assert story == (2, "X91001", "X91001", "RZ1", None, "QZ9", True, 2, "2025-03-08", 3, 5, 1, 1)
        bridge = con.execute(
            "SELECT organisation_code, practice_code, trust_code, sub_icb_code, icb_code FROM staged.story_services WHERE story_id = 'care_opinion:101' ORDER BY service_no"
        ).fetchall()
        assert bridge == [("X91001", "X91001", None, "ZC3", "QZ9"), ("RZ101", None, "RZ1", None, "QZ9")]
        text = con.execute(
            "SELECT text FROM raw.comment_text WHERE comment_id = 'stories:care_opinion:101'"
        ).fetchone()[0]
        assert (
            text
            == "Sent between two places\nThe GP sent me to A&E.\n- waited 6 hours\n- nobody offered an interpreter"
        )
        comment = con.execute(
            "SELECT channel, rating, age_band, carer, trust_code, icb_code FROM staged.comments WHERE comment_id = 'stories:care_opinion:101'"
        ).fetchone()
        assert comment == ("story", 5, "25-34", "Yes", "RZ1", "QZ9")
        linked = con.execute(
            "SELECT responded, response_count, trust_code, rating FROM staged.stories WHERE story_id = 'care_opinion:102'"
        ).fetchone()
        assert linked == (True, 1, "RZ2", 1)
        assert con.execute("SELECT source_row, rule FROM quarantine.rows").fetchall() == [
            (3, "published_date_format")
        ]


def test_csv_collection_with_two_codes_and_no_response(tmp_path: Path, warehouse: Path) -> None:
    folder = tmp_path / "landing" / "stories"
    folder.mkdir(parents=True)
    (folder / "collection.csv").write_text(
        "story_id,date,title,story,service_codes,author_role,age_group,ethnicity,response_date\n"
        "1,05/03/2025,Interpreter,No Bengali interpreter was offered.,X91001;RZ101,patient,45-54,Bangladeshi,\n"
        "2,2025-03-06,Phones,Could not get through at 8am.,X91001,patient,18-24,White British,2025-03-20\n"
    )
    assert _run(tmp_path / "landing", warehouse) == {"stories/collection.csv": "loaded"}
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            """SELECT s.story_id, s.services, s.responded, s.published_date::VARCHAR, c.ethnicity_band, c.age_band
               FROM staged.stories s JOIN staged.comments c USING (comment_id) ORDER BY 1"""
        ).fetchall()
    assert rows == [("collection:1", 2, False, "2025-03-05", "Asian", "45-54"),
                    ("collection:2", 1, True, "2025-03-06", "White", "16-24")]  # fmt: skip


def test_rerun_loads_nothing_twice_and_late_reference_geography_is_applied(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "stories"
    folder.mkdir(parents=True)
    (folder / "opinions.json").write_text(json.dumps([TWO_SERVICES, LINKS_ONLY]))
    warehouse = tmp_path / "w.duckdb"
    _run(tmp_path / "landing", warehouse)  # no reference tables yet: nothing placed
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(
            "SELECT count(*) FROM staged.story_services WHERE geography_matched"
        ).fetchone() == (0,)
        con.execute("CREATE TABLE ref.nhs_trusts AS SELECT 'RZ2' AS trust_code, 'QZ9' AS icb_code")
        before = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()
            for t in ("staged.stories", "staged.comments", "staged.story_services")
        ]
    assert _run(tmp_path / "landing", warehouse) == {"stories/opinions.json": "skipped"}
    with duckdb.connect(str(warehouse)) as con:
        after = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()
            for t in ("staged.stories", "staged.comments", "staged.story_services")
        ]
        assert after == before
        assert con.execute(
            "SELECT icb_code FROM staged.comments WHERE comment_id = 'stories:care_opinion:102'"
        ).fetchone() == ("QZ9",)


def test_criticality_words_and_numbers() -> None:
    assert [L.criticality_level(v) for v in ("Not critical", "veryStronglyCritical", 3, "7", "unknown")] == [
        0,
        5,
        3,
        None,
        None,
    ]
