"""Local story collections as CSV (``story_collection_csv``): one row per story.

Columns (through ``header_map.csv``): id, date, title, story text, service ODS code(s) separated by ``;``
or ``|``, author role, age group, optional demographics and response date.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import duckdb

from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import LandingFile
from pipelines.sources.shared.as_arrived import stage_incremental_csv
from pipelines.sources.shared.header_map import columns_for_fields, header_rules, register_expected_columns
from pipelines.sources.stories.readers.common import (
    HERE,
    SOURCE,
    STORY_TABLES,
    Story,
    ensure_story_tables,
    parse_date,
)
from pipelines.sources.stories.readers.loading import _load_stories

HEADER_MAP = HERE / "header_map.csv"  # + CHORUS_STORIES_HEADER_MAP (see pipelines/sources/header_map.py)
CSV_REQUIRED = ("story_id", "story", "date")
CSV_FIELDS = ("story_id", "story", "date", "title", "codes", "names", "collection", "author_role", "age", "sex",
              "ethnicity", "disability", "response_date", "responder")  # fmt: skip
register_expected_columns("story_collection_csv", SOURCE, HEADER_MAP, "collection", CSV_REQUIRED)


def _csv_columns(header: list[str]) -> dict[str, str | None] | None:
    """Field → column of a story collection, through the header map; None when a required field is absent."""
    chosen = columns_for_fields(header, header_rules(SOURCE, HEADER_MAP, "collection"))
    if any(field not in chosen for field in CSV_REQUIRED):
        return None
    return {field: chosen.get(field) for field in CSV_FIELDS}


def _looks_like_collection(f: LandingFile) -> bool:
    """A story collection: its header maps every required field."""
    return _csv_columns(f.csv_header()) is not None


def _split_codes(value: str | None) -> list[str]:
    """Service codes or names written in one cell, separated by ``;`` or ``|``."""
    return [part.strip() for part in re.split(r"[;|]", value or "") if part.strip()]


def stories_from_csv(con: duckdb.DuckDBPyConnection, f: LandingFile) -> tuple[list[Story], list[str]]:
    """Rows of a story collection CSV (read strictly by ``stage_csv``) as ``Story`` objects, and notes.

    A header-only file is an incremental export with nothing new (0 stories); trailing blank lines are
    not stories; a date column mixing d/m/Y and m/d/Y is read as :func:`resolve_day_month` says.
    """
    columns = _csv_columns(f.csv_header()) or {}
    _rows, notes = stage_incremental_csv(con, f, "_stcsv")
    result = con.execute("SELECT * FROM _stcsv ORDER BY source_row")
    names = [d[0] for d in result.description]
    stories = []
    for values in result.fetchall():
        row = dict(zip(names, values, strict=True))

        def get(key: str, row: dict = row) -> str | None:
            name = columns.get(key)
            value = row.get(name) if name else None
            return value.strip() if isinstance(value, str) and value.strip() else None

        collection = get("collection") or re.sub(r"[^A-Za-z0-9_-]+", "-", f.path.stem)
        codes, service_names = _split_codes(get("codes")), _split_codes(get("names"))
        services = [
            (code.upper(), service_names[i] if i < len(service_names) else None, None)
            for i, code in enumerate(codes)
        ]
        if not services and service_names:
            services = [(None, name, None) for name in service_names]
        response_date = get("response_date")
        stories.append(
            Story(
                source_row=int(row["source_row"]),
                story_id=f"{collection}:{get('story_id')}" if get("story_id") else None,
                source_format="csv_collection",
                payload=json.dumps({k: v for k, v in row.items() if k != "source_row"}, ensure_ascii=False),
                title=get("title"),
                body_markdown=get("story"),
                published=get("date"),
                author_role=get("author_role"),
                author_age_group=get("age"),
                sex=get("sex"),
                ethnicity=get("ethnicity"),
                disability=get("disability"),
                services=services,
                responses=[(None, parse_date(response_date), get("responder"), None)]
                if response_date
                else [],
            )
        )
    resolved, date_note = resolve_day_month([s.published for s in stories])
    for story, published in zip(stories, resolved, strict=True):
        story.published = published
    return stories, [*notes, *([date_note] if date_note else [])]


_SLASH_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\s*$")


def resolve_day_month(values: list[Any]) -> tuple[list[Any], str | None]:
    """Dates of one column written d/m/Y, m/d/Y or ISO, as ISO where the order is known; and a note.

    A part above 12 settles a date's order (30/09/2024 is day first, 1/18/2025 month first). The rest
    follow the UK rule, day first; they are ambiguous only when day and month differ. Other values are
    returned as written (ISO and "5 March 2024" are read by :func:`parse_date`). The note, when the
    column mixes orders, says how many of each and how many were read by the rule.
    """
    out: list[Any] = []
    day_first = month_first = ambiguous = 0
    for value in values:
        match = _SLASH_DATE.match(str(value)) if value is not None else None
        if not match:
            out.append(value)
            continue
        a, b, year = int(match.group(1)), int(match.group(2)), match.group(3)
        y = int(year) + (2000 if len(year) == 2 else 0)
        first_is_month = b > 12 and a <= 12
        day, month = (b, a) if first_is_month else (a, b)
        try:
            out.append(date(y, month, day).isoformat())
        except ValueError:
            out.append(value)  # 31/02/2024: left as written, the date rule quarantines it
            continue
        month_first += first_is_month
        day_first += a > 12
        ambiguous += a <= 12 and b <= 12 and a != b
    if not month_first:
        return out, None
    return out, (
        f"date: the column mixes orders, {day_first} date(s) day first and {month_first} month first "
        f"(a part above 12 says which); {ambiguous} with day and month both 12 or less read day first, the "
        "UK rule"
    )


def load_story_collection(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A CSV story collection (one row read = one story)."""
    ensure_story_tables(con)
    stories, notes = stories_from_csv(con, f)
    return _load_stories(con, f, stories, notes)


STORY_COLLECTION = Layout(
    name="story_collection_csv", source=SOURCE,
    description="Local story collection CSV: story id, date, title, story, service ODS code(s), author, demographics",
    tables=STORY_TABLES, load=load_story_collection, sniff=_looks_like_collection,
)  # fmt: skip
