"""The shared SQL checks fail on exactly the rows that break them and say which."""

from pathlib import Path

import duckdb

from pipelines.lib.asset_checks import comment_with_text_check, unique_key_check
from pipelines.lib.resources import ChorusResource


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


def test_comment_with_text_check_names_records_without_exactly_one_comment_and_text(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA staged; CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE staged.stories AS SELECT * FROM (VALUES ('s1', 'c1'), ('s2', 'c2'), ('s3', 'c3')) v(story_id, comment_id)"
        )
        # s1 complete; s2 has its comment but no text; s3 has no comment row at all.
        con.execute(
            "CREATE TABLE staged.comments AS SELECT * FROM (VALUES ('c1', 't1'), ('c2', 't2')) v(comment_id, text_ref)"
        )
        con.execute(
            "CREATE TABLE raw.comment_text AS SELECT * FROM (VALUES ('t1', 'Kind staff')) v(comment_id, text)"
        )
    check = comment_with_text_check(
        asset="staged.stories",
        name="story_in_comments",
        description="One comment and text per story",
        record_id="story_id",
    )
    chorus = ChorusResource(landing_dir=str(tmp_path), warehouse=str(warehouse))
    result = check(chorus=chorus)
    assert result.passed is False
    assert result.metadata["failing_rows"].value == 2
    examples = result.metadata["examples"].value
    assert "| s2 | 1 | 0 |" in examples and "| s3 | 0 | 0 |" in examples

    with duckdb.connect(str(warehouse)) as con:
        con.execute("INSERT INTO raw.comment_text VALUES ('t2', 'Long wait')")
        con.execute("DELETE FROM staged.stories WHERE story_id = 's3'")
    assert check(chorus=chorus).passed is True
