"""Benchmark: the write-audit-publish audit per file. Not a test (not collected): it prints, never asserts.

(a) ``--reports N`` small Healthwatch Markdown reports (copies of the sample's Markdown report, each with a
    register row) ingested through ``ingest_source`` with the Great Expectations resource, as the asset
    does; each file's ``audit`` and ``record_audit`` are timed separately;
(b) ``--sample``: ``materialize`` of every asset on the generated sample (in-process executor).

Run: ``.venv/bin/python -m tests.validation.bench_audit [--reports 500] [--sample]``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from pathlib import Path

from pipelines.core.sql import run_sql_file
from pipelines.sources.reference.readers import DERIVED_SQL


def _figures(label: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{label}: none"
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{label}: n={len(seconds)} total={sum(seconds):.2f}s mean={statistics.mean(seconds) * 1000:.1f}ms "
        f"median={statistics.median(seconds) * 1000:.1f}ms p95={p95 * 1000:.1f}ms max={ordered[-1] * 1000:.1f}ms"
    )


def add_reports(landing: Path, reports: int) -> None:
    """``reports`` copies of the sample's Markdown report, each described by a register row."""
    folder = landing / "healthwatch"
    template = folder / "reports" / "hillcrest-pharmacy-dental-2025.md"
    register = folder / "healthwatch-report-register.csv"
    with register.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    base = next(r for r in rows if r[0] == template.name)
    text = template.read_text(encoding="utf-8")
    for n in range(reports):
        name = f"bench-report-{n + 1:04d}.md"
        title = f"{base[5]} ({n + 1})"
        (folder / "reports" / name).write_text(text.replace(base[5], title), encoding="utf-8")
        rows.append([name, base[1], base[2], base[3], base[4], title])
    with register.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def bench_reports(reports: int) -> None:
    from pipelines.core.store import open_store
    from pipelines.ingest.loop import ingest_source
    from pipelines.lib.gx_resource import GreatExpectationsResource
    from pipelines.sample.generate import generate_sample
    from pipelines.validation.audit import SqlRunner, build_audit
    from tests.validation.harness import prepare, source_layouts

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        landing = root / "landing"
        generate_sample(landing)
        add_reports(landing, reports)
        warehouse = root / "w.duckdb"
        with open_store(warehouse) as con:
            prepare(con, "reference")
            audit, record = build_audit(SqlRunner())
            assert not ingest_source(con, landing, "reference", source_layouts("reference"), audit=audit,
                                     record_audit=record).failed  # fmt: skip

            run_sql_file(con, DERIVED_SQL)
        audit_s: list[float] = []
        record_s: list[float] = []
        audit, record = build_audit(GreatExpectationsResource())

        def timed_audit(*args):  # noqa: ANN002, ANN202
            start = time.perf_counter()
            try:
                return audit(*args)
            finally:
                audit_s.append(time.perf_counter() - start)

        def timed_record(*args) -> None:  # noqa: ANN002
            start = time.perf_counter()
            try:
                record(*args)
            finally:
                record_s.append(time.perf_counter() - start)

        start = time.perf_counter()
        with open_store(warehouse) as con:
            prepare(con, "healthwatch")
            report = ingest_source(con, landing, "healthwatch", source_layouts("healthwatch"),
                                   audit=timed_audit, record_audit=timed_record)  # fmt: skip
            engines = con.execute(
                "SELECT engine, count(DISTINCT source_file), count(*) FROM meta.validation_results "
                "WHERE source = 'healthwatch' GROUP BY 1 ORDER BY 1"
            ).fetchall()
        total = time.perf_counter() - start
        assert not report.failed, report.summary_markdown()
        print(f"(a) {reports} extra Healthwatch Markdown reports: {len(report.outcomes)} files, "
              f"ingest {total:.1f}s")  # fmt: skip
        print("   ", _figures("audit", audit_s))
        print("   ", _figures("audit, first 10 files (GX import, suites built)", audit_s[:10]))
        print("   ", _figures("audit, after the first 10", audit_s[10:]))
        print("   ", _figures("record_audit", record_s))
        print("    engines (engine, files, outcomes):", engines)


def bench_sample() -> None:
    from pipelines.definitions import defs
    from pipelines.sample.generate import generate_sample
    from tests.conftest import failed_checks, materialize, step_failures

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_sample(root / "landing")
        start = time.perf_counter()
        result = materialize(defs(), root / "landing", root / "warehouse" / "chorus.duckdb")
        total = time.perf_counter() - start
        print(f"(b) sample materialize (every asset, in-process): {total:.1f}s, success={result.success}")
        if not result.success:
            print(step_failures(result), failed_checks(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--sample", action="store_true")
    args = parser.parse_args()
    if args.reports:
        bench_reports(args.reports)
    if args.sample:
        bench_sample()


if __name__ == "__main__":
    main()
