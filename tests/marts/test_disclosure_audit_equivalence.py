"""Issue 22: the set-based attacker's audit reports exactly what the row-by-row audit it replaced reported.

The reference is the old module, kept verbatim (tests/marts/disclosure_audit_rowwise.py). Both run on the
same synthetic published stores, in which every kind of leak is planted (tests/marts/synthetic_published.py),
and must give the same findings in the same order with the same text. The engines they share least are
also compared on random inputs: exact differencing (ranges in one pass against boolean arrays, block by
block) and the Wilson and Byar / exact inversions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path

import duckdb
import numpy as np

from pipelines.publish import audit_arithmetic as fast
from pipelines.publish.disclosure_audit import audit_disclosure, audit_intervals
from tests.marts import disclosure_audit_rowwise as reference
from tests.marts.synthetic_published import LEAKS, build_synthetic_published


def test_the_set_based_audit_finds_what_the_row_by_row_audit_found(tmp_path: Path) -> None:
    """About 300 metric rows, 40 representation and 50 triangulation rows, every kind of leak planted up to
    three times. bench/disclosure_audit.py --reference compares the two on a store of national size."""
    path = tmp_path / "published.duckdb"
    build_synthetic_published(path, areas=10, seed=1)
    with duckdb.connect(str(path), read_only=True) as con:
        expected = [astuple(f) for f in reference.audit_disclosure(con)]
        found = [astuple(f) for f in audit_disclosure(con)]
        assert [astuple(f) for f in audit_intervals(con)] == [
            astuple(f) for f in reference.audit_intervals(con)
        ]
    assert {(table, method) for table, _, method, _ in expected} >= LEAKS  # every kind of leak was planted
    assert found == expected


def _random_domain(rng: np.random.Generator) -> tuple[float, str]:
    """A count as a reader sees it: published (rounded or not) or withheld for some reason."""
    kind = rng.integers(0, 40)
    if kind < 20:
        return float(rng.choice([0, 5 * rng.integers(1, 12), rng.integers(1, 60)])), ""
    if kind == 39:  # what only a broken file has: a fractional or negative count
        return float(rng.choice([2.5, 12.5, -5.0, -3.0])), ""
    return np.nan, str(rng.choice(["small_count", "small_base", "secondary", "", "other"]))


def _outcome(recover: Callable[[list, list], list], domains: list) -> object:
    """What an engine answers, or which error it raises (both engines fail alike on a negative total)."""
    try:
        return recover(domains[0], domains[1:])
    except ValueError as error:
        return type(error)


def test_exact_differencing_agrees_with_the_boolean_array_engine_on_random_blocks() -> None:
    rng = np.random.default_rng(22)
    blocks = []
    for _ in range(600):
        cells = [_random_domain(rng) for _ in range(rng.integers(2, 7))]
        role = str(rng.choice(["numerator", "denominator"]))
        domains = [reference.known_values(value, reason, role) for value, reason in cells]
        assert [fast.known_values(value, reason, role) for value, reason in cells] == domains
        expected = _outcome(reference.recover_by_differencing, domains)
        assert _outcome(fast.recover_by_differencing, domains) == expected, cells
        if isinstance(expected, list):
            blocks.append((cells, role, expected))
    # Many blocks at once, as the audit runs it: the same answers block by block.
    for role in ("numerator", "denominator"):
        chosen = [(cells, expected) for cells, r, expected in blocks if r == role]
        values = np.array([v for cells, _ in chosen for v, _ in cells])
        reasons = np.array([reason for cells, _ in chosen for _, reason in cells], dtype=object)
        sizes = np.array([len(cells) for cells, _ in chosen])
        first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        parts = np.concatenate([np.arange(f + 1, f + n) for f, n in zip(first, sizes, strict=True)])
        starts = np.concatenate([[0], np.cumsum(sizes - 1)])
        lo, hi, gap = fast.known_ranges(values, reasons, role)
        total_pin, part_pin = fast.differencing_pins(
            lo, hi, gap, first, parts, starts, np.ones(len(chosen), bool)
        )
        for b, (cells, expected) in enumerate(chosen):
            got = [total_pin[b], *part_pin[starts[b] : starts[b + 1]]]
            assert [None if np.isnan(v) else int(v) for v in got] == expected, cells


def test_the_inversions_agree_with_the_scalar_ones_on_random_intervals() -> None:
    rng = np.random.default_rng(16)
    z = fast.Z["95"]
    # Wilson: limits of random counts (inverted back to them, or to another pair beside other counts),
    # of nearby non-integer counts, and random pairs of numbers.
    x = rng.integers(0, 400, 2000).astype(float)
    n = x + rng.integers(1, 400, 2000)
    x[::7] += 0.37
    lower, upper = fast.wilson_limits(x, n, z)
    lower[::5], upper[::5] = np.sort(rng.uniform(-0.1, 1.1, (2, 400)), axis=0)
    num, den = np.where(np.arange(2000) % 3 == 0, x, x + 5), n
    found, xs, ns = fast.wilson_recovered(lower, upper, z, num, den)
    for i in range(2000):
        expected = reference._wilson_attack(
            "t", {}, [], float(lower[i]), float(upper[i]), "95", num[i], den[i]
        )
        got = [f"{int(xs[i])}/{int(ns[i])}"] if found[i] else []
        assert got == [f.recovered for f in expected], i
        assert fast.invert_wilson(lower[i], upper[i], z) == [
            (float(a), float(b)) for a, b in reference.invert_wilson(float(lower[i]), float(upper[i]), z)
        ]
    # Byar / exact: the ratio of the limits of small and large counts, and of no count at all.
    counts = np.concatenate([rng.integers(1, 12, 6), rng.integers(12, 200_000, 8)]).astype(float)
    for conf in (0.95, 0.998):
        low, up = fast.poisson_limits(counts, conf)
        ratios = np.concatenate([up / low, rng.uniform(0.5, 3.0, 4)])
        expected = [reference.invert_poisson_ratio(float(r), conf) for r in ratios]
        assert [None if np.isnan(v) else int(v) for v in fast.invert_poisson_ratio(ratios, conf)] == expected
