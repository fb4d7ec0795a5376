"""Removed and withdrawn files leave everything published (issue 16, item 9), on the sample end to end.

Read from the analyst's side: after the GPPS respondent files and a comments file are taken out of the landing folder
and the pipeline runs again, nothing of theirs is in the published DuckDB file, its Parquet copies or the
HTML reports, and the ledger says they were withdrawn, when and why. ``chorus withdraw`` does the same to
a file that stays in the landing folder (personal data found in it), and it is not loaded again.
"""

from __future__ import annotations

import html
import re
import shutil
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from tests.conftest import copy_sample_build, failed_checks, materialize, query, step_failures

# The respondent-level GPPS files (the only sources of gpps_respondents rows): 2021's and 2023's extracts.
GPPS_FILES = ("gpps/gpps_2021_respondent_extract.csv", "gpps/gpps_2023_respondent_extract.csv")
COMMENTS_FILE = "stories/care-opinion-opinions-2024-2025.json"
HELD_FILE = "fft/fft_comments_upload_2025-07.csv"  # withdrawn on purpose, left in the landing folder
GPPS_SOURCE = "gpps_respondents"  # the value its rows carry in the marts (source / channel)


def published_text(published: Path, parquet_dir: Path) -> dict[str, str]:
    """Every published table as text (one row per line), from the DuckDB file and from each Parquet file."""
    out: dict[str, str] = {}
    with duckdb.connect(str(published), read_only=True) as con:
        for (table,) in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1"
        ).fetchall():
            rows = con.execute(f"SELECT CAST(x AS VARCHAR) FROM {table} x").fetchall()
            out[f"duckdb:{table}"] = "\n".join(r[0] for r in rows)
        for parquet in sorted(parquet_dir.glob("*.parquet")):
            rows = con.execute("SELECT CAST(x AS VARCHAR) FROM read_parquet(?) x", [str(parquet)]).fetchall()
            out[f"parquet:{parquet.name}"] = "\n".join(r[0] for r in rows)
    return out


def reports_text(report_dir: Path) -> dict[str, str]:
    """Every HTML report as the reader sees its text (entities decoded)."""
    return {
        f"html:{p.name}": html.unescape(p.read_text(encoding="utf-8"))
        for p in sorted(report_dir.glob("*.html"))
    }


def found(texts: dict[str, str], needles: set[str]) -> dict[str, set[str]]:
    """Which needles (comment ids, comment texts) occur where; an id never matches a longer id."""
    if not needles:
        return {}
    pattern = re.compile(
        r"(?<![\w:])(" + "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)) + r")(?!\w)"
    )
    hits = {where: set(pattern.findall(text)) for where, text in texts.items()}
    return {where: h for where, h in hits.items() if h}


