"""Quarantine policy of the complaints tables (see :mod:`pipelines.sources.policy`)."""

from pipelines.ingest.quarantine import PolicyRule, TablePolicy

KNOWN = PolicyRule(
    "known_organisation",
    "row",
    "an organisation code the ODS reference does not know would be placed in no area, or by its first three "
    "characters in a trust it may not belong to: never joined to a wrong geography",
)
RETURNS = TablePolicy(
    "complaints",
    "staged.complaint_returns",
    (
        PolicyRule("period_readable", "row", "figures are counted in their quarter"),
        PolicyRule("organisation_code_shape", "row", "figures without an organisation belong to nobody"),
        KNOWN,
        PolicyRule(
            "counts_are_whole_numbers",
            "row",
            "a count that is not a count means the row's columns are shifted",
        ),
        PolicyRule(
            "resolved_equals_outcomes",
            "row",
            "the return's own arithmetic fails: which figure is wrong "
            "cannot be told, so the organisation's quarter is held",
        ),
        PolicyRule(
            "carried_forward_balances", "row", "as above: brought forward + new - resolved must balance"
        ),
        PolicyRule(
            "breakdowns_cover_total",
            "row",
            "a breakdown that does not cover the new complaints is incomplete",
        ),
    ),
)
COMPLAINTS = TablePolicy(
    "complaints",
    "staged.complaints",
    (
        PolicyRule(
            "complaint_reference_present", "row", "a complaint is kept and withdrawn by its reference"
        ),
        PolicyRule("received_date_readable", "row", "a complaint is counted in the period it was received"),
        PolicyRule("closed_date_readable", "row", "days to close cannot be measured"),
        PolicyRule("closed_after_received", "row", "a complaint closed before it arrived has a wrong date"),
        PolicyRule("organisation_code_shape", "row", "a complaint without an organisation belongs to nobody"),
        KNOWN,
        PolicyRule("outcome_known", "row", "an outcome outside the KO41 categories cannot be counted"),
        PolicyRule(
            "description_present",
            "row",
            "a complaint record without its description is a record missing its body: held, not loaded empty",
        ),
    ),
    key=("organisation_code", "complaint_reference"),
)

POLICIES = (RETURNS, COMPLAINTS)
