"""Patient stories: Care Opinion exports and local story collections."""

import duckdb

from pipelines.sources.source_spec import IngestTable, SourceSpec
from pipelines.sources.stories import readers as L
from pipelines.sources.stories.sample import write_stories
from pipelines.sources.stories.suite import SUITES


def prepare_stories(con: duckdb.DuckDBPyConnection) -> None:
    """Tables first; then stories loaded earlier pick up reference geography that arrived since."""
    L.ensure_story_tables(con)
    L.apply_story_geography(con)


SOURCE = SourceSpec(
    name=L.SOURCE,
    description="Patient stories with their services, tags and responses.",
    layouts=L.STORY_LAYOUTS,
    suites=SUITES,
    write_sample=write_stories,
    tables=(
        IngestTable(
            "staged.stories",
            L.STORY_LAYOUTS,
            "Patient stories, one row each, from Care Opinion API v2 exports (JSON, Markdown bodies) and local CSV "
            "story collections. Services go to the bridge `staged.story_services` (a story about a practice and a "
            "hospital is one story, two bridge rows) and join the geography through their ODS codes (practice → "
            "sub-ICB → ICB at the story's date; trust or site → ICB). Tags with polarity go to "
            "`staged.story_tags`, responses to `staged.story_responses`, and the feedback loop (responded, response "
            "count, first response date, days to respond) stays on the story. Text goes to `raw.comment_text` and "
            "one `staged.comments` row (channel story).",
            kinds=frozenset({"duckdb", "json", "csv"}),
            prepare=prepare_stories,
            deps=("ref/practice_geography_versions", "ref/nhs_trusts"),
            preview_order="published_date, story_id",
            writes_comments=True,
        ),
    ),
)
