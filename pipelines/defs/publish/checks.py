"""Blocking checks on the published file, run on every publish: an attacker's audit (nothing suppressed or
rounded away can be recovered) and every value inside its own intervals. Logic in
``pipelines.publish.disclosure_audit``; these only open the file and report."""

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib.asset_checks import WRITER_POOL
from pipelines.lib.metadata import markdown_table
from pipelines.lib.resources import ChorusResource
from pipelines.publish.disclosure_audit import Finding, audit_disclosure, audit_intervals

EXAMPLES = 20


def _stamp(path: Path) -> list[int]:
    """What identifies one published file: publishing swaps in a new file (a new inode), never edits one."""
    stat = path.stat()
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]


def audited(
    published: Path, name: str, audit: Callable[[duckdb.DuckDBPyConnection], list[Finding]]
) -> list[Finding]:
    """The audit's findings for this published file, run once per file.

    A refresh that publishes nothing new leaves the same file in place; auditing it again would give the
    same answer (the audit reads only the file) and costs seconds at national scale, so the findings are
    kept beside the file, keyed by its identity, and reused while that file stands.
    """
    cache = published.with_name(f"{published.name}.{name}.json")
    stamp = _stamp(published)
    try:
        kept = json.loads(cache.read_text())
        if kept["stamp"] == stamp:
            return [Finding(*row) for row in kept["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no record yet, or an unreadable one: audit the file
    with duckdb.connect(str(published), read_only=True) as con:
        findings = audit(con)
    cache.write_text(json.dumps({"stamp": stamp, "findings": [list(astuple(f)) for f in findings]}))
    return findings


def _audit_check(
    name: str, description: str, audit: Callable[[duckdb.DuckDBPyConnection], list[Finding]]
) -> dg.AssetChecksDefinition:
    # In the writer pool like every step near the store: publish swaps the file these read.
    @dg.asset_check(asset=dg.AssetKey(["published_store"]), name=name, description=description, blocking=True,
                    pool=WRITER_POOL)  # fmt: skip
    def _check(chorus: ChorusResource) -> dg.AssetCheckResult:
        findings = audited(chorus.settings().published, name, audit)
        by_method = Counter((f.table, f.method) for f in findings)
        metadata: dict[str, object] = {
            "checked": dg.MetadataValue.md(description),
            "findings": len(findings),
        }
        if findings:
            metadata["by_method"] = dg.MetadataValue.md(
                markdown_table(
                    ["table", "method", "rows"], [(t, m, n) for (t, m), n in by_method.most_common()]
                )
            )
            metadata["examples"] = dg.MetadataValue.md(
                markdown_table(
                    ["table", "row", "method", "recovered"],
                    [(f.table, f.row, f.method, f.recovered) for f in findings[:EXAMPLES]],
                )
            )
        return dg.AssetCheckResult(
            passed=not findings,
            metadata=metadata,
            description=f"{description}: {'nothing found' if not findings else f'{len(findings)} finding(s)'}",
        )

    return _check


no_count_recoverable = _audit_check(
    "no_count_recoverable",
    "An attacker's audit of the published marts (metric_by_group, representation, triangulation): no figure "
    "on a suppressed row, no count 1-7 or unrounded, no survey base under 10 or unrounded; Wilson and "
    "Byar/exact limits inverted for (x, n); shares x totals and n_eff x value searched for true counts; "
    "every total and its parts (each dimension's groups, ethnicity within band) solved over the integers. "
    "Nothing suppressed or rounded away may come back",
    audit_disclosure,
)
values_inside_intervals = _audit_check(
    "values_inside_intervals",
    "Every published value of metric_by_group lies inside its own 95% and 99.8% limits, and every "
    "representation ratio inside its 95% limits",
    audit_intervals,
)
