"""The shared comments table every qualitative source writes to (see ``comments.sql``)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.core.sql import run_sql_file
from schemas.people import ensure_people_vocabulary

COMMENTS_SQL = Path(__file__).with_name("comments.sql")

# Answers that say nothing (kept, flagged): compared after lower-casing and trimming punctuation.
NON_SUBSTANTIVE = ("", "did not answer", "n/a", "na", "n a", "none", "nothing", "no comment", "no comments",
                   "nil", "-", ".", "no", "not applicable", "nothing to add")  # fmt: skip

# Every ASCII letter, '/' and '-' of a comment survives the comparison's clean-up, so a comment with more
# of them than the longest answer above says something: that regular expression stops at its first match,
# a few characters in, where the clean-up rewrites the whole comment (CASE, not AND: DuckDB evaluates both
# sides of an AND in a projection).
_LONGER_THAN_ANY = f"[A-Za-z/-](?:[^A-Za-z/-]*[A-Za-z/-]){{{max(len(v) for v in NON_SUBSTANTIVE)}}}"

NON_SUBSTANTIVE_SQL = (
    f"(CASE WHEN {{col}} IS NULL THEN TRUE WHEN regexp_matches({{col}}, '{_LONGER_THAN_ANY}') THEN FALSE ELSE "
    "regexp_replace(lower(trim(replace({col}, chr(160), ' '))), '[^a-z/ -]', '', 'g') IN ("
    + ", ".join(f"'{v}'" for v in NON_SUBSTANTIVE)
    + ") END)"
)


def ensure_comment_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``raw.comment_text`` and ``staged.comments`` and the people vocabulary macros."""
    run_sql_file(con, COMMENTS_SQL)
    ensure_people_vocabulary(con)


def is_substantive_sql(text_column: str) -> str:
    """SQL: whether a comment says something (not 'Did not answer', 'N/A', 'nothing' …)."""
    return "NOT " + NON_SUBSTANTIVE_SQL.replace("{col}", text_column)
