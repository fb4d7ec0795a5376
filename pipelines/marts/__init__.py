"""The analyst-facing marts: plain SQL and statistics, no Dagster here."""

# Every table in the ``marts`` schema, in build order; the published store depends on all of them.
MART_TABLES: tuple[str, ...] = (
    "metric_by_group",
    "deprivation_gradient",
    "variation",
    "national_variation",
    "representation",
    "gpps_question_options",
    "triangulation",
    "spc",
    "standardised_rates",
    "data_dictionary",
)
