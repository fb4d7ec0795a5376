"""Row rules and the quarantine: a ``RowRule`` is a cheap per-row test in SQL; rows (or values) that
break one go to ``quarantine.rows`` with the rule, column and value, and the rest of the file loads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import duckdb

from pipelines.ingest.files import LandingFile


@dataclass(frozen=True)
class RowRule:
    """A cheap per-row rule, run in SQL. ``fails`` is true for a row that breaks it (NULL = passes).

    ``scope`` is the rule's scope in its table's quarantine policy (``TablePolicy`` below):
    ``row`` (the row is quarantined and not loaded) or ``value`` (one figure is quarantined and the rest of
    the row loads; the reader leaves that figure out). ``column_sql``, when given, is SQL naming the
    column per row (a value rule over a long table, where each row is a different published figure).
    """

    name: str
    column: str
    fails: str
    message: str
    scope: str = "row"
    column_sql: str | None = None


def _row_rules(rules: Sequence[RowRule]) -> list[RowRule]:
    return [rule for rule in rules if rule.scope == "row"]


def passing_rows(rules: Sequence[RowRule]) -> str:
    """SQL predicate that keeps rows breaking none of the row-scope ``rules`` (value rules keep the row)."""
    rules = _row_rules(rules)
    if not rules:
        return "TRUE"
    return "NOT (" + " OR ".join(f"coalesce(({rule.fails}), FALSE)" for rule in rules) + ")"


def _checked(rules: Sequence[RowRule], policy: TablePolicy | None) -> Sequence[RowRule]:
    if policy is not None:
        check_rules(policy, rules)
    return rules


def quarantine_rows(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    rules: Sequence[RowRule],
    landing_file: LandingFile,
    row_column: str = "source_row",
    policy: TablePolicy | None = None,
) -> int:
    """Write every (row, rule) failure of ``candidates`` to ``quarantine.rows``; return rows rejected.

    ``candidates`` is a table or sub-query holding the file's rows with a ``source_row`` column. A row
    breaking two rules is quarantined under both and counted once. Value-scope failures are written
    but not counted: their row loads. ``policy``: the table's quarantine policy; a rule it does not
    declare with the same scope is a programming error (``ValueError``/``KeyError``).
    """
    if not _checked(rules, policy):
        return 0
    for rule in rules:
        con.execute(
            f"""
            INSERT INTO quarantine.rows
                (source, source_file, file_sha256, source_row, column_name, rule, value, message, scope)
            SELECT ?, ?, ?, {row_column}, {rule.column_sql or "?"}, ?, CAST({rule.column} AS VARCHAR), ?, ?
            FROM {candidates} WHERE coalesce(({rule.fails}), FALSE)
            """,
            [
                landing_file.source,
                landing_file.rel_path,
                landing_file.sha256,
                *([] if rule.column_sql else [rule.column]),
                rule.name,
                rule.message,
                rule.scope,
            ],
        )
    if not _row_rules(rules):
        return 0
    row = con.execute(f"SELECT count(*) FROM {candidates} WHERE NOT ({passing_rows(rules)})").fetchone()
    return int(row[0])


def quarantine_rows_by_file(
    con: duckdb.DuckDBPyConnection,
    candidates: str,
    rules: Sequence[RowRule],
    source: str,
    policy: TablePolicy | None = None,
) -> dict[str, int]:
    """``quarantine_rows`` for the rows of many files at once; returns rows rejected per file.

    ``candidates`` carries each row's ``source_file``, ``file_sha256`` and ``source_row``; a file with no
    rejected row is absent from the answer.
    """
    if not _checked(rules, policy):
        return {}
    for rule in rules:
        con.execute(
            f"""
            INSERT INTO quarantine.rows
                (source, source_file, file_sha256, source_row, column_name, rule, value, message, scope)
            SELECT ?, source_file, file_sha256, source_row, {rule.column_sql or "?"}, ?,
                   CAST({rule.column} AS VARCHAR), ?, ?
            FROM {candidates} WHERE coalesce(({rule.fails}), FALSE)
            """,
            [source, *([] if rule.column_sql else [rule.column]), rule.name, rule.message, rule.scope],
        )
    if not _row_rules(rules):
        return {}
    rows = con.execute(
        f"SELECT source_file, count(*) FROM {candidates} WHERE NOT ({passing_rows(rules)}) GROUP BY 1"
    ).fetchall()
    return {path: int(n) for path, n in rows}


# --- the policy: which rules a table declares, with what scope, and why ---------------------------------

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


def check_rules(policy: TablePolicy, rules: Iterable[RowRule]) -> None:
    """Raise when a reader's rule is not declared in ``policy`` or is declared with another scope."""
    for rule in rules:
        declared = policy.scope_of(rule.name)
        if declared != rule.scope:
            raise ValueError(
                f"rule '{rule.name}' of {policy.table} runs with scope {rule.scope}, but the policy says {declared}"
            )
