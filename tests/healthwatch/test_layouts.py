"""Healthwatch layouts through the ingest loop on small hand-written files (no Dagster)."""

from pathlib import Path

import duckdb

from pipelines.ingest import ingest_source
from pipelines.sources.healthwatch import layouts as L
from pipelines.store import open_store

LOOKUP = "LAD23CD,LAD23NM,SICBL23CDH,ICB23CD,ICB23CDH,ICB23NM\nE06999903,Saltmarsh City,ZC3,E54999999,QZ9,Test ICB\n"
REGISTER_HEADER = "File,Local Healthwatch,Local authority,Publication date,Service type,Title\n"


def _run(landing: Path, warehouse: Path) -> dict[str, str]:
    """The assets' order: lookup and register, then (after re-applying them) reports and reviews."""
    outcomes = {}
    with open_store(warehouse) as con:
        L.ensure_healthwatch_tables(con)
        for layouts in ([L.LAD_LOOKUP, L.REGISTER], [*L.REPORT_LAYOUTS, L.REVIEWS]):
            if L.REPORT_PDF in layouts:
                L.refresh_report_metadata(con)
            report = ingest_source(con, landing, "healthwatch", layouts, L.HEALTHWATCH_LAYOUTS)
            outcomes |= {
                o.rel_path: o.status + (f": {o.error}" if o.error else "")
                for o in report.outcomes
                if o.status != "other"
            }
    return outcomes


def _landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing" / "healthwatch"
    folder.mkdir(parents=True)
    (folder / "a-lookup.csv").write_text(LOOKUP)
    (folder / "b-register.csv").write_text(
        REGISTER_HEADER + "report.md,HW Saltmarsh,Saltmarsh City,31/03/2025,GP,Access\n"
    )
    (folder / "report.md").write_text(
        "# Access\n\nPeople could not get through on the phone.\n\n- No interpreter\n"
    )
    (folder / "orphan.md").write_text("# Orphan\n\nA report nobody registered.\n")
    return folder.parent


def test_unregistered_report_is_rejected_by_name_and_loads_once_registered(tmp_path: Path) -> None:
    landing, warehouse = _landing(tmp_path), tmp_path / "w.duckdb"
    outcomes = _run(landing, warehouse)
    assert outcomes["healthwatch/report.md"] == "loaded"
    assert outcomes["healthwatch/orphan.md"].startswith(
        "failed: healthwatch/orphan.md: this report is not in the Healthwatch register (no row with file = 'orphan.md')"
    )
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(
            "SELECT count(*) FROM staged.healthwatch_reports WHERE report_id = 'orphan.md'"
        ).fetchone() == (0,)
        row = con.execute(
            "SELECT local_authority_code, sub_icb_code, icb_code, publication_date::VARCHAR, findings FROM staged.healthwatch_reports"
        ).fetchone()
        assert row == ("E06999903", "ZC3", "QZ9", "2025-03-31", 2)
    # Registering it is enough: the failed file is retried on the next run; nothing else is re-read.
    register = landing / "healthwatch" / "b-register.csv"
    register.write_text(register.read_text() + "orphan.md,HW Saltmarsh,E06999903,2025-04-01,GP,Orphan\n")
    outcomes = _run(landing, warehouse)
    assert outcomes["healthwatch/orphan.md"] == "loaded"
    assert outcomes["healthwatch/report.md"] == "skipped"


def test_rerun_loads_nothing_twice_and_register_corrections_reach_comments(tmp_path: Path) -> None:
    landing, warehouse = _landing(tmp_path), tmp_path / "w.duckdb"
    (landing / "healthwatch" / "orphan.md").unlink()
    _run(landing, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        before = con.execute("SELECT count(*) FROM staged.comments").fetchone()
    (landing / "healthwatch" / "b-register.csv").write_text(
        REGISTER_HEADER + "report.md,HW Saltmarsh,Saltmarsh City,2025-06-30,GP,Access\n"
    )
    _run(landing, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("SELECT count(*) FROM staged.comments").fetchone() == before
        dates = con.execute(
            "SELECT DISTINCT comment_date::VARCHAR, channel FROM staged.comments WHERE source = 'healthwatch'"
        ).fetchall()
    assert dates == [("2025-06-30", "report_finding")]


def test_reviews_reverse_stars_and_quarantine_bad_ratings(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "healthwatch"
    folder.mkdir(parents=True)
    (folder / "reviews.csv").write_text(
        "Service name,Date,Star rating,Review text,Age group,Ethnicity\n"
        "Oak Surgery,01/02/2025,5,Lovely staff,18-24,Bangladeshi\n"
        "Oak Surgery,2025-02-02,1,Could not get through on the phone,25-34,White British\n"
        "Oak Surgery,03/02/2025,five,Nice,45-54,\n"
    )
    outcomes = _run(tmp_path / "landing", tmp_path / "w.duckdb")
    assert outcomes == {"healthwatch/reviews.csv": "loaded"}
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        rows = con.execute(
            "SELECT rating, rating_as_published, age_band, ethnicity_band, channel FROM staged.comments ORDER BY source_row"
        ).fetchall()
        assert rows == [(1, "5 stars", "16-24", "Asian", "review"), (5, "1 star", "25-34", "White", "review")]
        assert con.execute("SELECT source_row, rule FROM quarantine.rows").fetchall() == [
            (3, "star_rating_1_to_5")
        ]
