"""Files as they really arrive (issue 21): reader-level rules, each shown from the reader's side."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import open_store
from pipelines.ingest.detect import closest_layout_hint
from pipelines.ingest.loop import ingest_source
from pipelines.sources.healthwatch.documents import decode_document
from pipelines.sources.shared.as_arrived import trailing_blank_lines
from pipelines.sources.shared.header_map import override_variable
from pipelines.sources.stories.readers import STORY_LAYOUTS, resolve_day_month


@pytest.mark.parametrize(
    ("data", "blank", "kept"),
    [
        (b"a,b\n1,2\n", 0, b"a,b\n1,2\n"),
        (b"a,b\n1,2\n\n\n", 2, b"a,b\n1,2\n"),
        (b"a,b\n1,2\r\n,,\r\n,,\r\n", 2, b"a,b\n1,2\r\n"),
        (b"a,b\n1,2\n   \n,", 2, b"a,b\n1,2\n"),
        (b'a,b\n1,"two\nlines"\n', 0, b'a,b\n1,"two\nlines"\n'),  # a closing quote line is not blank
    ],
)
def test_trailing_blank_lines_are_not_rows(tmp_path: Path, data: bytes, blank: int, kept: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    found, cut = trailing_blank_lines(path)
    assert (found, data[:cut]) == (blank, kept)


def test_mixed_day_month_orders_resolve_unambiguous_dates_and_read_the_rest_day_first() -> None:
    dates, note = resolve_day_month(
        ["30/09/2024", "1/18/2025", "03/04/2025", "2025-02-01", None, "31/02/2024"]
    )
    assert dates == ["2024-09-30", "2025-01-18", "2025-04-03", "2025-02-01", None, "31/02/2024"]
    assert (
        note is not None
        and "1 date(s) day first and 1 month first" in note
        and "1 with day and month" in note
    )
    # A plain UK column needs no note.
    assert resolve_day_month(["30/09/2024", "03/04/2025"])[1] is None


def test_windows_1252_reports_read_exactly() -> None:
    text = "José said the “£9.90 charge – every month” was too much"
    assert decode_document(text.encode("cp1252")) == text
    html = b'<html><head><meta charset="iso-8859-1"></head><body><p>' + "Zoë’s “care”".encode("cp1252")
    assert "Zoë’s “care”" in decode_document(html, html=True)
    assert "\ufffd" not in decode_document(bytes(range(32, 256)))


def test_closest_layout_is_the_one_sharing_most_columns_and_none_when_nothing_is_shared() -> None:
    from pipelines.sources.healthwatch.readers import HEALTHWATCH_LAYOUTS

    hint = closest_layout_hint(["file name", "local authority", "title"], HEALTHWATCH_LAYOUTS)
    assert hint.startswith(
        ". Closest is 'healthwatch_register', missing column(s): publication_date (one of: "
    )
    assert closest_layout_hint(["trust", "month"], HEALTHWATCH_LAYOUTS) == ""


def _story_csv(folder: Path, header: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "local-stories.csv").write_text(
        f"{header}\nS1,2025-03-01,The nurse sat with my dad all night.\nS2,2025-03-02,No one called back.\n"
    )


def test_story_headers_mapped_by_the_override_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    _story_csv(landing / "stories", "Ref,Date,Their words")
    with open_store(tmp_path / "w.duckdb") as con:
        report = ingest_source(con, landing, "stories", STORY_LAYOUTS)
    assert report.outcomes[0].status == "unrecognised"
    assert "Closest is 'story_collection_csv', missing column(s): story_id (one of: story_id" in (
        report.outcomes[0].error or ""
    )
    extra = tmp_path / "our_headers.csv"
    extra.write_text("layout,header,field\ncollection,ref,story_id\ncollection,their words,story\n")
    monkeypatch.setenv(override_variable("stories"), str(extra))
    with open_store(tmp_path / "w2.duckdb") as con:
        from pipelines.sources.stories.readers import ensure_story_tables

        ensure_story_tables(con)
        report = ingest_source(con, landing, "stories", STORY_LAYOUTS)
        assert report.outcomes[0].status == "loaded", report.summary_markdown()
        assert con.execute("SELECT story_id, published_date FROM staged.stories ORDER BY 1").fetchall() == [
            ("local-stories:S1", date(2025, 3, 1)),
            ("local-stories:S2", date(2025, 3, 2)),
        ]


def test_fft_comment_headers_mapped_by_the_override_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.sources.fft.workbook import header_map

    assert "feedback text" not in header_map("trust_upload")
    extra = tmp_path / "fft_headers.csv"
    extra.write_text("layout,header,field\ntrust_upload,feedback text,comment\n")
    monkeypatch.setenv("CHORUS_FFT_HEADER_MAP", str(extra))
    assert header_map("trust_upload")["feedback text"] == "comment"
    assert header_map("trust_upload")["comment_id"] == "record_id"  # the packaged rows still apply


def test_a_register_that_cannot_be_read_never_hides_the_reports_it_lists(tmp_path: Path) -> None:
    from pipelines.sources.healthwatch.readers import HEALTHWATCH_LAYOUTS, ensure_healthwatch_tables

    folder = tmp_path / "landing" / "healthwatch"
    (folder / "reports").mkdir(parents=True)
    (folder / "healthwatch-report-register.csv").write_text(
        "File,Local Healthwatch,Local authority,Publication date,Service type,Title\n"
        "marsh-gp-2025.md,Healthwatch Marsh,E06999903,2025-03-31,GP practices,GP access\n"
        # A quote never closed: the rest of the file is one field, so the register cannot be read at all
        # (a ragged row would only be quarantined).
        'marsh-dental-2025.md,Healthwatch Marsh,E06999903,2025-04-30,Dental,"Dentists\n'
    )
    for name in ("marsh-gp-2025.md", "marsh-dental-2025.md"):
        (folder / "reports" / name).write_text("# Findings\n\nPeople could not get through on the phone.\n")
    with open_store(tmp_path / "w.duckdb") as con:
        ensure_healthwatch_tables(con)
        report = ingest_source(con, tmp_path / "landing", "healthwatch", HEALTHWATCH_LAYOUTS)
        ledger = dict(
            con.execute("SELECT path, error FROM meta.ingest_ledger WHERE status = 'failed'").fetchall()
        )
    assert [o.status for o in report.outcomes] == ["failed", "failed", "failed"], report.summary_markdown()
    for name in ("marsh-gp-2025.md", "marsh-dental-2025.md"):
        error = ledger[f"healthwatch/reports/{name}"]
        assert error.startswith(
            f"healthwatch/reports/{name}: listed in the register healthwatch/healthwatch-report-register.csv, "
            "which could not be read (malformed CSV at line 3"
        ), error
        assert "not in the Healthwatch register" not in error


def test_ledger_note_is_the_message_of_a_loaded_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "stories"
    folder.mkdir(parents=True)
    (folder / "nothing-new.csv").write_text("story_id,date,story\n,,\n")
    with open_store(tmp_path / "w.duckdb") as con:
        from pipelines.sources.stories.readers import ensure_story_tables

        ensure_story_tables(con)
        ingest_source(con, landing, "stories", STORY_LAYOUTS)
        row = con.execute("SELECT status, rows_read, error FROM meta.ingest_ledger").fetchone()
    assert row == (
        "loaded",
        0,
        "1 blank line(s) at the end of the file are not rows and were not read; the file has a header and no "
        "rows: an incremental export with nothing new, loaded as 0 rows",
    )
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
