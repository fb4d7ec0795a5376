"""`chorus` as an operator and a scheduler meet it (issue 20, items 2 and 3).

Exit codes a scheduler can use (0 all good, 3 files rejected, 1 a step failed, 2 bad settings or
arguments), each problem said once in one line, `chorus status` showing the last run, paths that do not
depend on the current folder, and real files that never share the sample's store. The commands run as
real processes, from a folder that is not the project, the way cron runs them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
# A ceiling only for a hung process. A whole sample run takes about a minute on a quiet 2-core machine
# and was seen taking over ten at load 16, so the ceiling is half an hour: slow is never a failure.
HUNG = 1800
UNREADABLE = "fft/notes_from_the_ward.csv"


def chorus(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `chorus ARGS` in a fresh process, as a shell or cron would."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=HUNG,
        check=False,
    )


def chorus_at_a_terminal(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `chorus ARGS` with its stderr on a pseudo-terminal, as a person at a shell sees it.

    Returns the exit code, stdout, and everything the terminal was sent (escape sequences removed).
    """
    import fcntl
    import pty
    import select
    import struct
    import termios

    terminal, child_end = pty.openpty()
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))  # 50 rows, 160 columns
    with (cwd / "chorus-stdout.txt").open("w+") as stdout:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *args],
            cwd=cwd, env={**env, "TERM": "xterm-256color"}, stdin=subprocess.DEVNULL, stdout=stdout,
            stderr=child_end,
        )  # fmt: skip
        os.close(child_end)
        shown = bytearray()
        while select.select([terminal], [], [], HUNG)[0]:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO: the process ended and its end of the terminal is closed
                break
            if not chunk:
                break
            shown += chunk
        os.close(terminal)
        code = proc.wait(timeout=HUNG)
        stdout.seek(0)
        printed = stdout.read()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r", "", shown.decode("utf-8", "replace"))
    return code, printed, text


def base_env(tmp: Path) -> dict[str, str]:
    """No CHORUS_* settings from the caller; a Dagster instance of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHORUS_")}
    home = tmp / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return {**env, "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "false", "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def sample_run(sample_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample's reference and FFT files plus one file no FFT layout recognises, run with --landing /
    --warehouse given relative to a folder outside the project. FFT is the source the tests below need
    (the file it rejects, ICB rows in the published marts for `chorus report --icb`); every asset still
    runs, and the other sources' files only made the run minutes longer."""
    work = tmp_path_factory.mktemp("cli")
    for source in ("reference", "fft"):
        shutil.copytree(sample_landing / source, work / "landing" / source)
    (work / UNREADABLE).parent.mkdir(parents=True, exist_ok=True)
    (work / "landing" / UNREADABLE).write_text("ward,remark\n7B,lovely tea\n")
    env = base_env(work)
    result = chorus("run", "--landing", "landing", "--warehouse", "store/chorus.duckdb", env=env, cwd=work)
    return {"work": work, "env": env, "result": result}


def test_a_run_with_an_unreadable_file_exits_3_and_names_it_once(sample_run: dict) -> None:
    result = sample_run["result"]
    output = result.stdout + result.stderr
    assert result.returncode == 3, output[-3000:]
    lines = [line for line in output.splitlines() if "notes_from_the_ward.csv" in line]
    assert len(lines) == 1, lines
    assert "layout not recognised" in lines[0]
    assert "Traceback" not in output
    work = sample_run["work"]
    # The summary says what an analyst opens next.
    assert str(work / "store" / "reports" / "index.html") in result.stdout
    assert str(work / "store" / "published.duckdb") in result.stdout
    # Dagster's own stream is in the log file the run named, not on the terminal.
    logs = list((work / "store" / "logs").glob("chorus-run-*.log"))
    assert len(logs) == 1 and str(logs[0]) in result.stderr
    log = logs[0].read_text()
    assert "STEP_SUCCESS" in log
    # Every FFT asset meets the file; the log names it once, not once per asset (it was four times).
    assert log.count("notes_from_the_ward.csv: layout not recognised") == 1


