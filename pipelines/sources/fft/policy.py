"""Quarantine policy of the Friends and Family Test tables (see :mod:`pipelines.sources.policy`)."""

from pipelines.ingest.quarantine import PolicyRule, TablePolicy

SCORES = TablePolicy(
    "fft",
    "staged.fft_scores",
    (
        PolicyRule(
            "count_is_whole_number", "row", "a count that is not a count means the row's columns are shifted"
        ),
        PolicyRule(
            "percentage_in_range",
            "row",
            "the row's percentages and counts are published together; one "
            "outside 0-1 (0-100) makes the row's arithmetic unreliable",
        ),
        PolicyRule(
            "breakdown_sums_to_total",
            "row",
            "the responses do not add up: which figure is wrong cannot be told",
        ),
        PolicyRule("organisation_identified", "row", "figures without an organisation belong to nobody"),
    ),
    csv=False,
)
COMMENTS = TablePolicy(
    "fft",
    "staged.comments (FFT comment exports)",
    (
        PolicyRule("comment_id_present", "row", "a comment is kept, coded and withdrawn by its id"),
        PolicyRule(
            "comment_id_unique", "row", "a second row with an id already read is a repeated export row"
        ),
        PolicyRule("date_readable", "row", "a comment is counted in the month it was made"),
        PolicyRule(
            "score_in_range",
            "row",
            "an FFT answer is 1 (very good) to 5 (very poor), or 6 (don't know): "
            "any other number means the row is not what it says; record-level, so the row is held",
        ),
        PolicyRule(
            "comment_present",
            "row",
            "a comment record without its comment is a record missing its body: held, not loaded empty",
        ),
    ),
)

POLICIES = (SCORES, COMMENTS)
