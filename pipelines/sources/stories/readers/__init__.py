"""Story layouts (docs/DESIGN.md section 4, "Patient stories"), one module per format:

- ``care_opinion``: ``care_opinion_api_v2``, a JSON export of the Care Opinion API v2 ``/opinions`` endpoint;
- ``collection``: ``story_collection_csv``, a local story collection, one row per story;
- ``loading``: what both load through (staging, row rules, the story tables, geography);
- ``common``: the tables, the ``Story`` both layouts read into, dates and criticality.

A story is one row however many services it names: services go to the bridge ``staged.story_services``,
and the story's sub-ICB / ICB are set only when its services agree. Whether the organisation responded
(count, first date, days taken) is kept. Text (title + body as plain text) goes to ``raw.comment_text``
and one ``staged.comments`` row (channel ``story``).
"""

from __future__ import annotations

from pipelines.ingest.detect import Layout
from pipelines.sources.stories.readers.care_opinion import CARE_OPINION, load_care_opinion, story_from_opinion
from pipelines.sources.stories.readers.collection import (
    STORY_COLLECTION,
    load_story_collection,
    resolve_day_month,
    stories_from_csv,
)
from pipelines.sources.stories.readers.common import (
    SOURCE,
    Story,
    criticality_level,
    ensure_story_tables,
    parse_date,
)
from pipelines.sources.stories.readers.loading import STORY_RULES, apply_story_geography

STORY_LAYOUTS: tuple[Layout, ...] = (CARE_OPINION, STORY_COLLECTION)

__all__ = [
    "CARE_OPINION",
    "SOURCE",
    "STORY_COLLECTION",
    "STORY_LAYOUTS",
    "STORY_RULES",
    "Story",
    "apply_story_geography",
    "criticality_level",
    "ensure_story_tables",
    "load_care_opinion",
    "load_story_collection",
    "parse_date",
    "resolve_day_month",
    "stories_from_csv",
    "story_from_opinion",
]
