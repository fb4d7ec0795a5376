"""One writer, whoever starts the run (issue 20, item 1).

DuckDB lets one process hold the working file at a time (a reader blocks a writer too). Every step that
opens it takes the ``duckdb_writer`` pool slot; a process outside Dagster holding it (an analyst's
notebook on the working store) is waited for, then answered in one line naming it; two `chorus run`s
started together both succeed, one after the other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.core.store import StoreLocked, open_store
from pipelines.lib.asset_checks import WRITER_POOL

REPO = Path(__file__).resolve().parents[2]
HUNG = 600  # a ceiling for a hung process only; every wait below ends on an event
# Two whole sample runs, one after the other: over ten minutes each was seen at load 16 on 2 cores.
HUNG_TWO_RUNS = 3600

# Holds the file until told to let go: prints READY once it holds it, closes on a line on stdin.
HOLDER = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("READY", flush=True)
sys.stdin.readline()
con.close()
print("RELEASED", flush=True)
"""


def test_every_step_that_opens_the_working_store_takes_the_writer_pool(
    all_definitions: dg.Definitions,
) -> None:
    job = dg.Definitions.merge(
        all_definitions,
        dg.Definitions(jobs=[dg.define_asset_job("everything", selection=dg.AssetSelection.all())]),
    ).resolve_job_def("everything")
    outside = sorted(
        op.name
        for op in job.graph.iterate_op_defs()
        if "chorus" in op.required_resource_keys and op.pool != WRITER_POOL
    )
    assert not outside, f"steps that open the working store outside the {WRITER_POOL} pool: {outside}"


@pytest.fixture
def holder(tmp_path: Path, request: pytest.FixtureRequest):  # noqa: ANN201 - yields the process
    """Another process holding the working store (read-only, as an analyst's tool would)."""
    store = tmp_path / "chorus.duckdb"
    with open_store(store):
        pass
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store), getattr(request, "param", "ro")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    yield proc
    if proc.poll() is None:
        proc.communicate("\n", timeout=HUNG)


def test_a_held_store_is_answered_in_one_line_naming_the_holder(
    holder: subprocess.Popen, tmp_path: Path
) -> None:
    with pytest.raises(StoreLocked) as raised, open_store(tmp_path / "chorus.duckdb", lock_wait_seconds=0.5):
        pass
    message = str(raised.value)
    assert len(message.splitlines()) == 1
    assert f"process {holder.pid}" in message
    assert "published file" in message and "CHORUS_LOCK_WAIT_SECONDS" in message


def test_the_store_is_opened_as_soon_as_the_holder_lets_go(holder: subprocess.Popen, tmp_path: Path) -> None:
    """Within the wait, a released lock is taken: the run goes on instead of failing."""
    import threading

    assert holder.stdin is not None and holder.stdout is not None
    released = threading.Event()
    opened: list[bool] = []

    def open_it() -> None:
        with open_store(tmp_path / "chorus.duckdb", lock_wait_seconds=HUNG) as con:
            opened.append(released.is_set())
            con.execute("SELECT count(*) FROM meta.ingest_ledger").fetchone()

    opener = threading.Thread(target=open_it)
    opener.start()
    released.set()
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "RELEASED"
    opener.join(HUNG)
    assert opened == [True], "the store opened while another process still held it"


def cli_env(tmp_path: Path, landing: Path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
    return {
        **env,
        "DAGSTER_HOME": str(home),
        "CHORUS_LANDING_DIR": str(landing),
        "CHORUS_WAREHOUSE": str(tmp_path / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(tmp_path / "published.duckdb"),
        "GX_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": str(REPO),
    }


def start_chorus_runs(
    env: dict[str, str], cwd: Path, count: int = 2, options: tuple[str, ...] = ()
) -> list[subprocess.Popen]:
    """``count`` `chorus run`s (with ``options``) started together from a shell in ``cwd``, output captured."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run", *options],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def test_chorus_run_against_a_held_store_fails_in_one_line(holder: subprocess.Popen, tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    env = {**cli_env(tmp_path, tmp_path / "landing"), "CHORUS_LOCK_WAIT_SECONDS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=HUNG, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert f"process {holder.pid}" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_chorus_runs_started_together_both_succeed_one_after_the_other(
    sample_landing: Path, tmp_path: Path
) -> None:
    env = cli_env(tmp_path, sample_landing)
    runs = start_chorus_runs(env, tmp_path)
    outputs = [proc.communicate(timeout=HUNG_TWO_RUNS) for proc in runs]
    for proc, (out, err) in zip(runs, outputs, strict=True):
        assert proc.returncode == 0, (out + err)[-3000:]
        assert "lock" not in (out + err).lower() or "Waiting for the chorus run" in err, err
    waited = [out for out, err in outputs if "Waiting for the chorus run" in err]
    assert len(waited) == 1
    # The one that waited read the store only after the first had finished and recorded its run, so it
    # found the landing folder already taken in: nothing to do, no second Dagster run.
    assert "Nothing to do" in waited[0], waited[0]

    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        records = instance.get_run_records()
    assert [r.dagster_run.status for r in records] == [dg.DagsterRunStatus.SUCCESS]
