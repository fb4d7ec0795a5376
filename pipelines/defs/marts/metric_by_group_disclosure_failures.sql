-- Rows of marts.metric_by_group that break disclosure control (docs/DESIGN.md section 8). Slots: the rule's
-- numbers from methods/disclosure.py as literals (count_suppress_max, round_to, min_comments, min_survey_base,
-- min_group_n_eff).
SELECT geography_level, geography_code, period, metric_id, dimension, group_value, numerator, denominator,
       unweighted_n, value
FROM marts.metric_by_group
WHERE ((metric_id LIKE 'fft_%' OR metric_id LIKE 'comments_%' OR metric_id LIKE 'complaints_%')
       AND geography_level <> 'england'
       AND (numerator BETWEEN 1 AND {{count_suppress_max}} OR numerator % {{round_to}} <> 0
            OR denominator % {{round_to}} <> 0
            OR (dimension <> 'overall' AND value IS NOT NULL AND denominator < {{min_comments}})))
   OR (source LIKE 'gpps%' AND value IS NOT NULL AND unweighted_n < {{min_survey_base}})
   OR (source LIKE 'gpps%' AND dimension <> 'overall' AND value IS NOT NULL AND n_eff < {{min_group_n_eff}})
   OR (suppressed AND (value IS NOT NULL OR unweighted_n IS NOT NULL OR n_eff IS NOT NULL
                       OR denominator IS NOT NULL OR lower_95 IS NOT NULL))
