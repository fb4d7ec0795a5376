"""A derived build is skipped only when no loaded file and no code changed since it last finished."""

from pathlib import Path

from pipelines.core.fingerprint import inputs_fingerprint, is_current, record_build
from pipelines.core.store import open_store


def test_fingerprint_follows_the_ledger_and_the_code(tmp_path: Path) -> None:
    code = tmp_path / "mart.sql"
    code.write_text("SELECT 1")
    with open_store(tmp_path / "w.duckdb") as con:
        con.execute(
            """INSERT INTO meta.ingest_ledger (path, source, sha256, bytes, started_at, status)
               VALUES ('gpps/a.csv', 'gpps', 'aaa', 1, now(), 'loaded')"""
        )
        first = inputs_fingerprint(con, [code])
        assert not is_current(con, "marts.x", first)  # never built
        record_build(con, "marts.x", first)
        assert is_current(con, "marts.x", first)
        assert inputs_fingerprint(con, [code]) == first  # nothing changed: same fingerprint

        con.execute("UPDATE meta.ingest_ledger SET sha256 = 'bbb'")  # a file changed
        assert not is_current(con, "marts.x", inputs_fingerprint(con, [code]))
        con.execute("UPDATE meta.ingest_ledger SET sha256 = 'aaa'")
        assert is_current(con, "marts.x", inputs_fingerprint(con, [code]))

        con.execute("UPDATE meta.ingest_ledger SET status = 'failed'")  # a failed file is not an input
        assert not is_current(con, "marts.x", inputs_fingerprint(con, [code]))
        con.execute("UPDATE meta.ingest_ledger SET status = 'loaded'")

        code.write_text("SELECT 2")  # the code changed
        assert not is_current(con, "marts.x", inputs_fingerprint(con, [code]))
