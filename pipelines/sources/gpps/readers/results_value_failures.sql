-- The single published figures of one file that break a value rule (_gpps_values), each with the file's
-- column it came from (for the quarantine); they are the long rows results.insert_results left out.
-- Inputs (temp): _gpps_value_columns (question, response_option → its percentage and lower-limit columns).
-- Slot: {{failing_rows}} (the file's reshape filtered to the failing figures; parameters $year, $series,
-- $level, $file).
CREATE OR REPLACE TEMP TABLE _gpps_values AS
SELECT r.source_row, r.question, r.response_option, r.weighted_proportion, r.ci_lower, r.ci_upper,
       coalesce(c.pct_column, r.question) AS pct_column, coalesce(c.lower_column, r.question) AS lower_column
FROM ({{failing_rows}}) r
LEFT JOIN _gpps_value_columns c ON c.question = r.question
     AND c.response_option IS NOT DISTINCT FROM r.response_option
