"""Story assets: Care Opinion exports and local story collections from ``<landing>/stories/``."""

import dagster as dg
import duckdb

from pipelines.ingest_asset import source_ingest_asset
from pipelines.sources.stories import layouts as L

GROUP = "stories"


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Tables first; then stories loaded earlier pick up reference geography that arrived since."""
    L.ensure_story_tables(con)
    L.apply_story_geography(con)


stories = source_ingest_asset(
    table="staged.stories",
    source=L.SOURCE,
    layouts=list(L.STORY_LAYOUTS),
    source_layouts=L.STORY_LAYOUTS,
    description="Patient stories, one row each, from Care Opinion API v2 exports (JSON, Markdown bodies) and "
    "local CSV story collections. Services go to the bridge `staged.story_services` (a story about a "
    "practice and a hospital is one story, two bridge rows) and join the geography through their ODS codes "
    "(practice → sub-ICB → ICB at the story's date; trust or site → ICB). Tags with polarity go to "
    "`staged.story_tags`, responses to `staged.story_responses`, and the feedback loop (responded, response "
    "count, first response date, days to respond) stays on the story. Text goes to `raw.comment_text` and "
    "one `staged.comments` row (channel story).",
    group=GROUP,
    kinds={"duckdb", "json", "csv"},
    prepare=_prepare,
    deps=[dg.AssetKey(["ref", "practice_geography_versions"]), dg.AssetKey(["ref", "nhs_trusts"])],
    preview_order="published_date, story_id",
)
