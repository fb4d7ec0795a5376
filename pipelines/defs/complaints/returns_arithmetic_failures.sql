-- The complaints returns whose arithmetic fails (check returns_arithmetic_holds): each return's summary items
-- side by side, kept where resolved <> upheld + partially upheld + not upheld or carried forward <> brought
-- forward + new - resolved.
SELECT * FROM (SELECT organisation_code, period_start, source_file,
                     max(value) FILTER (WHERE measure = 'brought_forward') AS bf,
                     max(value) FILTER (WHERE measure = 'new_received') AS new,
                     max(value) FILTER (WHERE measure = 'upheld') AS upheld,
                     max(value) FILTER (WHERE measure = 'partially_upheld') AS partly,
                     max(value) FILTER (WHERE measure = 'not_upheld') AS not_upheld,
                     max(value) FILTER (WHERE measure = 'resolved') AS resolved,
                     max(value) FILTER (WHERE measure = 'carried_forward') AS cf
              FROM staged.complaint_returns WHERE measure_group = 'summary' GROUP BY ALL)
WHERE resolved <> upheld + partly + not_upheld OR cf <> bf + new - resolved
