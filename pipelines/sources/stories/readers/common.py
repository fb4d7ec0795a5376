"""What both story layouts share: the tables, the ``Story`` both load, dates and Care Opinion criticality."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.sources.healthwatch.documents import markdown_inline_to_text, markdown_to_text
from pipelines.sources.shared.comments import ensure_comment_tables

SOURCE = "stories"
HERE = Path(__file__).parents[1]
READERS_DIR = Path(__file__).parent
TABLES_SQL = (HERE / "tables.sql").read_text()

# Care Opinion criticality, 0 … 5, and the comments rating it maps to (1 very positive … 5 very negative):
# a story that criticises nothing is read as positive, a strongly critical one as very negative.
CRITICALITY = {
    "notcritical": 0, "minimallycritical": 1, "mildlycritical": 2, "moderatelycritical": 3,
    "stronglycritical": 4, "verystronglycritical": 5,
}  # fmt: skip
CRITICALITY_RATING = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 5}


def ensure_story_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the story tables and the shared comment tables if missing."""
    con.execute(TABLES_SQL)
    ensure_comment_tables(con)


def parse_date(value: Any) -> date | None:
    """ISO dates and timestamps (``2024-03-05T10:22:31Z``), or UK day-first ``05/03/2024``; else None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def criticality_level(value: Any) -> int | None:
    """Care Opinion criticality as 0 … 5 from its words (any case / spacing) or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) or str(value).strip().isdigit():
        level = int(value)
        return level if 0 <= level <= 5 else None
    return CRITICALITY.get(re.sub(r"[^a-z]", "", str(value).lower()))


@dataclass
class Story:
    """One story in the shape both layouts load."""

    source_row: int
    story_id: str | None
    source_format: str
    payload: str
    title: str | None = None
    body_markdown: str | None = None
    published: Any = None
    submitted: Any = None
    criticality: str | None = None
    author_role: str | None = None
    author_age_group: str | None = None
    submission_route: str | None = None
    sex: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    services: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    tags: list[tuple[str | None, str | None, str | None]] = field(default_factory=list)
    responses: list[tuple[str | None, date | None, str | None, int | None]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Title and body as plain text: what the text stage redacts and codes."""
        parts = [markdown_inline_to_text(self.title or ""), markdown_to_text(self.body_markdown)]
        return "\n".join(p for p in parts if p)


# The tables a story file writes (both layouts).
# The tables a story file writes, whichever layout read it.
STORY_TABLES = ("raw.story_records", "staged.stories", "staged.story_services", "staged.story_tags",
                 "staged.story_responses", "raw.comment_text", "staged.comments")  # fmt: skip
