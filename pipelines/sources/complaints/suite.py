"""Complaints suites: KO41a/KO41b-style returns (long form) and local complaints registers.

The returns loader quarantines a return whose arithmetic fails (resolved = upheld + partially upheld + not
upheld; carried forward = brought forward + new - resolved; each breakdown covers the new complaints);
the suite checks the published rows again, one return per organisation and period side by side, so a
loader change that let a broken return through would stop the file. Registers: one row per complaint,
closed on or after it was received, outcomes and demographics from their vocabularies.
"""

from pathlib import Path

from pipelines.core.sql import sql_file
from pipelines.sources.shared.codes import (
    ICB_CODE,
    ODS_CODE,
    POSTCODE_DISTRICT,
    PRACTICE_CODE,
    SUB_ICB_CODE,
    anchored,
)
from pipelines.sources.shared.expectations import (
    YEARS,
    incremental_rows,
    people,
)
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

MEASURE_GROUPS = [
    "summary",
    "age_of_patient",
    "status_of_complainant",
    "service_area",
    "subject_area",
    "profession",
]
SUMMARY = [
    "brought_forward",
    "new_received",
    "upheld",
    "partially_upheld",
    "not_upheld",
    "resolved",
    "carried_forward",
]
OUTCOMES = ["Upheld", "Partially upheld", "Not upheld", "Withdrawn", "Open"]

_SUMMARY_SQL = ",\n".join(f"max(value) FILTER (WHERE measure = '{m}') AS {m}" for m in SUMMARY)

COMPLAINT_RETURNS = TableSuite(
    table="staged.complaint_returns",
    source="complaints",
    description="Written complaints returns in long form, one row per return and item",
    columns=contract("staged.complaint_returns").suite_columns(),
    expectations=(
        in_set("form", ["KO41a", "KO41b"]),
        not_null("organisation_code"),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("practice_code", anchored(PRACTICE_CODE)),
        matches("sub_icb_code", anchored(SUB_ICB_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
        not_null("period_start"),
        not_null("period_end"),
        ordered("period_start", "period_end"),
        in_set("measure_group", MEASURE_GROUPS),
        not_null("measure"),
        not_null("value"),
        between("value", 0, None),
        unique("form", "organisation_code", "period_start", "measure_group", "measure"),
    ),
    derived=(
        Derived(
            "return_arithmetic",
            # One row per return with its summary items side by side, and its smallest breakdown total.
            sql_file(Path(__file__).with_name("return_arithmetic.sql"), summary_columns=_SUMMARY_SQL),
            (
                not_null("new_received"),
                not_null("resolved"),
                equal("resolved", "outcomes_total"),
                equal("carried_forward", "expected_carried_forward"),
                ordered("new_received", "smallest_breakdown"),  # a complaint can have several subjects
                between("period_year", *YEARS),
            ),
        ),
    ),
    rows=(1, 2_000_000),  # ~7,000 practices x ~35 items nationally
)

COMPLAINTS = TableSuite(
    table="staged.complaints",
    source="complaints",
    description="Local complaints registers, one row per complaint",
    columns=contract("staged.complaints").suite_columns(),
    expectations=(
        not_null("complaint_id"),
        unique("complaint_id"),
        not_null("complaint_reference"),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
        not_null("received_date"),
        ordered("received_date", "closed_date"),
        between("days_to_close", 0, 3_650),
        in_set("outcome", OUTCOMES),
        *people("age_band", "sex", "ethnicity", "ethnicity_band"),
        # The outward code only (never a full postcode: that would identify a household).
        matches("postcode_district", anchored(POSTCODE_DISTRICT)),
        unique("comment_id"),
    ),
    derived=(
        Derived(
            "complaint_dates",
            """SELECT complaint_id, days_to_close, closed_date - received_date AS days_between_dates,
                      year(received_date) AS received_year
               FROM rows""",
            (equal("days_to_close", "days_between_dates"), between("received_year", *YEARS)),
        ),
    ),
    rows=incremental_rows(1_000_000),
)

SUITES: tuple[TableSuite, ...] = (COMPLAINT_RETURNS, COMPLAINTS)
