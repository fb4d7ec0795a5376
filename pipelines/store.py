"""The DuckDB store: opening the working file and creating its schemas.

Connections are short-lived: open in a ``with`` block, fetch results before it ends. Only the pipeline
opens the working file; analysts read the published snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

STORE_DDL = (Path(__file__).parent / "store.sql").read_text()
SCHEMAS: tuple[str, ...] = ("raw", "staged", "quarantine", "ref", "marts", "meta")


def ensure_store(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the house tables (ledger, quarantine) if they are missing."""
    con.execute(STORE_DDL)


@contextmanager
def open_store(
    path: Path | str, read_only: bool = False, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a warehouse file, creating it and its schemas on first use, and always close it.

    ``memory_limit`` (e.g. '3GB') caps DuckDB's memory: big joins and aggregates spill to a temporary
    folder beside the file instead of growing towards DuckDB's default of 80% of the machine.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": memory_limit} if memory_limit else {}
    if memory_limit and not read_only:
        spill = path.parent / f"{path.stem}.tmp"
        spill.mkdir(mode=0o700, exist_ok=True)
        spill.chmod(0o700)
        config["temp_directory"] = str(spill)
    if read_only:
        con = duckdb.connect(str(path), read_only=True, config=config)
    else:
        # The working store holds unredacted raw text: owner-only, whatever the process umask says.
        with owner_only_files():
            con = duckdb.connect(str(path), config=config)
        restrict_to_owner(path)
    try:
        if not read_only:
            ensure_store(con)
            restrict_to_owner(path.with_name(path.name + ".wal"))
        yield con
    finally:
        con.close()


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files and folders created inside the block are owner-only (umask 077)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def restrict_to_owner(path: Path) -> None:
    """Make an existing store file owner-read/write only (0600); a missing file is left alone."""
    if path.exists():
        path.chmod(0o600)


def table_exists(con: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    """Whether ``schema.table`` exists in the connected database."""
    schema, name = qualified_name.split(".", 1)
    # fetchall: DuckDB 2 refuses new work (e.g. register) while a result is only partly fetched.
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return bool(rows[0][0])


def row_count(con: duckdb.DuckDBPyConnection, qualified_name: str) -> int:
    """Rows in a table, 0 when it does not exist yet."""
    if not table_exists(con, qualified_name):
        return 0
    return int(con.execute(f"SELECT count(*) FROM {qualified_name}").fetchall()[0][0])


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path, **params: object) -> None:
    """Run a ``.sql`` file kept next to the code that needs it; ``$name`` placeholders bind ``params``."""
    sql = path.read_text()
    if params:
        con.execute(sql, params)
    else:
        con.execute(sql)


@contextmanager
def duckdb_setting(con: duckdb.DuckDBPyConnection, name: str, value: bool | int | str) -> Iterator[None]:
    """Set a DuckDB setting for the statements inside the block, then put the old value back."""
    old = con.execute("SELECT current_setting(?)", [name]).fetchone()[0]

    def literal(v: bool | int | str) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    con.execute(f"SET {name} = {literal(value)}")
    try:
        yield
    finally:
        con.execute(f"SET {name} = {literal(old)}")
