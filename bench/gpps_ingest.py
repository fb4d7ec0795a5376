"""Benchmark: ingest a national-size GPPS practice file (issue 3, item 7). Not a test.

Generates 6,500 practices × the full 2023 column list (1,001 columns), then times, each in its own
subprocess so peak memory (ru_maxrss) is per method:

- ours: the whole ingest, file → ``staged.gpps_results`` (ledger, quarantine, reconciliation included);
- floor: DuckDB ``CREATE TABLE … AS SELECT * FROM read_csv(…)`` into one wide typed table;
- pandas: ``read_csv`` + ``melt`` + ``to_numeric`` + ``pivot_table`` into the same long table (one row per
  practice, question and option, its statistics in columns), as an analyst would.

Targets: ours within 1.5× of the floor, at least 2.5× faster than pandas, peak under 1 GB.
Run: ``.venv/bin/python bench/gpps_ingest.py [--practices 6500] [--repeat 3]``.

The methods run in rounds (floor, ours, pandas, then again), so a neighbour loading the machine weighs on
all three alike; the best wall time of each is reported, with the CPU seconds (user + system) of that run,
which a busy machine disturbs far less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _cpu_seconds() -> float:
    """User + system CPU of this process, every thread (DuckDB's workers included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def generate(path: Path, practices: int) -> None:
    """A 2023-layout practice file of ``practices`` rows: synthetic practices X0nnnn, real column list."""
    import numpy as np

    sys.path.insert(0, str(REPO))
    from pipelines.sources.gpps.sample import columns_2023, fmt

    header = columns_2023()
    ids = {"practice_code", "practice_name", "pcn_code", "pcn_name", "ics_code", "ics_code_ons", "ics_name",
           "cr_code", "cr_name"}  # fmt: skip
    rng = np.random.default_rng(7)
    measure_cols = [c for c in header if c not in ids]
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(header) + "\n")
        for i in range(practices):
            values = rng.random(len(measure_cols))
            cells = {
                "practice_code": f"X{i:05d}", "practice_name": f"PRACTICE {i} (SYNTHETIC)", "pcn_code": f"UZ{i // 6:04d}",
                "pcn_name": "SYNTHETIC PCN", "ics_code": "QZ9", "ics_code_ons": "E54999999",
                "ics_name": "SYNTHETIC ICB", "cr_code": "YZ9", "cr_name": "SYNTHETIC REGION",
            }  # fmt: skip
            for col, v in zip(measure_cols, values, strict=True):
                if col.endswith("base") or col in ("distributed", "received"):
                    cells[col] = str(int(v * 400))
                elif "pct" in col or "_wil" in col or col == "resprate":
                    cells[col] = "-99" if v < 0.01 else fmt(round(float(v), 6))
                else:
                    cells[col] = fmt(round(float(v) * 150, 6))
            out.write(",".join(cells[c] for c in header) + "\n")


def run_ours(csv_path: str, workdir: str) -> dict[str, float]:
    sys.path.insert(0, str(REPO))
    from pipelines.core.store import open_store
    from pipelines.ingest.loop import ingest_source
    from pipelines.sources.gpps import readers as L
    from pipelines.sources.reference.readers import ensure_reference_tables

    os.environ["CHORUS_SETTLE_SECONDS"] = "0"  # the file is complete: read it however recently it was written
    landing = Path(workdir) / "landing"
    (landing / "gpps").mkdir(parents=True)
    target = landing / "gpps" / "GPPS_2023_Practice_data_(weighted)_(csv)_PUBLIC.csv"
    shutil.copyfile(csv_path, target)  # a link out of the landing folder is refused, as it should be
    warehouse = Path(workdir) / "w.duckdb"
    with open_store(warehouse) as con:
        # A geography that knows every practice, so the practice check runs on every row.
        ensure_reference_tables(con)
        con.execute(
            "CREATE OR REPLACE TABLE ref.practice_geography_versions AS SELECT 'X' || lpad(i::VARCHAR, 5, '0') "
            "AS practice_code, DATE '2023-01-01' AS valid_from, NULL::DATE AS valid_to FROM range(100000) t(i)"
        )
        L.prepare(con)
        start, cpu = time.perf_counter(), _cpu_seconds()
        report = ingest_source(con, landing, "gpps", L.GPPS_LAYOUTS)
        elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        assert not report.failed, report.summary_markdown()
        rows = con.execute("SELECT count(*) FROM staged.gpps_results").fetchone()[0]
        # The synthetic values are random, so some rows break a rule (an interval upside down): quarantined,
        # still rows of the long table that was built.
        quarantined = con.execute("SELECT count(*) FROM quarantine.rows").fetchone()[0]
    assert rows, report.summary_markdown()
    return {"seconds": elapsed, "cpu": cpu, "rows": rows + quarantined}


def run_floor(csv_path: str, workdir: str) -> dict[str, float]:
    import duckdb

    with duckdb.connect(str(Path(workdir) / "floor.duckdb")) as con:
        start, cpu = time.perf_counter(), _cpu_seconds()
        con.execute(f"CREATE TABLE wide AS SELECT * FROM read_csv('{csv_path}')")
        elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
        rows = con.execute("SELECT count(*) FROM wide").fetchone()[0]
    return {"seconds": elapsed, "cpu": cpu, "rows": rows}