def test_a_second_run_with_nothing_new_does_nothing_and_still_names_the_rejected_file(
    sample_run: dict,
) -> None:
    """Cron's nightly run when no file arrived: no steps, no new log, the same exit code as the run that
    rejected the file (the file is still there, still not loaded), and the reason given once."""
    work, env = sample_run["work"], sample_run["env"]
    logs_before = set((work / "store" / "logs").glob("chorus-run-*.log"))
    result = chorus("run", "--landing", "landing", "--warehouse", "store/chorus.duckdb", env=env, cwd=work)
    output = result.stdout + result.stderr
    assert result.returncode == 3, output[-3000:]
    assert "Nothing to do" in result.stdout
    lines = [line for line in output.splitlines() if "notes_from_the_ward.csv" in line]
    assert len(lines) == 1 and "layout not recognised" in lines[0], lines
    assert set((work / "store" / "logs").glob("chorus-run-*.log")) == logs_before, "a Dagster run was started"


def test_status_shows_the_last_run_in_local_time_and_the_rejected_file(sample_run: dict) -> None:
    work, env = sample_run["work"], sample_run["env"]
    result = chorus(
        "status", env={**env, "CHORUS_WAREHOUSE": str(work / "store" / "chorus.duckdb")}, cwd=work
    )
    assert result.returncode == 3, result.stdout + result.stderr
    last_run = next(line for line in result.stdout.splitlines() if line.startswith("Last run:"))
    zone = time.strftime("%Z")
    assert "chorus_cli_run success" in last_run
    assert "started" in last_run and "ended" in last_run and zone in last_run
    assert "files rejected: 1" in last_run
    assert any(line.startswith("Last load:") and zone in line for line in result.stdout.splitlines())
    assert result.stderr.count("notes_from_the_ward.csv") == 1


def test_publish_shows_the_run_display_and_names_what_to_open(sample_run: dict) -> None:
    """(After the status test, which reads the last run.) `chorus publish` runs a Dagster step like `chorus run`: the live table of steps on the terminal,
    Dagster's stream in a log file it names, and the same summary naming the published file and report."""
    work, env = sample_run["work"], sample_run["env"]
    store = work / "store"
    env = {
        **env,
        "CHORUS_LANDING_DIR": str(work / "landing"),
        "CHORUS_WAREHOUSE": str(store / "chorus.duckdb"),
        "CHORUS_PUBLISHED": str(store / "published.duckdb"),
    }
    code, printed, shown = chorus_at_a_terminal("publish", env=env, cwd=work)
    assert code == 0, (printed + shown)[-3000:]
    logs = list((store / "logs").glob("chorus-publish-*.log"))
    assert len(logs) == 1 and f"Dagster's full log: {logs[0]}" in shown, shown[-3000:]
    assert "STEP_SUCCESS" in logs[0].read_text()
    # The live table: a header, the step's row with its state and elapsed seconds, the caption's counts.
    assert re.search(r"step\s+state\s+elapsed", shown), shown[-3000:]
    assert re.search(r"published_store\s+done\s+\d+\.\d s", shown), shown[-3000:]
    assert re.search(r"done: \d+ +checks passed: \d+", shown), shown[-3000:]
    assert "STEP_START" not in shown + printed, "Dagster's stream must stay in the log file"
    assert f"Published store: {store / 'published.duckdb'}" in printed
    assert f"Report:          {store / 'reports' / 'index.html'}" in printed


def test_a_different_landing_folder_never_shares_the_store(sample_run: dict, tmp_path: Path) -> None:
    work, env = sample_run["work"], sample_run["env"]
    real = tmp_path / "real_files"
    shutil.copytree(work / "landing" / "reference", real / "reference")
    store = work / "store" / "chorus.duckdb"
    result = chorus("run", "--landing", str(real), "--warehouse", str(store), env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "holds data from the landing folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with duckdb.connect(str(store), read_only=True) as con:
        landing = con.execute("SELECT value FROM meta.store_info WHERE key = 'landing_dir'").fetchone()[0]
    assert landing == str((work / "landing").resolve())


def test_report_icb_codes_are_case_insensitive(sample_run: dict, tmp_path: Path) -> None:
    work, env = sample_run["work"], sample_run["env"]
    published = work / "store" / "published.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        icb = con.execute(
            "SELECT min(geography_code) FROM marts.metric_by_group WHERE geography_level = 'icb'"
        ).fetchone()[0]
    env = {**env, "CHORUS_PUBLISHED": str(published)}
    result = chorus("report", "--icb", icb.lower(), "--out", str(tmp_path / "r"), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "r" / f"inequalities_{icb}.html").exists()


