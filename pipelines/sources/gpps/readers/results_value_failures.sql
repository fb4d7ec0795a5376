-- The single published figures of one file in staged.gpps_results that break a value rule (_gpps_values),
-- each with the file's column it came from (for the quarantine).
-- Inputs (temp): _gpps_value_columns (question, response_option → its percentage and lower-limit columns).
-- Slot: {{fails}} (true when any of results.VALUE_RULES fails). Parameter: $source_file.
CREATE OR REPLACE TEMP TABLE _gpps_values AS
SELECT r.source_row, r.question, r.response_option, r.weighted_proportion, r.ci_lower, r.ci_upper,
       coalesce(c.pct_column, r.question) AS pct_column, coalesce(c.lower_column, r.question) AS lower_column
FROM staged.gpps_results r
LEFT JOIN _gpps_value_columns c ON c.question = r.question
     AND c.response_option IS NOT DISTINCT FROM r.response_option
WHERE r.source_file = $source_file AND ({{fails}})
