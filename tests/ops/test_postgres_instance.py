"""The production instance config on a real Postgres (issue 20, item 7).

A throwaway Postgres cluster (initdb in a temporary folder, a free local port) holds the run, event-log
and schedule storage of ``deploy/dagster.production.yaml``; ``dagster-daemon`` dequeues runs through the
queued run coordinator and launches them with the default launcher; two runs of Chorus's reference
assets are submitted together. Both succeed, no two steps that open the working store ever ran at the
same time (the ``duckdb_writer`` pool's one slot is held in Postgres), and their events are in Postgres.

Skips, saying why, only where a Postgres server cannot be started (no binaries; root with no user to run
it as). `.ci/run` installs Debian's ``postgresql`` when it runs as root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = REPO / "deploy" / "dagster.production.yaml"
HUNG = 600  # a ceiling for a hung process only; every wait ends on an event (exit, runs finished)
LOCATION = "tests.ops.postgres_location"
BIN = Path(sys.executable).parent


def postgres_bin() -> Path | None:
    """The folder holding initdb / pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(debian[-1]).parent if debian else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres() -> Iterator[dict[str, str]]:
    """A Postgres cluster of its own on a free local port; stopped and deleted afterwards."""
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip(
            "no Postgres server binaries (Debian: apt-get install postgresql; .ci/run does so as root)"
        )
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="chorus-pg-"))
    if os.geteuid() == 0:
        # Postgres refuses to run as root; run it as the 'postgres' user the Debian package creates.
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            pytest.skip("running as root and there is no 'postgres' user to run the Postgres server as")
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(folder)
            pytest.skip("running as root and runuser is missing, so Postgres cannot run as another user")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = [runuser, "-u", "postgres", "--"]
    data, port = folder / "data", free_port()

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=HUNG, check=False)

    init = pg(str(bindir / "initdb"), "-D", str(data), "-U", "chorus", "--auth=trust", "-E", "UTF8")
    if init.returncode != 0:
        shutil.rmtree(folder)
        pytest.skip(f"initdb failed here: {(init.stderr.strip().splitlines() or ['?'])[-1]}")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    started = pg(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"),
                 "-w", "-t", str(HUNG), "start")  # fmt: skip
    if started.returncode != 0:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else started.stderr
        shutil.rmtree(folder)
        pytest.skip(f"the Postgres server did not start here: {(log.strip().splitlines() or ['?'])[-1]}")
    try:
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=port, user="chorus", dbname="postgres")
        con.autocommit = True
        con.cursor().execute("CREATE DATABASE dagster")
        con.close()
        yield {"host": "127.0.0.1", "port": str(port), "user": "chorus", "db": "dagster"}
    finally:
        pg(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", str(HUNG), "stop")
        shutil.rmtree(folder, ignore_errors=True)


def step_intervals(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, float, float]]:
    """(step, start, end) of every step of a run, from its events in the instance's event log."""
    starts: dict[str, float] = {}
    spans = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = entry.timestamp
        elif event.event_type_value in {"STEP_SUCCESS", "STEP_FAILURE"}:
            spans.append((f"{run_id[:8]}:{event.step_key}", starts[event.step_key], entry.timestamp))
    return spans


def test_production_config_on_postgres_runs_queued_runs_one_writer_at_a_time(
    postgres: dict[str, str], sample_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(PRODUCTION.read_text())
    # The throwaway cluster has no TLS certificate; production keeps sslmode=require.
    config["storage"]["postgres"]["postgres_db"]["params"] = {"sslmode": "disable"}
    # A run worker on a loaded test machine may take longer than production's 3 minutes to start.
    config["run_monitoring"]["start_timeout_seconds"] = HUNG
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    settings = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": postgres["host"],
        "DAGSTER_PG_PORT": postgres["port"],
        "DAGSTER_PG_DB": postgres["db"],
        "DAGSTER_PG_USERNAME": postgres["user"],
        "DAGSTER_PG_PASSWORD": "not-checked-trust-auth",
        "CHORUS_LANDING_DIR": str(landing),
        "CHORUS_WAREHOUSE": str(tmp_path / "w" / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(tmp_path / "w" / "published.duckdb"),
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO)}

    daemon_log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-m", LOCATION],
        cwd=REPO, env=env, stdout=daemon_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(2):
            launched = subprocess.run(
                [str(BIN / "dagster"), "job", "launch", "-m", LOCATION, "-j", "reference_refresh"],
                cwd=REPO, env=env, capture_output=True, text=True, timeout=HUNG, check=False,
            )  # fmt: skip
            assert launched.returncode == 0, launched.stderr[-3000:]
        with dg.DagsterInstance.get() as instance:
            assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
            deadline = time.monotonic() + HUNG
            while True:
                runs = instance.get_runs()
                if len(runs) == 2 and all(r.is_finished for r in runs):
                    break
                assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
                assert time.monotonic() < deadline, f"runs hung: {[r.status for r in runs]}"
                time.sleep(1)
            assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS] * 2, (
                tmp_path / "daemon.log"
            ).read_text()[-3000:]
            spans = sorted(s for run in runs for s in step_intervals(instance, run.run_id))
    finally:
        # The daemon's whole process group: it starts a code server that would outlive it.
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=HUNG)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(daemon.pid, signal.SIGKILL)
            daemon_log.close()

    run_ids = {r.run_id[:8] for r in runs}
    assert len({name.split(":")[0] for name, _, _ in spans}) == 2, "both runs executed steps"
    by_start = sorted(spans, key=lambda s: s[1])
    for (first, _, first_end), (second, second_start, _) in zip(by_start, by_start[1:], strict=False):
        assert second_start >= first_end, f"{second} started while {first} still held the working store"
    assert run_ids

    import psycopg2

    with (
        psycopg2.connect(
            host=postgres["host"], port=int(postgres["port"]), user=postgres["user"], dbname=postgres["db"]
        ) as con,
        con.cursor() as cur,
    ):
        cur.execute("SELECT count(*) FROM runs")
        assert cur.fetchone()[0] == 2
        cur.execute(
            "SELECT count(DISTINCT run_id), count(*) FROM event_logs WHERE dagster_event_type = 'STEP_SUCCESS'"
        )
        runs_with_steps, step_successes = cur.fetchone()
    assert runs_with_steps == 2 and step_successes == len(spans)
