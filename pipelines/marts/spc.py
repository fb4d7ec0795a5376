"""``marts.spc``: "Making Data Count" XmR charts of each organisation's monthly FFT share positive and quarterly
complaints rate, one row per point (``pipelines.methods.spc``: limits, the special-cause rules, the variation
icon). Charted from the published figures of ``marts.metric_by_group``, so a chart shows nothing disclosure
control withheld; a series needs ``MIN_POINTS`` published points (Making Data Count: limits from fewer than
about a dozen points are not worth drawing).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.core.sql import sql_file
from pipelines.core.store import table_exists
from pipelines.marts.build import write_mart
from pipelines.methods.spc import spc_summary, xmr_chart
from pipelines.sources.shared.geography import ensure_geography_views
from schemas.contracts import contract

HERE = Path(__file__).parent
MIN_POINTS = 12
# One control chart per organisation, metric and kind of period.
SERIES = ["geography_level", "geography_code", "metric_id", "source", "period_kind"]


def _organisation_icbs(con: duckdb.DuckDBPyConnection) -> None:
    """``_fft_organisation_icb``: the ICB of each FFT organisation (empty when no FFT is loaded)."""
    if table_exists(con, "staged.fft_scores") and table_exists(con, "ref.nhs_trusts"):
        con.execute(sql_file(HERE / "spc_fft_organisations.sql"))
    else:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _fft_organisation_icb AS SELECT NULL::VARCHAR AS geography_level, "
            "NULL::VARCHAR AS geography_code, NULL::VARCHAR AS icb_code WHERE FALSE"
        )


def spc_points(points: pd.DataFrame) -> pd.DataFrame:
    """XmR chart rows for ``points`` (one row per organisation × metric × period with its published value):
    limits, rule flags and variation per point, plus each series' number of points and the variation of
    its latest point (``series_variation``, the icon Making Data Count shows for the series)."""
    if points.empty:
        return pd.DataFrame(columns=contract("marts.spc").column_names)  # typed by write_mart
    charted = xmr_chart(points, key=SERIES, time="period_start", value="value", polarity="higher_is_better")
    summary = spc_summary(charted, key=SERIES, time="period_start")[[*SERIES, "n_points", "variation"]]
    summary = summary.rename(columns={"n_points": "points", "variation": "series_variation"})
    return charted.merge(summary, on=SERIES, how="left", validate="many_to_one")


def build_spc(con: duckdb.DuckDBPyConnection) -> int:
    """``marts.spc``."""
    ensure_geography_views(con)
    _organisation_icbs(con)
    points = con.execute(sql_file(HERE / "spc_points.sql"), {"min_points": MIN_POINTS}).df()
    return write_mart(con, "spc", spc_points(points)[contract("marts.spc").column_names])
