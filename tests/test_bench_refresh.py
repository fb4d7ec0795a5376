"""The refresh benchmark's guard (``bench/refresh.py --check``): what counts as a miss, and the targets."""

import csv
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_refresh", REPO / "bench" / "refresh.py")
refresh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refresh)


def _run(seconds: float, rc: int = 0, peak_mb: float = 500.0) -> dict:
    return {"seconds": seconds, "rc": rc, "peak_mb": peak_mb, "steps": {}, "failures": []}


QUERIES = {
    "connect_ms": 5.0,
    "queries": [{"median_ms": 3.0, "first_ms": 4.0, "max_ms": 5.0, "rows": 10, "sql": "x"}],
}


def test_national_targets_are_the_issue_targets_and_small_scales_keep_a_fixed_part() -> None:
    assert refresh.targets_for(1.0) == {
        "full_s": 300.0, "no_change_s": 20.0, "one_file_s": 60.0, "peak_mb": 4096.0, "query_ms": 100.0
    }  # fmt: skip
    small = refresh.targets_for(0.05)
    assert small["full_s"] == 72.0 and small["one_file_s"] == 22.0 and small["no_change_s"] == 20.0


def test_a_run_within_every_target_passes() -> None:
    runs = {"full": _run(250), "no_change": _run(15), "one_file": _run(40)}
    assert refresh.misses(runs, QUERIES, refresh.targets_for(1.0)) == []


def test_a_failed_refresh_misses_even_when_fast_and_a_slow_one_says_by_how_much() -> None:
    runs = {"full": _run(120, rc=1), "no_change": _run(25), "one_file": _run(40, peak_mb=5000)}
    found = refresh.misses(runs, QUERIES, refresh.targets_for(1.0))
    assert found == [
        "full refresh: exit 1",
        "no-change refresh: 25.0 s >= 20 s",
        "one-new-file refresh: peak 5000 MB >= 4096 MB",
    ]


def test_a_missing_published_file_is_a_miss() -> None:
    runs = {"full": _run(250), "no_change": _run(15), "one_file": _run(40)}
    assert refresh.misses(runs, None, refresh.targets_for(1.0)) == ["README queries: no published file"]


def test_each_run_is_appended_to_the_results_file(tmp_path: Path) -> None:
    runs = {
        "full": _run(250) | {"load_before": 1.0, "load_after": 1.5},
        "no_change": _run(15),
        "one_file": _run(40),
    }
    path = tmp_path / "refresh.csv"
    refresh.record(runs, QUERIES, 1.0, [], path)
    refresh.record(runs, QUERIES, 0.05, ["no-change refresh: 25.0 s >= 20 s"], path)
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and lines[0].startswith("finished_utc,commit,scale,cpu,cores,full_s")
    assert ",pass," in lines[1] and lines[2].endswith(",MISS,no-change refresh: 25.0 s >= 20 s,1")
    assert lines[0].endswith(",verdict,misses,gpps_years")


def test_a_results_file_from_before_the_gpps_years_column_gets_it(tmp_path: Path) -> None:
    """Rows recorded before ``--gpps-years`` keep their figures under the right headers; theirs is empty."""
    runs = {"full": _run(250), "no_change": _run(15), "one_file": _run(40)}
    path = tmp_path / "refresh.csv"
    refresh.record(runs, QUERIES, 1.0, [], path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].removesuffix(",gpps_years"), lines[1].removesuffix(",1")]) + "\n")
    refresh.record(runs, QUERIES, 0.05, [], path, gpps_years=10)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["scale"], r["full_s"], r["gpps_years"]) for r in rows] == [
        ("1.0", "250", ""),
        ("0.05", "250", "10"),
    ]
