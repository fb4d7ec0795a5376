"""``marts.spc`` from a small hand-made store: which series are charted, their ICB, and that the chart only
ever shows published values; an empty build still matches its contract, as does a build with one period."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.core.store import ensure_store
from pipelines.marts.build import write_mart
from pipelines.marts.change_over_time import with_change_over_time
from pipelines.marts.metric_by_group import finalise_estimates
from pipelines.marts.spc import MIN_POINTS, build_spc
from schemas.contracts import contract


def fft_months(trust: str, months: int, level: float, step: float = 0.0, step_from: int = 99) -> list[dict]:
    """A trust's monthly A&E FFT counts: ``level`` share positive, ``step`` added from month ``step_from``."""
    rng = np.random.default_rng(len(trust) + months)
    rows = []
    for i, month in enumerate(pd.period_range("2024-01", periods=months, freq="M")):
        responses = 600
        positive = int(rng.binomial(responses, level + (step if i >= step_from else 0.0)))
        rows.append(dict(geography_level="trust", geography_code=trust, period=month.strftime("%Y-%m"),
                         metric_id="fft_positive_ae", metric_name="A&E", source="fft", dimension="overall",
                         group_value="All", numerator=positive, denominator=responses, unweighted_n=responses,
                         count_based=True, higher_is_better=True))  # fmt: skip
    return rows


def published(cells: list[dict]) -> pd.DataFrame:
    """marts.metric_by_group rows as build_metric_by_group makes them."""
    return with_change_over_time(finalise_estimates(pd.DataFrame(cells)))


@pytest.fixture
def store(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_store(con)
    con.execute(
        """CREATE TABLE ref.practice_geography_versions AS SELECT 'X91001' AS practice_code, 'UZ1001' AS pcn_code,
           'ZA1' AS sub_icb_code, 'QZ9' AS icb_code, DATE '2021-04-01' AS valid_from, NULL::DATE AS valid_to,
           NULL::DATE AS applies_from, NULL::DATE AS applies_to"""
    )
    con.execute(
        "CREATE TABLE ref.nhs_trusts AS SELECT * FROM (VALUES ('RA1', 'QZ9'), ('RB2', 'QZ8')) t(trust_code, icb_code)"
    )
    con.execute(
        """CREATE TABLE staged.fft_scores AS SELECT * FROM (VALUES ('trust', 'RA1', NULL, 'RA1', DATE '2024-01-01'),
           ('trust', 'RB2', NULL, 'RB2', DATE '2024-01-01'), ('trust', 'RC3', 'QZ7', NULL, DATE '2024-01-01'))
           t(level, organisation_code, icb_code, trust_code, period)"""
    )
    return con


def test_series_with_enough_published_points_are_charted_with_their_icb(
    store: duckdb.DuckDBPyConnection,
) -> None:
    cells = (
        fft_months("RA1", 16, 0.86, step=-0.08, step_from=9)
        + fft_months("RB2", 16, 0.80)
        + fft_months("RC3", MIN_POINTS - 1, 0.90)  # too short for a control chart
    )
    write_mart(store, "metric_by_group", published(cells))
    build_spc(store)
    spc = store.execute("SELECT * FROM marts.spc ORDER BY geography_code, period_start").df()
    assert set(spc.geography_code) == {"RA1", "RB2"}
    assert dict(spc.groupby("geography_code").icb_code.first()) == {"RA1": "QZ9", "RB2": "QZ8"}
    stepped = spc[spc.geography_code == "RA1"]
    assert (stepped.points == 16).all() and stepped["shift"].iloc[9:].all()
    assert stepped.series_variation.iloc[0] == "special cause concerning"
    # Points are the published values, and the centre line is their mean.
    values = store.execute(
        "SELECT period, value FROM marts.metric_by_group WHERE geography_code = 'RA1' ORDER BY period"
    ).df()
    assert np.allclose(stepped.value, values.value) and np.allclose(stepped["mean"], values.value.mean())


def test_a_suppressed_month_is_no_point(store: duckdb.DuckDBPyConnection) -> None:
    cells = fft_months("RB2", MIN_POINTS + 1, 0.80)
    cells[4] |= {"numerator": 5, "denominator": 6, "unweighted_n": 6}  # 1-7: withheld
    write_mart(store, "metric_by_group", published(cells))
    build_spc(store)
    periods = [r[0] for r in store.execute("SELECT period FROM marts.spc ORDER BY period_start").fetchall()]
    assert len(periods) == MIN_POINTS and cells[4]["period"] not in periods


def contract_types(con: duckdb.DuckDBPyConnection, table: str) -> tuple[list, list]:
    built = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'marts' AND table_name = ?",
        [table],
    ).fetchall()
    return built, [(c.name, c.type) for c in contract(f"marts.{table}").columns]


def test_builds_with_nothing_to_chart_or_compare_still_match_their_contracts(
    store: duckdb.DuckDBPyConnection,
) -> None:
    write_mart(store, "metric_by_group", published(fft_months("RB2", 1, 0.80)))
    build_spc(store)
    assert store.execute("SELECT count(*) FROM marts.spc").fetchone()[0] == 0
    built, declared = contract_types(store, "spc")
    assert built == declared
    # One period: no change to compute anywhere, yet every change column has its contract type.
    built, declared = contract_types(store, "metric_by_group")
    assert built == declared
