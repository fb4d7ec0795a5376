"""Story checks: one story one comment, bridge and feedback loop consistent, services placed."""

from pathlib import Path

from pipelines.core.sql import sql_file
from pipelines.lib.asset_checks import comment_with_text_check, sql_row_check, unique_key_check
from pipelines.sources.stories import policy

story_unique = unique_key_check(
    asset="staged.stories",
    name="story_id_unique",
    description="Each story appears once, across files",
    key=list(policy.STORIES.key),
    show_files=True,
)
story_in_comments = comment_with_text_check(
    asset="staged.stories",
    name="every_story_one_comment_with_text",
    description="Every story has exactly one staged.comments row (channel story) and its text in raw.comment_text",
    record_id="story_id",
)
bridge_matches = sql_row_check(
    asset="staged.stories",
    name="services_match_bridge",
    description="Each story's services count equals its rows in staged.story_services",
    failing_rows_sql="""SELECT s.story_id, s.services, count(v.service_no) AS bridge_rows
                        FROM staged.stories s LEFT JOIN staged.story_services v USING (story_id)
                        GROUP BY ALL HAVING s.services <> bridge_rows""",
    blocking=True,
)
feedback_loop_consistent = sql_row_check(
    asset="staged.stories",
    name="responses_consistent",
    description="responded = (response count > 0), the count equals staged.story_responses rows, and no "
    "response is dated before the story",
    failing_rows_sql=sql_file(Path(__file__).with_name("responses_inconsistent.sql")),
    blocking=True,
)
rating_range = sql_row_check(
    asset="staged.stories",
    name="rating_in_range",
    description="Ratings derived from criticality are 1 (very positive) … 5 (very negative)",
    failing_rows_sql="SELECT story_id, criticality, rating FROM staged.stories WHERE rating NOT BETWEEN 1 AND 5",
    blocking=True,
)
services_placed = sql_row_check(
    asset="staged.stories",
    name="story_services_placed",
    description="Every service with an ODS code reaches an ICB through the reference geography",
    failing_rows_sql="""SELECT story_id, service_no, organisation_code, service_name FROM staged.story_services
                        WHERE organisation_code IS NOT NULL AND NOT geography_matched""",
)
