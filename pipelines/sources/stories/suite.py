"""Patient story suites: stories, the services bridge, tags and responses (Care Opinion JSON, CSV collections).

The loader quarantines stories without an id, with a repeated id, an unreadable date or no text; the
suites check each file: one row per story, criticality 0-5 and rating 1-5, the feedback loop consistent
(responded exactly when there is a response, no response before the story was published), every service
named by a well-formed ODS code and numbered once per story, tags with a known polarity.
"""

from pipelines.sources.shared.codes import ICB_CODE, ODS_CODE, SUB_ICB_CODE, anchored
from pipelines.sources.shared.expectations import YEARS, incremental_rows
from pipelines.validation.expectations import (
    Derived,
    TableSuite,
    between,
    equal,
    in_set,
    matches,
    not_null,
    ordered,
    unique,
)
from schemas.contracts import contract

STORIES = TableSuite(
    table="staged.stories",
    source="stories",
    description="One row per patient story with the feedback loop",
    columns=contract("staged.stories").suite_columns(),
    expectations=(
        not_null("story_id"),
        unique("story_id"),
        not_null("comment_id"),
        unique("comment_id"),
        in_set("source_format", ["care_opinion_api_v2", "csv_collection"]),
        not_null("published_date"),
        ordered("submitted_date", "published_date"),
        ordered("published_date", "first_response_date"),
        between("criticality_level", 0, 5),
        between("rating", 1, 5),
        between("services", 0, None),
        between("icbs", 0, None),
        not_null("responded"),
        between("response_count", 0, None),
        between("days_to_first_response", 0, None),
        between("tags_positive", 0, None),
        between("tags_negative", 0, None),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("sub_icb_code", anchored(SUB_ICB_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
    ),
    derived=(
        Derived(
            "feedback_loop",
            """SELECT story_id, responded, response_count > 0 AS has_responses,
                      year(published_date) AS published_year
               FROM rows""",
            (equal("responded", "has_responses"), between("published_year", *YEARS)),
        ),
    ),
    rows=incremental_rows(1_000_000),  # a header-only export (nothing new) loads 0 stories
)

STORY_SERVICES = TableSuite(
    table="staged.story_services",
    source="stories",
    description="Bridge: each story and every service it is about",
    columns=contract("staged.story_services").suite_columns(),
    expectations=(
        not_null("story_id"),
        unique("story_id", "service_no"),
        between("service_no", 1, None),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("sub_icb_code", anchored(SUB_ICB_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
        not_null("geography_matched"),
    ),
    rows=(0, 5_000_000),  # a collection may name no services
)

STORY_TAGS = TableSuite(
    table="staged.story_tags",
    source="stories",
    description="Care Opinion tags with polarity",
    columns=contract("staged.story_tags").suite_columns(),
    expectations=(
        not_null("story_id"),
        not_null("tag"),
        in_set("polarity", ["positive", "negative", "neutral"]),
    ),
    rows=(0, 20_000_000),  # CSV collections carry no tags
)

STORY_RESPONSES = TableSuite(
    table="staged.story_responses",
    source="stories",
    description="Responses published to each story",
    columns=contract("staged.story_responses").suite_columns(),
    expectations=(
        not_null("story_id"),
        unique("story_id", "response_no"),
        between("response_no", 1, None),
        not_null("response_date"),
        between("characters", 0, None),
    ),
    rows=(0, 5_000_000),  # many stories have no response yet
)

SUITES: tuple[TableSuite, ...] = (STORIES, STORY_SERVICES, STORY_TAGS, STORY_RESPONSES)
