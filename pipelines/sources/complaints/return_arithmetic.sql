-- The complaints suite's return_arithmetic relation (suite.py): one row per return with its summary items side
-- by side, the outcomes total, the expected carried-forward figure and its smallest breakdown total.
-- Runs inside validation.expectations.Derived.relation, which binds rows to the file's rows of
-- staged.complaint_returns. Slot: {{summary_columns}} (each summary item as a column).
WITH summary AS (
    SELECT form, organisation_code, period_start, {{summary_columns}}
    FROM rows WHERE measure_group = 'summary' GROUP BY ALL
), breakdowns AS (
    SELECT form, organisation_code, period_start, min(total) AS smallest_breakdown
    FROM (SELECT form, organisation_code, period_start, measure_group, sum(value) AS total
          FROM rows WHERE measure_group <> 'summary' GROUP BY ALL)
    GROUP BY ALL
)
SELECT s.*, upheld + partially_upheld + not_upheld AS outcomes_total,
       brought_forward + new_received - resolved AS expected_carried_forward,
       b.smallest_breakdown, year(s.period_start) AS period_year
FROM summary s LEFT JOIN breakdowns b USING (form, organisation_code, period_start)
