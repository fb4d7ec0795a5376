"""The publish audits read only the published file, so a file that has not changed is not audited twice;
a newly published file (swapped in, as publishing does) always is."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from pipelines.defs.publish.checks import audited
from pipelines.publish.disclosure_audit import Finding


def _publish(path: Path, value: int) -> None:
    """Write a new file and swap it in, as the published store is replaced."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp)) as con:
        con.execute(f"CREATE TABLE t AS SELECT {value} AS v")
    os.replace(tmp, path)


def test_an_unchanged_file_is_audited_once_and_a_new_one_again(tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    calls: list[int] = []

    def audit(con: duckdb.DuckDBPyConnection) -> list[Finding]:
        (value,) = con.execute("SELECT v FROM t").fetchone()
        calls.append(value)
        return [Finding("t", "row 1", "planted", str(value))] if value == 7 else []

    _publish(published, 7)
    first = audited(published, "probe", audit)
    again = audited(published, "probe", audit)
    assert calls == [7]
    assert first == again == [Finding("t", "row 1", "planted", "7")]  # the kept findings still fail the check

    _publish(published, 8)
    assert audited(published, "probe", audit) == []
    assert calls == [7, 8]

    # A damaged record is never trusted: the file is audited again.
    (tmp_path / "published.duckdb.probe.json").write_text("{not json")
    assert audited(published, "probe", audit) == []
    assert calls == [7, 8, 8]
