"""Friends and Family Test suites: monthly workbook rows (organisations and aggregates) and comment exports.

The workbook loader has already quarantined rows whose counts are not whole numbers, whose percentages
are outside 0-1 / 0-100, or whose response breakdown does not add up; these suites check each file as a
whole: settings and levels from the known vocabulary, one row per organisation and unit, proportions
0-1, counts >= 0 and the cross-column promises (positive responses <= total responses, % positive +
% negative <= 100%). Comment exports are checked here for their FFT details and, with every other
source's free text, by the ``staged.comments`` suite.
"""

from pipelines.sources.shared.codes import ICB_CODE, ODS_CODE, anchored
from pipelines.sources.shared.expectations import YEARS
from pipelines.validation.expectations import (
    Derived,
    TableSuite,
    between,
    in_set,
    matches,
    not_null,
    ordered,
    unique,
)
from schemas.contracts import contract

SETTINGS = ["ae", "inpatient", "ambulance", "ambulance_pts", "ambulance_see_and_treat", "gp", "maternity",
            "mental_health", "community", "outpatient", "dental"]  # fmt: skip
LEVELS = ["trust", "site", "ward", "practice", "organisation"]
AGGREGATE_LEVELS = ["england", "england_including_is", "england_excluding_is", "selection", "icb"]
COUNTS = ("total_responses", "total_eligible", "very_good", "good", "neither_good_nor_poor", "poor", "very_poor",
          "dont_know", "mode_sms", "mode_electronic_discharge", "mode_electronic_home", "mode_paper_discharge",
          "mode_paper_home", "mode_telephone", "mode_online", "mode_other")  # fmt: skip
SCORE_COLUMNS = {
    "setting": "VARCHAR",
    "period": "DATE",
    "total_responses": "BIGINT",
    "total_eligible": "BIGINT",
    "pct_positive": "DOUBLE",
    "pct_negative": "DOUBLE",
    "very_good": "BIGINT",
    "good": "BIGINT",
    "neither_good_nor_poor": "BIGINT",
    "poor": "BIGINT",
    "very_poor": "BIGINT",
    "dont_know": "BIGINT",
    "is_suppressed": "BOOLEAN",
    "percent_scale": "VARCHAR",
    "sheet": "VARCHAR",
    "excel_row": "INTEGER",
    "source_row": "BIGINT",
}
# Rounding in the published percentages: 0.5 percentage points either way is still a consistent row.
ROUNDING = 0.005


def _measures() -> tuple:
    """What every workbook row, organisation or aggregate, must satisfy."""
    return (
        in_set("setting", SETTINGS),
        not_null("period"),
        not_null("is_suppressed"),
        in_set("percent_scale", ["0-1", "0-100"]),
        between("pct_positive", 0, 1),
        between("pct_negative", 0, 1),
        *(between(c, 0, None) for c in COUNTS),
        unique("sheet", "excel_row"),  # one staged row per workbook row
    )


def _cross_columns(key: str) -> Derived:
    """Positive (very good + good) <= total responses; % positive + % negative <= 100%; a plausible month."""
    return Derived(
        "cross_column",
        f"""SELECT {key}, very_good + good AS positive_responses, total_responses,
                   pct_positive + pct_negative AS pct_positive_plus_negative,
                   year(period) AS period_year, day(period) AS period_day
            FROM rows""",
        (
            ordered("positive_responses", "total_responses"),
            between("pct_positive_plus_negative", 0, 1 + ROUNDING),
            between("period_year", *YEARS),
            between("period_day", 1, 1),  # periods are months, stored as their first day
        ),
    )


FFT_SCORES = TableSuite(
    table="staged.fft_scores",
    source="fft",
    description="FFT responses per organisation, setting and month (workbook organisation rows)",
    columns=contract("staged.fft_scores").suite_columns(),
    expectations=(
        *_measures(),
        in_set("level", LEVELS),
        matches("organisation_code", anchored(ODS_CODE)),
        matches("trust_code", anchored(ODS_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
    ),
    derived=(
        _cross_columns("level"),
        Derived(
            "organisation_unit",
            # A ward is its trust's code + ward name (+ specialities): one row per unit, setting and month.
            """SELECT setting, period, level, coalesce(organisation_code, '') AS organisation_code,
                      concat_ws(' | ', ward_name, first_speciality, second_speciality) AS unit
               FROM rows""",
            (unique("setting", "period", "level", "organisation_code", "unit"),),
        ),
    ),
    # National inpatient ward sheets are the largest: ~10k wards; a trust's own workbook a handful of rows.
    rows=(1, 100_000),
)

FFT_AGGREGATE_SCORES = TableSuite(
    table="staged.fft_aggregate_scores",
    source="fft",
    description="England / ICB / Selection rows of the FFT workbooks",
    columns=contract("staged.fft_aggregate_scores").suite_columns(),
    expectations=(
        *_measures(),
        in_set("aggregate_level", AGGREGATE_LEVELS),
        not_null("aggregate_name"),
        matches("aggregate_code", anchored(ICB_CODE)),
    ),
    derived=(
        _cross_columns("aggregate_level"),
        Derived(
            "aggregate_per_sheet",
            "SELECT sheet, setting, aggregate_level, coalesce(aggregate_code, aggregate_name) AS aggregate FROM rows",
            (unique("sheet", "setting", "aggregate_level", "aggregate"),),
        ),
    ),
    # Sheets repeat England / Selection; the ICB sheet has 42 ICBs. A trust's own workbook may have none.
    rows=(0, 2_000),
)

FFT_COMMENT_DETAILS = TableSuite(
    table="staged.fft_comment_details",
    source="fft",
    description="FFT comment exports: location levels, respondent and how each date was read",
    columns=contract("staged.fft_comment_details").suite_columns(),
    expectations=(
        not_null("comment_id"),
        unique("comment_id"),
        matches("comment_id", r"^fft:"),
        in_set("layout", ["trust_upload", "public_labelled", "phase1_labelled"]),
        matches("date_order", r"^(d/m/Y|m/d/Y|iso)( \(file majority\))?$"),
        not_null("source_row"),
        unique("source_row"),
    ),
    rows=(1, 5_000_000),
)

SUITES: tuple[TableSuite, ...] = (FFT_SCORES, FFT_AGGREGATE_SCORES, FFT_COMMENT_DETAILS)
