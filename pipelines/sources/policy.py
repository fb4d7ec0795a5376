"""Quarantine policy: for every source and table, what a broken row, value or file costs, and why.

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
CSV is read (:func:`pipelines.ingest.stage_csv`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pipelines.ingest import RowRule

Scope = Literal["row", "value", "file"]

# The share of a reference file's rows that may be quarantined while the rest still replaces the reference.
# ODS epraccur and the practice map define which practices exist: a file that loses more than this would
# silently shrink the practice list every other source joins to, so it fails whole instead.
MAX_REFERENCE_LOSS = 0.01

DUPLICATE_KEY = "duplicate_key"


@dataclass(frozen=True)
class PolicyRule:
    """One rule of a table's policy: its name (as in ``quarantine.rows.rule``), scope and reason."""

    rule: str
    scope: Scope
    why: str


@dataclass(frozen=True)
class TablePolicy:
    """What happens to a table's broken rows, values and files.

    ``key``: columns that identify one row within a file; every row sharing a key is quarantined as
    ``duplicate_key`` (which copy is right cannot be told), so the table's uniqueness checks never see a
    duplicate. ``max_loss``: the largest share of a file's rows that may be quarantined before the whole
    file fails (reference files that define the practice list).
    """

    source: str
    table: str
    rules: tuple[PolicyRule, ...]
    key: tuple[str, ...] = ()
    max_loss: float | None = None
    csv: bool = True  # read by stage_csv: ragged rows, formula text and truncation apply
    # The table holding one row per key when ``table`` holds several (GPPS: one organisation row, many figures).
    key_table: str | None = None

    def all_rules(self) -> tuple[PolicyRule, ...]:
        """The table's own rules, then the CSV read rules when it is read from CSV, then the loss rule."""
        rules = list(self.rules)
        if self.key and DUPLICATE_KEY not in {r.rule for r in rules}:
            rules.insert(0, PolicyRule(DUPLICATE_KEY, "row", f"the key ({', '.join(self.key)}) is on more than "
                                       "one row: which copy is right cannot be told, so all of them are held"))  # fmt: skip
        if self.csv:
            rules += CSV_READ_RULES
        if self.max_loss is not None:
            rules.append(
                PolicyRule(
                    "reference_loss",
                    "file",
                    f"{self.max_loss:.0%} or more of the file's rows quarantined: the file would shrink the "
                    "practice list every source joins to, so the previous version stays",
                )
            )
        return tuple(rules)

    def scope_of(self, rule: str) -> Scope:
        """The declared scope of ``rule``; ``KeyError`` naming the table when it is not declared."""
        for declared in self.all_rules():
            if declared.rule == rule:
                return declared.scope
        raise KeyError(f"rule '{rule}' is not in the quarantine policy of {self.table} ({self.source})")

    def key_count_sql(self, alias: str = "_key_n") -> str:
        """SQL window giving each row how many rows of the file share its key (NULL keys are not counted)."""
        if not self.key:
            raise ValueError(f"{self.table} has no key in its policy")
        present = " AND ".join(f"{c} IS NOT NULL" for c in self.key)
        return f"CASE WHEN {present} THEN count(*) OVER (PARTITION BY {', '.join(self.key)}) END AS {alias}"

    def duplicate_key_rule(self, column: str | None = None, alias: str = "_key_n") -> RowRule:
        """The ``duplicate_key`` row rule over ``key_count_sql``'s column."""
        from pipelines.ingest import RowRule

        return RowRule(
            DUPLICATE_KEY,
            column or self.key[-1],
            f"{alias} > 1",
            f"{', '.join(self.key)} appears on more than one row of the file: every row sharing it is quarantined",
        )


CSV_READ_RULES: tuple[PolicyRule, ...] = (
    PolicyRule("ragged_row", "row", "a row with too few or too many fields cannot be matched to the header; "
               "the message gives its line"),
    PolicyRule("formula_text", "row", "a text cell starting with =, +, -, @ (a formula or an Excel error "
               "value): the row holds whatever a workbook last showed; negative numbers are numbers"),
    PolicyRule("truncated", "file", "the last line is cut mid-field (or a quote is never closed): the file is "
               "still being written or was cut in copying, and its last rows are unknown"),
)  # fmt: skip


def all_policies() -> list[TablePolicy]:
    """Every table's policy, source by source (each source's ``policy`` module)."""
    from pipelines.sources.complaints import policy as complaints
    from pipelines.sources.fft import policy as fft
    from pipelines.sources.gpps import policy as gpps
    from pipelines.sources.healthwatch import policy as healthwatch
    from pipelines.sources.reference import policy as reference
    from pipelines.sources.stories import policy as stories

    return [
        *reference.POLICIES,
        *gpps.POLICIES,
        *fft.POLICIES,
        *complaints.POLICIES,
        *healthwatch.POLICIES,
        *stories.POLICIES,
    ]


def check_rules(policy: TablePolicy, rules: Iterable[RowRule]) -> None:
    """Raise when a reader's rule is not declared in ``policy`` or is declared with another scope."""
    for rule in rules:
        declared = policy.scope_of(rule.name)
        if declared != rule.scope:
            raise ValueError(
                f"rule '{rule.name}' of {policy.table} runs with scope {rule.scope}, but the policy says {declared}"
            )


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
    # Through the package, not __main__: the per-source policies import that module.
    from pipelines.sources import policy

    print(policy.policy_markdown(), end="")
