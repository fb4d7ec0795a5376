"""Each published GPPS result's effective sample size: its own, from its published Wilson interval, where
that interval determines it; the national design effect (base / 2.43) only where it does not, and the
row says which. Funnels place practices by their own precision."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pipelines.core.store import open_store
from pipelines.marts import build
from pipelines.methods.intervals import wilson_on_effective_n
from pipelines.methods.proportion_funnels import funnel_limits_proportion, funnel_significance
from pipelines.sources.gpps.effective_n import (
    DESIGN_EFFECT,
    DESIGN_EFFECT_ASSUMED,
    FROM_PUBLISHED_CI,
    effective_n,
    published_decimals,
)
from tests.conftest import query
from tests.gpps.helpers import FIXTURES, ingest, landing_with

EXCERPT = "gpps/gpps_2026_national_excerpt_first25cols.csv"
STEM = "localgpservicesphone"


def _published(p: float, n_eff: float, decimals: int = 4) -> tuple[float, float]:
    """Wilson limits as a results file writes them: on the practice's own n_eff, rounded."""
    lower, upper = wilson_on_effective_n(p, n_eff)
    return round(lower, decimals), round(upper, decimals)


def test_2026_england_row_reproduced(shared_data: Path) -> None:
    with (shared_data / EXCERPT).open() as handle:
        row = next(csv.DictReader(handle))
    p, lower, upper = (float(row[f"{STEM}.{k}"]) for k in ("pcteval", "lowileval", "hiwileval"))
    base = float(row[f"{STEM}.baseevaluw"])
    (n_eff,), (method,) = effective_n([p], [lower], [upper], [base])
    assert method == FROM_PUBLISHED_CI
    # Its own n_eff gives back exactly the interval England published ...
    again = wilson_on_effective_n(p, n_eff)
    assert again == pytest.approx((lower, upper), abs=1e-12)
    # ... and is the one the national design effect was read from (2.432, published as 2.43).
    assert base / n_eff == pytest.approx(DESIGN_EFFECT, abs=0.005)


def test_a_practice_with_its_own_precision_gets_its_own_n_eff() -> None:
    # 120 respondents weighted with a design effect of 1.5: n_eff 80, not 120 / 2.43 = 49.4.
    p, base = 0.62, 120.0
    lower, upper = _published(p, 80.0)
    (n_eff,), (method,) = effective_n([p], [lower], [upper], [base])
    assert method == FROM_PUBLISHED_CI
    assert n_eff == pytest.approx(80.0, rel=0.01)
    assert abs(n_eff - base / DESIGN_EFFECT) > 25


def test_a_row_without_limits_says_the_design_effect_was_assumed() -> None:
    (n_eff,), (method,) = effective_n([0.7], [np.nan], [np.nan], [50.0])
    assert method == DESIGN_EFFECT_ASSUMED == "design_effect_2.43"
    assert n_eff == pytest.approx(50.0 / 2.43)


@pytest.mark.parametrize(
    ("case", "p", "lower", "upper", "base"),
    [
        ("p at 1: the limits sit on a bound", 1.0, 0.93, 1.0, 50.0),
        ("p at 0", 0.0, 0.0, 0.07, 50.0),
        ("two decimals: the rounding decides n", 0.62, *_published(0.62, 80.0, decimals=2), 120.0),
        ("more effective respondents than respondents", 0.9209, 0.8718, 0.9521, 110.0),
        ("a value the limits do not surround as Wilson would", 0.66, *_published(0.62, 80.0), 120.0),
    ],
)
def test_limits_that_do_not_determine_n_eff_fall_back_to_the_design_effect(
    case: str, p: float, lower: float, upper: float, base: float
) -> None:
    (n_eff,), (method,) = effective_n([p], [lower], [upper], [base])
    assert method == DESIGN_EFFECT_ASSUMED, case
    assert n_eff == pytest.approx(base / DESIGN_EFFECT), case


def test_published_decimals_read_from_the_value() -> None:
    assert list(published_decimals([0.4736, 0.566930842824648, 0.5, 1.0])) == [4, 15, 1, 0]


# --- through the marts ------------------------------------------------------------------------------

PRACTICES = {  # practice: (value, unweighted base, the n_eff its weighting gave)
    "A81001": (0.50, 200, 190.0),  # nearly unweighted: much more precise than 200 / 2.43 = 82
    "A81002": (0.62, 200, 70.0),
    "A81004": (0.61, 180, 60.0),
}
ICB_VALUE = 0.60


