"""Quarantine policy of the Healthwatch tables (see :mod:`pipelines.sources.policy`)."""

from pipelines.ingest.quarantine import PolicyRule, TablePolicy

LOCAL_AUTHORITY_ICB = TablePolicy(
    "healthwatch",
    "ref.local_authority_icb",
    (
        PolicyRule("lad_code_shape", "row", "a local authority code of the wrong shape joins no report"),
        PolicyRule("icb_code_shape", "row", "an ICB code of the wrong shape would place reports nowhere"),
    ),
)
REGISTER = TablePolicy(
    "healthwatch",
    "staged.healthwatch_register",
    (
        PolicyRule("file_named", "row", "a register row naming no file describes no report"),
        PolicyRule("publication_date_format", "row", "a report is counted when it was published"),
        PolicyRule(
            "local_authority_present", "row", "a report's place comes from its local authority, never guessed"
        ),
    ),
)
FINDINGS = TablePolicy(
    "healthwatch",
    "staged.healthwatch_findings",
    (
        PolicyRule(
            "finding_has_words", "row", "a finding without words (page furniture, a number) is not a finding"
        ),
    ),
    csv=False,
)
REVIEWS = TablePolicy(
    "healthwatch",
    "staged.healthwatch_reviews",
    (
        PolicyRule(
            "star_rating_1_to_5",
            "row",
            "a review is rated 1 to 5 stars; anything else is not what it says "
            "(record-level, so the row is held)",
        ),
        PolicyRule("review_date_format", "row", "a review is counted in the month it was written"),
        PolicyRule(
            "review_id_unique",
            "row",
            "every row sharing a review id is held: which copy is right cannot be told",
        ),
    ),
)

POLICIES = (LOCAL_AUTHORITY_ICB, REGISTER, FINDINGS, REVIEWS)
