"""Markup from data (issue 16, item 10): what a landing file holds never becomes live markup in the UI.

A header or cell holding ``![h](http://host/x.png)`` must show as text in Dagster's Markdown metadata, not
make the UI fetch the URL; an unrecognised file's error must not quote its content (a ``passwd``-like file's
first record) into the ledger, the CLI or the UI.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import pytest
from markdown_it import MarkdownIt

from pipelines.ingest.detect import quoted_columns
from pipelines.ingest.files import LandingFile
from tests.conftest import materialize, query

IMAGE = "![h](http://host/x.png)"
HOSTILE = [
    IMAGE,
    "[click](https://evil.example/phish)",
    "<img src=http://host/y.png>",
    "<script>alert(1)</script>",
    "www.evil.example",
    "mail me at someone@evil.example",
    "`code` | split **bold**",
]
# The first record of a passwd file, GECOS with commas (as Debian writes it): it parses as a 4-field "table".
PASSWD = (
    "alice:x:1000:1000:Alice Smith,Room 12,0113 496 0123,:/home/alice:/bin/bash\n"
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
)
PASSWD_CONTENT = ("alice", "Alice Smith", "Room 12", "0113 496 0123", "/home", "/bin/bash", "root", "daemon")


def render(markdown: str) -> str:
    """HTML as a CommonMark + tables renderer (GFM's core, as in the Dagster UI) would make it."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def assert_inert(markdown: str) -> None:
    """No image, link, raw HTML or bare URL / e-mail (GFM autolinks them) survives in ``markdown``."""
    html = render(markdown)
    assert "<img" not in html and "<a " not in html and "<script" not in html, html
    # GFM turns these into links even when escaped; they must be broken up in the text itself.
    assert not re.search(r"(?i)https?://|www\.|\w@\w", markdown), markdown


def test_escaped_text_renders_as_the_same_text_and_nothing_else() -> None:
    from pipelines.core.markdown import escape_markdown

    for text in HOSTILE:
        escaped = escape_markdown(text)
        assert_inert(escaped)
        assert_inert(f"| a |\n|---|\n| {escaped} |")
    # A reader still sees what the file said (URLs defanged with brackets, the usual convention).
    shown = render(escape_markdown("<script>alert(1)</script> `x` **y**"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; `x` **y**" in shown
    assert "http[:]//host/x.png" in render(escape_markdown(IMAGE))


def test_a_table_cell_cannot_break_out_of_its_column() -> None:
    from pipelines.core.markdown import markdown_table

    html = render(markdown_table(["name", "n"], [("a | b\nc", 1)]))
    assert html.count("<td>") == 2 and "a | b c" in html


@pytest.fixture(scope="module")
def hostile_run(
    all_definitions: dg.Definitions, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """The sample's reference files, one with hostile practice names, plus two files no layout knows."""
    root = tmp_path_factory.mktemp("markup")
    landing = root / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    epraccur = landing / "reference" / "epraccur.csv"
    lines = epraccur.read_text().splitlines()
    # Practice names as a file may hold them: every practice in the preview carries markup.
    for i, text in enumerate(HOSTILE[:5]):
        lines[i] = lines[i].replace('(SYNTHETIC)"', f'(SYNTHETIC) {text.replace(chr(34), "")}"', 1)
    epraccur.write_text("\n".join(lines) + "\n")
    header = ["practice code", *HOSTILE]
    (landing / "reference" / "injected_header.csv").write_text(
        ",".join(f'"{h}"' for h in header) + "\n" + ",".join(f'"{h}"' for h in header) + "\n"
    )
    (landing / "reference" / "passwd.csv").write_text(PASSWD)
    warehouse = root / "warehouse" / "chorus.duckdb"
    result = materialize(all_definitions, landing, warehouse, groups=["reference", "validation"])
    return {"result": result, "warehouse": warehouse}


def markdown_metadata(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Every Markdown metadata value of every materialisation, check and failure in the run."""
    found: dict[str, str] = {}
    for event in result.all_events:
        data = event.event_specific_data
        entries = {}
        if event.event_type_value == "ASSET_MATERIALIZATION":
            entries = data.materialization.metadata
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            entries = data.metadata
        elif event.event_type_value == "STEP_FAILURE" and data.user_failure_data:
            entries = data.user_failure_data.metadata
        for name, value in entries.items():
            if isinstance(value, dg.MarkdownMetadataValue):
                found[f"{event.step_key}:{name}"] = value.value
    return found


def test_markup_in_headers_and_cells_reaches_the_ui_only_as_text(hostile_run: dict) -> None:
    found = markdown_metadata(hostile_run["result"])
    # The hostile values did reach the metadata (the preview of practices, the files table) ...
    assert any("evil" in text for text in found.values()), sorted(found)
    assert any("injected\\_header.csv" in t or "injected_header.csv" in t for t in found.values())
    # ... and none of them as live markup.
    for where, text in found.items():
        try:
            assert_inert(text)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from None


def test_an_unrecognised_file_error_quotes_no_content(hostile_run: dict) -> None:
    (error,) = query(
        hostile_run["warehouse"], "SELECT error FROM meta.ingest_ledger WHERE path = 'reference/passwd.csv'"
    )[0]
    assert error.startswith("reference/passwd.csv: layout not recognised for source 'reference'")
    leaked = [text for text in PASSWD_CONTENT if text.lower() in error.lower()]
    assert not leaked, error
    # The UI shows the same sentence: no content there either.
    files_tables = [t for k, t in markdown_metadata(hostile_run["result"]).items() if k.endswith(":files")]
    assert files_tables
    for table in files_tables:
        assert not [t for t in PASSWD_CONTENT if t.lower() in table.replace("\\", "").lower()], table


def test_a_header_holding_markup_is_not_quoted(hostile_run: dict) -> None:
    (error,) = query(
        hostile_run["warehouse"],
        "SELECT error FROM meta.ingest_ledger WHERE path = 'reference/injected_header.csv'",
    )[0]
    # No layout shares a column with it, so none is named as the closest.
    assert "layout not recognised" in error and "Closest is" not in error
    assert error.endswith("its first line does not look like column names, so it is not quoted")
    for text in ("http", "<img", "<script", "evil", "@", "![", "practice code"):
        assert text not in error.lower(), error


def write_file(folder: Path, text: str) -> LandingFile:
    path = folder / "gpps" / "unknown.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return LandingFile.from_path(path, folder, "gpps")


def test_a_tables_plain_column_names_are_quoted_truncated(tmp_path: Path) -> None:
    long_name = "index of multiple deprivation (imd) rank (where 1 is most deprived)"
    names = ["practice code", "q1.pcteval", long_name, *(f"col{i}" for i in range(8))]
    landing_file = write_file(tmp_path, ",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    clause = quoted_columns(landing_file, landing_file.csv_header())
    assert clause.startswith("; the file's first columns are: practice code, q1.pcteval, index of multiple")
    assert long_name not in clause and "…" in clause
    assert clause.endswith("col4 and 3 more")


@pytest.mark.parametrize(
    "first_line",
    [
        "Jane Doe,9990000018,LS1 4AP",  # a header-less file's first record: an NHS number and a postcode
        "jane doe,0113 496 0123,1 high street",  # a phone number
    ],
)
def test_a_first_record_holding_personal_data_is_not_quoted(tmp_path: Path, first_line: str) -> None:
    landing_file = write_file(tmp_path, f"{first_line}\n{first_line}\n")
    clause = quoted_columns(landing_file, landing_file.csv_header())
    assert clause == "; its first line does not look like column names, so it is not quoted"


def test_a_ragged_file_is_not_a_table(tmp_path: Path) -> None:
    landing_file = write_file(tmp_path, PASSWD)
    assert quoted_columns(landing_file, landing_file.csv_header()) == (
        "; its first line is not a table header, so it is not quoted"
    )