def rows_with_value(published: Path, value: str, parquet_dir: Path | None = None) -> dict[str, int]:
    """Rows of every published table (or its Parquet copy) with a text column equal to ``value``."""
    hits: dict[str, int] = {}
    with duckdb.connect(str(published), read_only=True) as con:
        columns = con.execute(
            """SELECT schema_name || '.' || table_name, list(column_name) FROM duckdb_columns()
               JOIN duckdb_tables() USING (database_name, schema_name, table_name)
               WHERE data_type = 'VARCHAR' GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        for table, names in columns:
            source = f"read_parquet('{parquet_dir / f'{table}.parquet'}')" if parquet_dir else table
            where = " OR ".join(f'"{n}" = ?' for n in names)
            n = con.execute(f"SELECT count(*) FROM {source} WHERE {where}", [value] * len(names)).fetchone()[
                0
            ]
            if n:
                hits[table] = n
    return hits


def evidence(warehouse: Path, path: str) -> dict[str, set[str]]:
    """What of ``path`` could be published: its comment ids and the redacted texts only it holds."""
    ids = {
        r[0] for r in query(warehouse, "SELECT comment_id FROM staged.comments WHERE source_file = ?", [path])
    }
    texts = {
        r[0]
        for r in query(
            warehouse,
            """SELECT DISTINCT t.text_redacted FROM staged.comment_text t JOIN staged.comments c USING (comment_id, file_sha256)
               WHERE c.source_file = $path AND length(t.text_redacted) >= 40 AND t.text_redacted NOT IN (
                   SELECT t2.text_redacted FROM staged.comment_text t2 JOIN staged.comments c2 USING (comment_id, file_sha256)
                   WHERE c2.source_file <> $path)""",
            {"path": path},
        )
    }
    return {"ids": ids, "texts": texts}


@pytest.fixture(scope="module")
def sample_run(
    all_definitions: dg.Definitions,
    sample_landing: Path,
    sample_pipeline: tuple[list[dg.AssetMaterialization], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    """A copy of the whole sample's build (the session's, built once) and of its landing folder, with what
    each file to be withdrawn had put in the published outputs."""
    root = tmp_path_factory.mktemp("withdrawal")
    landing = root / "landing"
    shutil.copytree(sample_landing, landing)
    paths = {"landing": landing, **copy_sample_build(sample_pipeline[1], root)}
    before = {
        "published": published_text(paths["published"], paths["parquet"]),
        "reports": reports_text(paths["reports"]),
        "evidence": {p: evidence(paths["warehouse"], p) for p in (COMMENTS_FILE, HELD_FILE)},
        "gpps_rows": rows_with_value(paths["published"], GPPS_SOURCE),
    }
    return {**paths, "definitions": all_definitions, "before": before}


@pytest.fixture(scope="module")
def after_removal(sample_run: dict) -> dict:
    """The GPPS respondent files and the Care Opinion export taken out of the landing folder, then a run."""
    started = datetime.now()
    for path in (*GPPS_FILES, COMMENTS_FILE):
        (sample_run["landing"] / path).unlink()
    result = materialize(
        sample_run["definitions"],
        sample_run["landing"],
        sample_run["warehouse"],
        published=sample_run["published"],
    )
    assert result.success, step_failures(result)
    assert not failed_checks(result)
    return {"started": started, "result": result}


def test_the_files_to_withdraw_were_published_before(sample_run: dict) -> None:
    """The test has teeth: each file's ids, texts or rows were in the published file, Parquet and reports."""
    before = sample_run["before"]
    for path in (COMMENTS_FILE, HELD_FILE):
        ids = before["evidence"][path]["ids"]
        assert ids, path
        where = found(before["published"], ids)
        assert any(w.startswith("duckdb:") for w in where) and any(w.startswith("parquet:") for w in where), (
            path
        )
    # The report quotes only a few comments (cells of 10+ with a published count): the Care Opinion export's
    # are among them, so the report check below has teeth for that file.
    ids = before["evidence"][COMMENTS_FILE]["ids"]
    assert any(w.startswith("html:inequalities_") for w in found(before["reports"], ids)), COMMENTS_FILE
    assert before["gpps_rows"].get("marts.metric_by_group", 0) > 0
    assert GPPS_SOURCE in before["reports"]["html:inequalities_QZ9.html"]


def test_removed_files_leave_the_published_file_parquet_and_reports(
    sample_run: dict, after_removal: dict
) -> None:
    evidence_ = sample_run["before"]["evidence"][COMMENTS_FILE]
    needles = evidence_["ids"] | evidence_["texts"]
    published = published_text(sample_run["published"], sample_run["parquet"])
    reports = reports_text(sample_run["reports"])
    assert found(published, needles) == {}
    assert found(reports, needles) == {}
    # The GPPS respondent files' results (source / channel gpps_respondents) are gone from every table ...
    assert rows_with_value(sample_run["published"], GPPS_SOURCE) == {}
    assert rows_with_value(sample_run["published"], GPPS_SOURCE, parquet_dir=sample_run["parquet"]) == {}
    # ... and from the report, which now draws its groups from what is still published.
    assert GPPS_SOURCE not in reports["html:inequalities_QZ9.html"]
    # The rest of the comments file's source is still published (only the file was withdrawn).
    assert "stories:saltmarsh-community-stories" in published["duckdb:marts.triangulation"]


