"""Marts built from rows of marts.metric_by_group are kept exactly when the rows they read did not change."""

from __future__ import annotations

from pathlib import Path

from pipelines.core.store import open_store
from pipelines.marts.estimates import mart_fingerprint


def test_variation_is_kept_when_only_rows_it_never_reads_change(tmp_path: Path) -> None:
    with open_store(tmp_path / "w.duckdb") as con:
        con.execute(
            """CREATE TABLE marts.metric_by_group AS SELECT * FROM (VALUES
                   ('practice', 'A81001', 'overall', 'phone_access', 0.61, TRUE),
                   ('practice', 'A81001', 'overall', 'complaints_per_10k', 12.0, FALSE),
                   ('icb', 'QZ9', 'deprivation_quintile', 'phone_access', 0.55, TRUE))
               t(geography_level, geography_code, dimension, metric_id, value, higher_is_better)"""
        )
        before = {name: mart_fingerprint(con, name) for name in ("variation", "deprivation_gradient")}
        # A new complaints return changes only the complaints rate, which the funnels leave out.
        con.execute("UPDATE marts.metric_by_group SET value = 14.0 WHERE metric_id = 'complaints_per_10k'")
        assert mart_fingerprint(con, "variation") == before["variation"]
        assert mart_fingerprint(con, "deprivation_gradient") == before["deprivation_gradient"]
        # A practice's survey result the funnels read: rebuilt.
        con.execute(
            "UPDATE marts.metric_by_group SET value = 0.62 WHERE dimension = 'overall' AND metric_id = 'phone_access'"
        )
        assert mart_fingerprint(con, "variation") != before["variation"]
        assert mart_fingerprint(con, "deprivation_gradient") == before["deprivation_gradient"]
        con.execute("UPDATE marts.metric_by_group SET value = 0.50 WHERE dimension = 'deprivation_quintile'")
        assert mart_fingerprint(con, "deprivation_gradient") != before["deprivation_gradient"]
