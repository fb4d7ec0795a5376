"""A toy source, "things", for tests of the ingest loop itself (landing folder, withdrawal): one CSV
column ``v``; each row goes to ``staged.things`` and, as comment sources do, to ``raw.comment_text``."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.store import open_store
from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile


def load_things(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> LoadCounts:
    """Every row to staged.things and its comment text to raw.comment_text."""
    rows = stage_csv(con, landing_file, "_things")
    params = [landing_file.rel_path, landing_file.sha256]
    con.execute("INSERT INTO staged.things SELECT v, ?, ?, source_row FROM _things", params)
    con.execute(
        "INSERT INTO raw.comment_text SELECT 'c-' || v, 'text ' || v, ?, ?, source_row FROM _things", params
    )
    return LoadCounts(rows, rows)


THINGS = Layout(
    name="things",
    source="things",
    description="toy",
    tables=("staged.things", "raw.comment_text"),
    load=load_things,
    signature=frozenset({"v"}),
)


def things_store(warehouse: Path) -> Path:
    """A working store with the toy source's tables (and the text stage's, which keys by comment)."""
    with open_store(warehouse) as con:
        con.execute(
            "CREATE TABLE staged.things (v VARCHAR, source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT)"
        )
        con.execute(
            """CREATE TABLE raw.comment_text (comment_id VARCHAR, text VARCHAR, source_file VARCHAR,
                                              file_sha256 VARCHAR, source_row BIGINT)"""
        )
        # The text stage's codes of those comments (no source_file: keyed by comment and file version).
        con.execute(
            "CREATE TABLE staged.comment_text (comment_id VARCHAR, file_sha256 VARCHAR, text_redacted VARCHAR)"
        )
    return warehouse


def things_landing(folder: Path, files: dict[str, str]) -> Path:
    """A landing folder whose ``things/`` holds ``files`` (name -> CSV text)."""
    (folder / "things").mkdir(parents=True)
    for name, text in files.items():
        (folder / "things" / name).write_text(text)
    return folder