def run_pandas(csv_path: str, workdir: str) -> dict[str, float]:
    """The same long table as ours, the way an analyst would build it with pandas: one row per practice,
    question and response option with its proportion, count, base and interval, suppressed cells marked."""
    import pandas as pd

    sys.path.insert(0, str(REPO))
    from pipelines.sources.gpps import grammar as G
    from pipelines.sources.gpps.readers.common import SUPPRESSION_CODES, SUPPRESSION_TEXT

    start, cpu = time.perf_counter(), _cpu_seconds()
    wide = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    # What each column is, read once per column name (not per cell): kind, question stem, option code, side.
    names = pd.Series(wide.columns[wide.columns.str.match(r"^q\d")], name="variable")
    kinds = []
    for kind, pattern in (("count", G.QN_COUNT), ("pct", G.QN_PCT), ("base", G.QN_BASE), ("ci", G.QN_CI)):
        parts = names.str.extract(pattern.pattern)
        parts["kind"], parts["variable"] = kind, names
        kinds.append(parts[parts["stem"].notna()])
    meta = pd.concat(kinds, ignore_index=True).drop_duplicates("variable")
    long = wide.melt(id_vars=["practice_code"], value_vars=list(meta["variable"]), var_name="variable",
                     value_name="text").merge(meta, on="variable")  # fmt: skip
    long["value"] = pd.to_numeric(long["text"], errors="coerce")
    long["suppressed"] = long["value"].isin(SUPPRESSION_CODES) | long["text"].isin(SUPPRESSION_TEXT)
    long.loc[long["suppressed"], "value"] = float("nan")
    key = ["practice_code", "stem"]
    options = long[long["kind"].isin(["count", "pct"])]
    table = options.pivot_table(index=[*key, "code"], columns="kind", values="value", aggfunc="first",
                                dropna=False).reset_index()  # fmt: skip
    hidden = options.groupby([*key, "code"], as_index=False)["suppressed"].any()
    base = long[long["kind"] == "base"][[*key, "value"]].rename(columns={"value": "unweighted_base"})
    ci = long[long["kind"] == "ci"].pivot_table(index=key, columns="side", values="value", aggfunc="first")
    table = (
        table.merge(hidden, on=[*key, "code"])
        .merge(base, on=key, how="left")
        .merge(
            ci.reset_index().rename(columns={"lower": "ci_lower", "upper": "ci_upper"}), on=key, how="left"
        )
    )
    elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    return {"seconds": elapsed, "cpu": cpu, "rows": len(table)}


METHODS = {"ours": run_ours, "floor": run_floor, "pandas": run_pandas}


def child(method: str, csv_path: str, workdir: str) -> None:
    """Run one method and print its figures and this process's peak memory as JSON."""
    figures = METHODS[method](csv_path, workdir)
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def measure(method: str, csv_path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{method}-") as workdir:
        out = subprocess.run(
            [sys.executable, __file__, "--child", method, str(csv_path), workdir],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=6500)
    parser.add_argument("--repeat", type=int, default=3, help="runs per method; the best time is reported")
    parser.add_argument("--child", nargs=3, metavar=("METHOD", "CSV", "WORKDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench-gpps-") as tmp:
        csv_path = Path(tmp) / "national_2023.csv"
        start = time.perf_counter()
        generate(csv_path, args.practices)
        print(f"generated {args.practices} practices × 1,001 columns, {csv_path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in METHODS}
        for _ in range(args.repeat):
            for method in ("floor", "ours", "pandas"):
                runs[method].append(measure(method, csv_path))
        results: dict[str, dict[str, float]] = {}
        for method in ("floor", "ours", "pandas"):
            best = dict(min(runs[method], key=lambda r: r["seconds"]))
            best["peak_mb"] = max(r["peak_mb"] for r in runs[method])
            results[method] = best
            walls = ", ".join(f"{r['seconds']:.2f}" for r in runs[method])
            print(
                f"{method:>6}: {best['seconds']:6.2f} s wall  {best['cpu']:6.2f} s cpu  peak {best['peak_mb']:7.0f} MB  "
                f"rows {int(best['rows']):,}  (walls: {walls})"
            )
    ours, floor, pandas_ = results["ours"], results["floor"], results["pandas"]
    vs_floor = ours["seconds"] / floor["seconds"]
    vs_pandas = pandas_["seconds"] / ours["seconds"]
    print(
        f"ours / floor  = {vs_floor:.2f}×  (target ≤ 1.5×) {'OK' if vs_floor <= 1.5 else 'MISSED'}"
        f"   cpu {ours['cpu'] / floor['cpu']:.2f}×"
    )
    print(
        f"pandas / ours = {vs_pandas:.2f}×  (target ≥ 2.5×) {'OK' if vs_pandas >= 2.5 else 'MISSED'}"
        f"   cpu {pandas_['cpu'] / ours['cpu']:.2f}×"
    )
    print(
        f"ours peak     = {ours['peak_mb']:.0f} MB (target < 1024 MB) {'OK' if ours['peak_mb'] < 1024 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
