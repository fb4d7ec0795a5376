"""Every table's quarantine policy, source by source, and the README's policy table generated from them.

The mechanism (``TablePolicy``, scopes, the CSV read rules) is :mod:`pipelines.ingest.quarantine`.

One declaration per table (``TablePolicy``), kept in ``pipelines/sources/<source>/policy.py`` beside the
source's readers. The readers pass it to :func:`pipelines.ingest.quarantine_rows`, which refuses a rule
the policy does not declare (or declares with another scope), so what a reader does and what the policy
says cannot drift apart; the validation suites take the table's key from it, and the README's policy
table is generated from it (``python -m pipelines.sources.policy``; a test compares the two).

Scopes:

- ``row``: the row goes to ``quarantine.rows`` and the rest of the file loads (rows read = loaded +
  quarantined).
- ``value``: one published figure goes to ``quarantine.rows`` (with its column and value) and the rest of
  its row loads; aggregate sources only, where a row holds many independent figures.
- ``file``: the whole file fails with a ledger message and what was loaded before stays.

Every CSV table also carries ``CSV_READ_RULES`` (ragged rows, formula text, truncation), applied where the
CSV is read (:func:`pipelines.ingest.csv_staging.stage_csv`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.ingest.quarantine import CSV_READ_RULES, TablePolicy
from pipelines.sources.complaints import policy as complaints
from pipelines.sources.fft import policy as fft
from pipelines.sources.gpps import policy as gpps
from pipelines.sources.healthwatch import policy as healthwatch
from pipelines.sources.reference import policy as reference
from pipelines.sources.stories import policy as stories


def all_policies() -> list[TablePolicy]:
    """Every table's policy, source by source (each source's ``policy`` module)."""
    return [
        *reference.POLICIES,
        *gpps.POLICIES,
        *fft.POLICIES,
        *complaints.POLICIES,
        *healthwatch.POLICIES,
        *stories.POLICIES,
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def policy_markdown(policies: Sequence[TablePolicy] | None = None) -> str:
    """The README's policy table: source, table, rule, scope (row / value / whole file), why."""
    scope_words = {"row": "row", "value": "value", "file": "whole file"}
    lines = ["| source | table | rule | scope | why |", "|---|---|---|---|---|"]
    for policy in policies if policies is not None else all_policies():
        for rule in policy.all_rules():
            if rule.rule in {r.rule for r in CSV_READ_RULES}:
                continue  # the same for every CSV table: listed once below
            lines.append(
                f"| {policy.source} | `{policy.table}` | `{rule.rule}` | {scope_words[rule.scope]} | {_cell(rule.why)} |"
            )
    for rule in CSV_READ_RULES:
        lines.append(
            f"| every CSV | every table read from CSV | `{rule.rule}` | {scope_words[rule.scope]} | {_cell(rule.why)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(policy_markdown(), end="")
