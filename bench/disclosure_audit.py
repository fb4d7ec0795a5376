"""Benchmark: the attacker's audit of the published file (issue 22). Not a test: it reports, never asserts.

Times ``audit_disclosure`` (set-based) and, with ``--reference``, the row-by-row audit it replaced
(tests/marts/disclosure_audit_rowwise.py) on one published file, each in its own subprocess, with that
subprocess's peak RSS; then says whether their findings are identical (same rows, methods, text, order).

The file is ``--published PATH`` (opened read-only, e.g. a national run's ``published.duckdb``), or else a
synthetic store of ``--areas`` sub-ICB areas built in a temporary folder (30 metric_by_group rows an area:
8,500 areas is about the national 255,000 rows), with leaks of every kind planted
(tests/marts/synthetic_published.py).

Run: ``.venv/bin/python bench/disclosure_audit.py [--published PATH | --areas 8500] [--reference]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMPLEMENTATIONS = {
    "set-based": "pipelines.publish.disclosure_audit",
    "row-by-row": "tests.marts.disclosure_audit_rowwise",
}


def audit_one(module: str, published: str, out: str) -> None:
    """In a subprocess: run one implementation's audit, write its findings to ``out``, print the figures."""
    import importlib
    import resource
    import time
    from dataclasses import astuple

    import duckdb

    audit = importlib.import_module(module)
    with duckdb.connect(published, read_only=True) as con:
        rows = con.execute("SELECT count(*) FROM marts.metric_by_group").fetchone()[0]
        start = time.perf_counter()
        findings = audit.audit_disclosure(con)
        seconds = time.perf_counter() - start
    Path(out).write_text(json.dumps([list(astuple(f)) for f in findings]))
    print(json.dumps({
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "metric_rows": rows,
        "findings": len(findings),
    }))  # fmt: skip


def run(name: str, published: Path, tmp: Path) -> tuple[dict, list]:
    out = tmp / f"{name}.json"
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); from bench.disclosure_audit import audit_one; audit_one(*sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, IMPLEMENTATIONS[name], str(published), str(out)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1]), json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, help="an existing published file (read-only)")
    parser.add_argument("--areas", type=int, default=8500, help="synthetic store size when no --published")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--reference", action="store_true", help="also time the row-by-row audit (minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chorus-audit-") as folder:
        tmp = Path(folder)
        published = args.published
        if published is None:
            sys.path.insert(0, str(REPO))
            from tests.marts.synthetic_published import build_synthetic_published

            published = tmp / "published.duckdb"
            build_synthetic_published(published, areas=args.areas, seed=args.seed)
        results = {}
        for name in ["set-based", *(["row-by-row"] if args.reference else [])]:
            figures, results[name] = run(name, published, tmp)
            print(f"{name}: {json.dumps(figures)}", flush=True)
        if args.reference:
            print(f"identical findings: {results['set-based'] == results['row-by-row']}")


if __name__ == "__main__":
    main()
