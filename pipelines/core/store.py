"""The DuckDB store: opening the working file and creating its schemas.

Connections are short-lived: open in a ``with`` block, fetch results before it ends. Only the pipeline
opens the working file; analysts read the published snapshot.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.core.sql import quote_literal, run_sql_file

STORE_SQL = Path(__file__).with_name("store.sql")
SCHEMAS: tuple[str, ...] = ("raw", "staged", "quarantine", "ref", "marts", "meta")


class StoreLocked(RuntimeError):
    """Another process holds the DuckDB file; the message is one line naming it and what to do."""


def _lock_holder(message: str) -> str:
    """'/usr/bin/python3 (PID 123: python -m duckdb_shell ...)' from DuckDB's lock error, as far as known."""
    found = re.search(r"Conflicting lock is held in (.+?) \(PID (\d+)\)", message)
    if not found:
        return "another process"
    program, pid = found.groups()
    try:  # the command line says far more than the interpreter's path (which notebook, which tool)
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        cmdline = " ".join(raw.replace("\0", " ").split())  # one line, whatever the arguments hold
    except OSError:
        cmdline = ""
    return f"process {pid} ({cmdline[:120] or program})"


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)


def connect_waiting(
    path: Path, read_only: bool, config: dict[str, str], lock_wait_seconds: float
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, retrying while another process holds the file, for up to ``lock_wait_seconds``.

    Raises ``StoreLocked`` (one line: the file, the holder's pid and command line, what to do) when the
    holder has not let go in time, instead of DuckDB's error and a traceback.
    """
    deadline = time.monotonic() + lock_wait_seconds
    delay = 0.2
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreLocked(
                    f"{path} is held by {_lock_holder(str(exc))} and was not released within "
                    f"{lock_wait_seconds:g} s: close that program (analysts read the published file, never "
                    "the working store) or set CHORUS_LOCK_WAIT_SECONDS to wait longer, then run again"
                ) from None
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.05)))
            delay = min(delay * 2, 5.0)


def ensure_store(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and the house tables (ledger, quarantine) if they are missing."""
    run_sql_file(con, STORE_SQL)


@contextmanager
def open_store(
    path: Path | str,
    read_only: bool = False,
    memory_limit: str | None = None,
    lock_wait_seconds: float = 0,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a warehouse file, creating it and its schemas on first use, and always close it.

    ``memory_limit`` (e.g. '3GB') caps DuckDB's memory: big joins and aggregates spill to a temporary
    folder beside the file instead of growing towards DuckDB's default of 80% of the machine.
    ``lock_wait_seconds``: how long to wait for another process holding the file (``StoreLocked`` after).
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
        con = connect_waiting(path, read_only, config, lock_wait_seconds)
    else:
        # The working store holds unredacted raw text: owner-only, whatever the process umask says.
        with owner_only_files():
            con = connect_waiting(path, read_only, config, lock_wait_seconds)
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


@contextmanager
def duckdb_setting(con: duckdb.DuckDBPyConnection, name: str, value: bool | int | str) -> Iterator[None]:
    """Set a DuckDB setting for the statements inside the block, then put the old value back."""
    old = con.execute("SELECT current_setting(?)", [name]).fetchone()[0]

    con.execute(f"SET {name} = {quote_literal(value)}")
    try:
        yield
    finally:
        con.execute(f"SET {name} = {quote_literal(old)}")


def bind_landing(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> Path | None:
    """Record that this store is built from ``landing_dir``; return the other folder if it was not.

    A store built from one landing folder and refreshed from another would hold both folders' files
    under the same relative paths. A store with data but no record (built before the record existed)
    is adopted by the first folder that refreshes it.
    """
    row = con.execute("SELECT value FROM meta.store_info WHERE key = 'landing_dir'").fetchone()
    if row and Path(row[0]) != landing_dir.resolve():
        return Path(row[0])
    if not row:
        con.execute("INSERT INTO meta.store_info VALUES ('landing_dir', ?)", [str(landing_dir.resolve())])
    return None
