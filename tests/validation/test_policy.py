"""The quarantine policy: declared once per table, enforced where readers quarantine, stated in the README."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import ensure_store
from pipelines.ingest.files import LandingFile
from pipelines.ingest.quarantine import CSV_READ_RULES, RowRule, quarantine_rows
from pipelines.sources.policy import all_policies, policy_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_policy_table_is_the_declared_policy() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- quarantine-policy:start -->\n(.*?)<!-- quarantine-policy:end -->", text, re.S)
    assert found, "the README's validation section has no policy table"
    assert found.group(1) == policy_markdown(), "regenerate it: python -m pipelines.sources.policy"


def test_every_table_declares_each_rule_once_with_a_reason() -> None:
    policies = all_policies()
    assert len({(p.source, p.table) for p in policies}) == len(policies)
    for policy in policies:
        names = [r.rule for r in policy.all_rules()]
        assert len(names) == len(set(names)), policy.table
        assert all(r.scope in {"row", "value", "file"} and r.why for r in policy.all_rules()), policy.table
        # Value scope is for aggregate figures only; a record is held whole.
        assert policy.source == "gpps" or all(r.scope != "value" for r in policy.rules), policy.table
    assert {r.rule for r in CSV_READ_RULES} == {"ragged_row", "formula_text", "truncated"}


def test_the_readers_rule_lists_match_their_policy() -> None:
    """Module-level rule lists against their table's policy (rules built inside a loader are checked by
    ``quarantine_rows`` each time it runs, which the corpus and the sample run do)."""
    from pipelines.ingest.quarantine import check_rules
    from pipelines.sources.complaints import policy as complaints_policy
    from pipelines.sources.complaints import readers as complaints
    from pipelines.sources.fft import comments, workbook
    from pipelines.sources.fft import policy as fft_policy
    from pipelines.sources.gpps import policy as gpps_policy
    from pipelines.sources.gpps import readers as gpps
    from pipelines.sources.stories import policy as stories_policy
    from pipelines.sources.stories import readers as stories

    for policy, rules in [
        (complaints_policy.RETURNS, complaints.RETURN_RULES),
        (complaints_policy.COMPLAINTS, complaints.REGISTER_RULES),
        (fft_policy.COMMENTS, comments.COMMENT_RULES),
        (fft_policy.SCORES, workbook.WORKBOOK_RULES),
        (gpps_policy.RESULTS, gpps.VALUE_RULES),
        (stories_policy.STORIES, stories.STORY_RULES),
    ]:
        check_rules(policy, rules)
        declared = {r.rule for r in policy.rules} | ({"duplicate_key"} if policy.key else set())
        used = {r.name for r in rules}
        assert used <= declared, (policy.table, used - declared)


def _file(tmp_path: Path) -> LandingFile:
    path = tmp_path / "complaints" / "x.csv"
    path.parent.mkdir(parents=True)
    path.write_text("a\n1\n")
    return LandingFile.from_path(path, tmp_path, "complaints")


def test_quarantine_rows_refuses_a_rule_the_policy_does_not_declare(tmp_path: Path) -> None:
    from pipelines.sources.complaints.policy import COMPLAINTS

    con = duckdb.connect()
    ensure_store(con)
    con.execute("CREATE TEMP TABLE t AS SELECT 1 AS source_row, 'x' AS v")
    f = _file(tmp_path)
    with pytest.raises(KeyError, match="not in the quarantine policy of staged.complaints"):
        quarantine_rows(con, "t", [RowRule("made_up", "v", "TRUE", "m")], f, policy=COMPLAINTS)
    with pytest.raises(ValueError, match="runs with scope value, but the policy says row"):
        quarantine_rows(
            con, "t", [RowRule("outcome_known", "v", "TRUE", "m", scope="value")], f, policy=COMPLAINTS
        )


def test_value_scope_holds_the_value_and_keeps_the_row(tmp_path: Path) -> None:
    con = duckdb.connect()
    ensure_store(con)
    con.execute(
        "CREATE TEMP TABLE t AS SELECT * FROM (VALUES (1, 1.5), (2, 0.5), (3, NULL)) v(source_row, p)"
    )
    rules = [RowRule("proportion_in_range", "p", "p > 1", "over 1", scope="value")]
    assert quarantine_rows(con, "t", rules, _file(tmp_path)) == 0
    assert con.execute("SELECT source_row, value, scope FROM quarantine.rows").fetchall() == [
        (1, "1.5", "value")
    ]