def _dot_file(path: Path, ids: list[str], rows: list[tuple[list[str], float, int, float | None]]) -> Path:
    """A 2025 results file of one stem: identifiers, option counts, bases, pcteval and its limits."""
    header = [*ids, *(f"{STEM}_{k}.count" for k in range(1, 7)), f"{STEM}.counteval", f"{STEM}.basefulluw",
              f"{STEM}.baseevaluw", f"{STEM}.basefullw", f"{STEM}.baseevalw", f"{STEM}.pcteval",
              f"{STEM}.lowileval", f"{STEM}.hiwileval"]  # fmt: skip
    lines = [",".join(header)]
    for id_values, p, base, n_eff in rows:
        lower, upper = _published(p, n_eff) if n_eff else ("", "")
        positive = p * base
        counts = [
            10,
            positive / 2,
            positive / 2,
            (base - positive) / 2,
            (base - positive) / 4,
            (base - positive) / 4,
        ]
        lines.append(
            ",".join(
                str(v)
                for v in [*id_values, *counts, positive, base + 10, base, base + 10, base, p, lower, upper]
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2025 practice and ICS files (own intervals) and the 2017 fixture (no intervals), built to the marts."""
    tmp = tmp_path_factory.mktemp("n_eff")
    practices = _dot_file(
        tmp / "GPPS_2025_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        ["ad_practicecode", "ad_icscode"],
        [([code, "QHM"], p, base, n) for code, (p, base, n) in PRACTICES.items()],
    )
    icb = _dot_file(
        tmp / "GPPS_2025_ICS_data_(weighted)_(csv)_PUBLIC.csv",
        ["ad_icscode"],
        [(["QHM"], ICB_VALUE, 600, 250.0)],
    )
    landing = landing_with(
        tmp, practices, icb, FIXTURES / "GPPS_2017_Practice_data_(weighted)_(csv)_PUBLIC.csv"
    )
    warehouse = tmp / "w.duckdb"
    report = ingest(warehouse, landing)
    assert not report.failed, report.summary_markdown()
    with open_store(warehouse) as con:
        build.build_metric_by_group(con)
        build.build_variation(con)
    return warehouse


def test_practice_rows_carry_their_own_n_eff_and_say_how(marts: Path) -> None:
    rows = query(
        marts,
        """SELECT geography_code, period, metric_id, n_eff, n_eff_method, unweighted_n FROM marts.metric_by_group
           WHERE geography_level = 'practice' AND source = 'gpps_published' ORDER BY ALL""",
    )
    by_key = {
        (code, period, metric): (n_eff, method, base) for code, period, metric, n_eff, method, base in rows
    }
    for code, (_, base, n) in PRACTICES.items():
        n_eff, method, _ = by_key[(code, "2025", "phone_access")]
        assert method == FROM_PUBLISHED_CI
        assert n_eff == pytest.approx(n, rel=0.02)
        assert abs(n_eff - base / DESIGN_EFFECT) > 10
    # The 2017 file publishes no intervals: the national design effect is assumed, and said.
    n_eff, method, base = by_key[("A81001", "2017", "overall_experience")]
    assert method == DESIGN_EFFECT_ASSUMED and n_eff == pytest.approx(base / DESIGN_EFFECT)


def test_funnels_place_practices_by_their_own_precision(marts: Path) -> None:
    rows = query(
        marts,
        """SELECT unit_code, vs_icb, icb_value FROM marts.variation
           WHERE icb_code = 'QHM' AND period = '2025' AND metric_id = 'phone_access' AND unit_level = 'practice'
             AND boundaries = 'as_of_period'
           ORDER BY unit_code""",
    )
    codes = [r[0] for r in rows]
    assert codes == sorted(PRACTICES) and rows[0][2] == pytest.approx(ICB_VALUE)
    value = np.array([PRACTICES[c][0] for c in codes])
    own = np.array([PRACTICES[c][2] for c in codes])
    assumed = np.array([PRACTICES[c][1] for c in codes]) / DESIGN_EFFECT

    def labels(n: np.ndarray) -> list[str]:
        return [str(s) for s in funnel_significance(value * n, n, funnel_limits_proportion(n, ICB_VALUE))]

    # A81001 (0.50 against 0.60) is significantly low on its own n_eff of ~190 and would not be on 82.
    assert [r[1] for r in rows] == labels(own)
    assert labels(own)[0] != labels(assumed)[0] == "Not significant"
