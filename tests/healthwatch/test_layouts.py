"""Healthwatch layouts through the ingest loop on small hand-written files (no Dagster)."""

from pathlib import Path

import duckdb

from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.sources.healthwatch import readers as L

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


# --- many reports loaded together ------------------------------------------------------------------

REPORT_TEXT = (
    "# Access\n\nPeople could not get through on the phone ({n}).\n\n- No interpreter was offered\n\n- 42\n"
)


def _many_reports(tmp_path: Path, n: int = 7) -> Path:
    """``n`` registered reports (each with a word-less finding that is quarantined), an unregistered one
    and a registered one with no text."""
    folder = tmp_path / "landing" / "healthwatch"
    folder.mkdir(parents=True)
    (folder / "a-lookup.csv").write_text(LOOKUP)
    rows = [f"r{k}.md,HW Saltmarsh,Saltmarsh City,2025-03-{k + 1:02d},GP,Access {k}\n" for k in range(n)]
    (folder / "b-register.csv").write_text(
        REGISTER_HEADER + "".join(rows) + "empty.md,HW,E06999903,2025-03-01,GP,E\n"
    )
    for k in range(n):
        (folder / f"r{k}.md").write_text(REPORT_TEXT.format(n=k))
    (folder / "orphan.md").write_text("# Orphan\n\nA report nobody registered.\n")
    (folder / "empty.md").write_text("# Nothing but a heading\n")
    return folder.parent


def _run_reports(
    landing: Path, warehouse: Path, together: bool, audit=None, audit_many=None
) -> dict[str, str]:  # noqa: ANN001
    """Lookup and register, then the reports: together (``load_batch``) or strictly one by one."""
    from dataclasses import replace

    reports = [layout if together else replace(layout, load_batch=None) for layout in L.REPORT_LAYOUTS]
    with open_store(warehouse) as con:
        L.ensure_healthwatch_tables(con)
        ingest_source(con, landing, "healthwatch", [L.LAD_LOOKUP, L.REGISTER], L.HEALTHWATCH_LAYOUTS)
        L.refresh_report_metadata(con)
        report = ingest_source(
            con, landing, "healthwatch", reports, L.HEALTHWATCH_LAYOUTS,
            audit=audit[0] if audit else None, record_audit=audit[1] if audit else None,
            audit_many=audit_many[0] if audit_many else None,
            record_audit_many=audit_many[1] if audit_many else None,
        )  # fmt: skip
    return {
        o.rel_path: o.status + (f": {o.error}" if o.error else "")
        for o in report.outcomes
        if o.status != "other"
    }


STATE_SQL = {
    "ledger": "SELECT path, status, layout, rows_read, rows_loaded, rows_quarantined, error FROM meta.ingest_ledger",
    "reports": "SELECT * FROM staged.healthwatch_reports",
    "findings": "SELECT * FROM staged.healthwatch_findings",
    "comments": "SELECT * FROM staged.comments",
    "text": "SELECT * FROM raw.comment_text",
    "quarantine": "SELECT source, source_file, file_sha256, source_row, column_name, rule, value, message FROM quarantine.rows",
    "validation": "SELECT * EXCLUDE (validated_at) FROM meta.validation_results",
}


def _state(warehouse: Path) -> dict[str, list]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()
        }
        return {
            name: sorted(con.execute(sql).fetchall(), key=repr)
            for name, sql in STATE_SQL.items()
            if name != "validation" or "meta.validation_results" in tables
        }


def test_reports_loaded_together_end_exactly_as_one_by_one(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import pipelines.ingest.loop
    from pipelines.validation.audit import SqlRunner, build_audit
    from pipelines.validation.together import build_audit_many

    one_by_one: list[str] = []
    per_file = pipelines.ingest.loop.ingest_file
    monkeypatch.setattr(
        pipelines.ingest.loop,
        "ingest_file",
        lambda con, f, *a: one_by_one.append(f.rel_path) or per_file(con, f, *a),
    )
    landing = _many_reports(tmp_path)
    states, outcomes = [], []
    for together in (True, False):
        warehouse = tmp_path / f"w-{together}.duckdb"
        proven: set[str] = set()
        outcomes.append(
            _run_reports(landing, warehouse, together, build_audit(SqlRunner(), proven),
                         build_audit_many(SqlRunner(), proven))
        )  # fmt: skip
        states.append(_state(warehouse))
        if together:  # the good reports really were loaded together: none went through the per-file path
            assert not [p for p in one_by_one if p.endswith(".md")]
    assert outcomes[0] == outcomes[1]
    assert [k for k, v in outcomes[0].items() if v == "loaded"] == [f"healthwatch/r{k}.md" for k in range(7)]
    assert outcomes[0]["healthwatch/orphan.md"].startswith(
        "failed: healthwatch/orphan.md: this report is not in"
    )
    assert outcomes[0]["healthwatch/empty.md"].startswith(
        "failed: healthwatch/empty.md: no text could be extracted"
    )
    for name in STATE_SQL:
        assert states[0][name] == states[1][name], name
    # Every loaded report reconciles: 3 findings read, the word-less "42" quarantined.
    assert {r[3:6] for r in states[0]["ledger"] if r[1] == "loaded" and r[0].endswith(".md")} == {(3, 2, 1)}
    assert len(states[0]["quarantine"]) == 7 and len(states[0]["validation"]) > 0


def test_a_report_failing_validation_fails_alone_and_keeps_its_previous_version(tmp_path: Path) -> None:
    from pipelines.ingest.loop import AuditResult

    landing = _many_reports(tmp_path)
    warehouse = tmp_path / "w.duckdb"
    assert _run_reports(landing, warehouse, True)["healthwatch/r3.md"] == "loaded"
    # r3 changes and its new content fails its audit; r5 is new and passes.
    (landing / "healthwatch" / "r3.md").write_text(REPORT_TEXT.format(n="changed") + "\nBAD\n")
    (landing / "healthwatch" / "r5.md").write_text(REPORT_TEXT.format(n="five, changed"))

    def audit(con, f, layout):  # noqa: ANN001, ANN202
        rows = con.execute(
            "SELECT count(*) FROM raw.comment_text WHERE source_file = ? AND text = 'BAD'", [f.rel_path]
        )
        bad = rows.fetchone()[0] > 0
        return AuditResult(passed=not bad, summary="BAD text found" if bad else "ok")

    outcomes = _run_reports(landing, warehouse, True, audit=(audit, None))
    assert outcomes["healthwatch/r3.md"] == (
        "failed: healthwatch/r3.md: validation failed, nothing from this file was kept: BAD text found"
    )
    assert outcomes["healthwatch/r5.md"] == "loaded"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        texts = dict(con.execute(
            "SELECT source_file, string_agg(text, ' ') FROM raw.comment_text GROUP BY 1").fetchall())  # fmt: skip
        assert "(3)" in texts["healthwatch/r3.md"] and "BAD" not in texts["healthwatch/r3.md"]
        assert "five, changed" in texts["healthwatch/r5.md"]
        assert con.execute("SELECT count(*) FROM staged.healthwatch_reports").fetchone() == (7,)
