"""Quarantine policy of the story tables (see :mod:`pipelines.sources.policy`)."""

from pipelines.ingest.quarantine import PolicyRule, TablePolicy

STORIES = TablePolicy(
    "stories",
    "staged.stories",
    (
        PolicyRule("story_id_present", "row", "a story is kept, coded and withdrawn by its id"),
        PolicyRule("published_date_format", "row", "a story is counted when it was published"),
        PolicyRule(
            "body_present",
            "row",
            "a story without its body text is a record missing its body: held, not loaded empty",
        ),
        PolicyRule(
            "known_organisation",
            "row",
            "a service code the ODS reference does not know would place the "
            "story in no area, or in a wrong one: never joined to a wrong geography",
        ),
    ),
    key=("story_id",),
)

POLICIES = (STORIES,)
