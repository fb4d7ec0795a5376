"""The shared SQL checks fail on exactly the rows that break them and say which."""

from pathlib import Path

import duckdb

from pipelines.asset_checks import unique_key_check
from pipelines.chorus_resource import ChorusResource


def test_unique_key_check_names_the_duplicated_keys_and_their_files(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA staged")
        con.execute(
            """CREATE TABLE staged.things AS SELECT * FROM (VALUES
                   ('a', 1, 'x.csv'), ('a', 1, 'y.csv'), ('a', 2, 'x.csv'), ('b', 1, 'x.csv')) v(k1, k2, source_file)"""
        )
    check = unique_key_check(
        asset="staged.things",
        name="k_unique",
        description="One row per k1, k2",
        key=["k1", "k2"],
        show_files=True,
    )
    chorus = ChorusResource(landing_dir=str(tmp_path), warehouse=str(warehouse))
    result = check(chorus=chorus)
    assert result.passed is False
    assert result.metadata["failing_rows"].value == 1
    examples = result.metadata["examples"].value
    assert "| a | 1 | 2 | x.csv, y.csv |" in examples

    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM staged.things WHERE source_file = 'y.csv'")
    assert check(chorus=chorus).passed is True