def test_a_failed_step_exits_1_with_its_root_cause_and_no_tables(
    sample_landing: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing / "reference", landing / "reference")
    with (landing / "reference" / "epraccur.csv").open("a") as f:
        f.write('"Y99999","A TRUNCATED ROW"\n')
    result = chorus(
        "run", "-s", "REFERENCE", "--landing", str(landing), "--warehouse", str(tmp_path / "w.duckdb"),
        env=base_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    failed = [line for line in result.stderr.splitlines() if line.startswith("FAILED ref__gp_practices")]
    assert len(failed) == 1 and "epraccur.csv" in failed[0], output[-3000:]
    assert "Tables built" not in output
    assert "Traceback" not in output


def test_a_bad_memory_limit_exits_2_in_one_line(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "CHORUS_MEMORY_LIMIT": "lots"}
    result = chorus("run", "--landing", str(tmp_path), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "CHORUS_MEMORY_LIMIT" in result.stderr and "'lots'" in result.stderr
    assert "Tables built" not in result.stdout


def test_unknown_sources_are_named_with_the_valid_ones(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    result = chorus(
        "run", "-s", "gpp", "--landing", "landing", "--warehouse", "w.duckdb", env=base_env(tmp_path), cwd=tmp_path
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown source(s) gpp" in result.stderr
    assert "gpps" in result.stderr and "fft" in result.stderr and "reference" in result.stderr
    assert not (tmp_path / "w.duckdb").exists(), "a refused run must not create a store"


def test_run_never_generates_the_sample_into_a_folder_nobody_named(tmp_path: Path) -> None:
    """From another folder, a missing landing folder is an error; nothing appears in the current folder."""
    result = chorus("run", "--landing", "nowhere", env=base_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert str(tmp_path / "nowhere") in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dagster_home"]


def test_relative_settings_are_read_against_the_project_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemas.settings import ChorusSettings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHORUS_WAREHOUSE", "data/warehouse/other.duckdb")
    monkeypatch.delenv("CHORUS_LANDING_DIR", raising=False)
    settings = ChorusSettings()
    assert settings.warehouse == REPO / "data" / "warehouse" / "other.duckdb"
    assert settings.landing_dir == REPO / "data" / "sample"
    assert settings.report_path == REPO / "data" / "warehouse" / "reports"


def test_help_documents_the_exit_codes_and_version_prints(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    helped = chorus("--help", env=env, cwd=tmp_path)
    text = " ".join(helped.stdout.split())
    for phrase in ("0 all good", "3 the run finished but some files were rejected", "1 a step failed",
                   "2 bad settings or arguments"):  # fmt: skip
        assert phrase in text, phrase
    version = chorus("--version", env=env, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("chorus ")


def test_the_readme_query_tools_open_the_published_file(sample_run: dict) -> None:
    """The `duckdb` CLI (PyPI duckdb-cli, an older engine than the pipeline's) opens the published file
    read-only, and pandas reads its Parquet exports (pyarrow), as the README promises after a run."""
    import pandas as pd

    store = sample_run["work"] / "store"
    duckdb_cli = shutil.which("duckdb", path=str(Path(sys.executable).parent)) or shutil.which("duckdb")
    assert duckdb_cli, "the duckdb CLI (pip package duckdb-cli) is a dependency and must be installed"
    sql = "SELECT count(*) FROM marts.metric_by_group"
    shown = subprocess.run(
        [duckdb_cli, "-readonly", "-csv", "-noheader", str(store / "published.duckdb"), "-c", sql],
        capture_output=True, text=True, timeout=HUNG, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    with duckdb.connect(str(store / "published.duckdb"), read_only=True) as con:
        rows = con.execute(sql).fetchone()[0]
    assert rows > 0 and int(shown.stdout.strip()) == rows
    frame = pd.read_parquet(store / "parquet" / "marts.metric_by_group.parquet")
    assert len(frame) == rows
