"""Skip rebuilding what cannot have changed: a fingerprint of everything a derived table is built from.

Marts, the published store and the report are pure functions of the loaded files and of Chorus's own
code and shipped model. Their fingerprint is a hash of the ledger's loaded files (path + SHA-256), its
withdrawn files (path + time) and the code files given; when it equals the one recorded at the last
successful build, the build is skipped. A build records its fingerprint only after it has finished, so a
crash mid-build means a rebuild next run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import duckdb

PIPELINES = Path(__file__).parents[1]
# The text stage's code and shipped model: what the comments' sentiment and themes are coded by.
TEXT_MODEL_CODE: tuple[Path, ...] = (
    PIPELINES / "text" / "coding.py",
    PIPELINES / "text" / "redaction.py",
    PIPELINES / "text" / "framework.py",
    PIPELINES / "text" / "tokens.py",
    PIPELINES / "text" / "features.py",
    PIPELINES / "text" / "sentiment.py",
    PIPELINES / "text" / "model.py",
    PIPELINES / "text" / "artefacts" / "model.json",
)
# The code every derived table depends on: marts SQL/Python, statistics, disclosure, the text model.
DERIVED_CODE: tuple[Path, ...] = (
    *sorted((PIPELINES / "marts").glob("*.sql")),
    *sorted((PIPELINES / "marts").glob("*.py")),
    *sorted((PIPELINES / "methods").glob("*.py")),
    *sorted((PIPELINES / "publish").glob("*.py")),
    PIPELINES / "core" / "periods.py",
    *TEXT_MODEL_CODE,
    *sorted((PIPELINES / "report").rglob("*.py")),  # rglob: the charts are a package
    *sorted((PIPELINES / "report").glob("*.sql")),
)
# A Dagster run tag: a run carrying it (`chorus run --all`) rebuilds incrementally built tables whole.
FULL_REBUILD_TAG = "chorus/full_rebuild"


def inputs_fingerprint(
    con: duckdb.DuckDBPyConnection,
    code: Iterable[Path] = DERIVED_CODE,
    sources: Iterable[str] | None = None,
    layouts: Iterable[str] = (),
) -> str:
    """SHA-256 over the loaded files in the ledger and the given code files. With ``sources``, over only
    the files of those ledger sources and of the given ``layouts`` (what one part of a table is built
    from); a file whose layout was never recorded counts everywhere."""
    digest = hashlib.sha256()
    only = None if sources is None else sorted(set(sources))
    # Withdrawn files count too: withdrawing a file whose last version failed (its earlier rows still in
    # staged) must rebuild what was built from those rows.
    for path, sha, status, withdrawn_at in con.execute(
        """SELECT path, sha256, status, withdrawn_at FROM meta.ingest_ledger
           WHERE status IN ('loaded', 'withdrawn')
             AND ($sources IS NULL OR list_contains($sources, source) OR list_contains($layouts, layout)
                  OR layout IS NULL)
           ORDER BY path""",
        {"sources": only, "layouts": sorted(set(layouts))},
    ).fetchall():
        entry = f"{path}\0{sha}" if status == "loaded" else f"{path}\0{sha}\0withdrawn {withdrawn_at}"
        digest.update(f"{entry}\n".encode())
    for path in code:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS meta.build_fingerprints (
               build VARCHAR PRIMARY KEY, fingerprint VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL)"""
    )


def is_current(con: duckdb.DuckDBPyConnection, build: str, fingerprint: str) -> bool:
    """Whether ``build`` last finished with this fingerprint."""
    _ensure(con)
    rows = con.execute("SELECT fingerprint FROM meta.build_fingerprints WHERE build = ?", [build]).fetchall()
    return bool(rows) and rows[0][0] == fingerprint


def record_build(con: duckdb.DuckDBPyConnection, build: str, fingerprint: str) -> None:
    """Remember that ``build`` finished with this fingerprint."""
    _ensure(con)
    con.execute(
        "INSERT OR REPLACE INTO meta.build_fingerprints VALUES (?, ?, current_timestamp)",
        [build, fingerprint],
    )