def test_removed_files_leave_the_working_store_and_the_ledger_says_so(
    sample_run: dict, after_removal: dict
) -> None:
    warehouse = sample_run["warehouse"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            """SELECT DISTINCT schema_name || '.' || table_name FROM duckdb_columns() JOIN duckdb_tables()
               USING (database_name, schema_name, table_name) WHERE column_name = 'source_file'"""
        ).fetchall()
        left = {
            t: n
            for (t,) in tables
            if (
                n := con.execute(
                    f"SELECT count(*) FROM {t} WHERE source_file IN (?, ?, ?)", [*GPPS_FILES, COMMENTS_FILE]
                ).fetchone()[0]
            )
        }
        assert left == {}
        ids = sorted(sample_run["before"]["evidence"][COMMENTS_FILE]["ids"])
        for table in ("comment_text", "comment_themes", "comment_sentiment", "comment_redactions"):
            n = con.execute(
                f"SELECT count(*) FROM staged.{table} WHERE comment_id IN (SELECT unnest(?::VARCHAR[]))",
                [ids],
            ).fetchone()[0]
            assert n == 0, table
        ledger = con.execute(
            """SELECT path, status, withdrawn_at, withdrawal_reason FROM meta.ingest_ledger
               WHERE path IN (?, ?, ?) ORDER BY path""",
            [*GPPS_FILES, COMMENTS_FILE],
        ).fetchall()
    assert [(p, s, r) for p, s, _, r in ledger] == [
        *((path, "withdrawn", "removed from the landing folder") for path in GPPS_FILES),
        (COMMENTS_FILE, "withdrawn", "removed from the landing folder"),
    ]
    assert all(at >= after_removal["started"] for _, _, at, _ in ledger)


def test_the_ui_lists_the_withdrawn_files(after_removal: dict) -> None:
    events = after_removal["result"].asset_materializations_for_node("staged__stories")
    metadata = next(e for e in events if e.asset_key == dg.AssetKey(["staged", "stories"])).metadata
    assert metadata["files_withdrawn"].value == 1
    files = metadata["files"].value
    assert "care-opinion-opinions-2024-2025.json | " in files and "| withdrawn |" in files


def test_chorus_withdraw_unpublishes_a_file_that_stays_in_the_landing_folder(
    sample_run: dict, after_removal: dict
) -> None:
    from pipelines.cli import app

    env = {
        "CHORUS_LANDING_DIR": str(sample_run["landing"]),
        "CHORUS_WAREHOUSE": str(sample_run["warehouse"]),
        "CHORUS_PUBLISHED": str(sample_run["published"]),
        "DAGSTER_HOME": None,
    }
    reason = "NHS number in comment C00327"
    result = CliRunner().invoke(app, ["withdraw", HELD_FILE, "--reason", reason], env=env)
    assert result.exit_code == 0, result.output
    assert f"{HELD_FILE}: withdrawn ({reason})" in result.output
    # Republishing runs Dagster steps the way `chorus run` does: its stream in a log file it names, then
    # the summary naming the published file.
    logs = list((sample_run["warehouse"].parent / "logs").glob("chorus-republish-*.log"))
    assert len(logs) == 1 and f"Dagster's full log: {logs[0]}" in result.output, result.output
    assert "STEP_SUCCESS" in logs[0].read_text()
    assert f"Published store: {sample_run['published']}" in result.output

    assert (sample_run["landing"] / HELD_FILE).exists()
    evidence_ = sample_run["before"]["evidence"][HELD_FILE]
    needles = evidence_["ids"] | evidence_["texts"]
    assert found(published_text(sample_run["published"], sample_run["parquet"]), needles) == {}
    assert found(reports_text(sample_run["reports"]), needles) == {}
    # The republish ran the fft ingest again with the file still there: it was not loaded back.
    assert query(
        sample_run["warehouse"],
        "SELECT status, withdrawal_reason FROM meta.ingest_ledger WHERE path = ?",
        [HELD_FILE],
    ) == [("withdrawn", reason)]
    assert query(
        sample_run["warehouse"], "SELECT count(*) FROM staged.comments WHERE source_file = ?", [HELD_FILE]
    ) == [(0,)]

    result = CliRunner().invoke(app, ["withdraw", "fft/no-such-file.csv", "--reason", "x"], env=env)
    assert result.exit_code == 2 and "not in the ingest ledger" in result.output

    # Re-admitted (the comment fixed at source, say): the hold is lifted and the next fft run loads it.
    result = CliRunner().invoke(app, ["readmit", HELD_FILE, "--no-run"], env=env)
    assert result.exit_code == 0, result.output
    assert query(
        sample_run["warehouse"],
        "SELECT count(*) FROM meta.withdrawals WHERE path = ? AND readmitted_at IS NULL",
        [HELD_FILE],
    ) == [(0,)]
    result = CliRunner().invoke(app, ["readmit", HELD_FILE, "--no-run"], env=env)
    assert result.exit_code == 2 and "not held by a withdrawal" in result.output
