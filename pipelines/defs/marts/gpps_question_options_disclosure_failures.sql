-- Rows of marts.gpps_question_options that break disclosure control (docs/DESIGN.md section 8). Slots: the
-- rule's numbers from methods/disclosure.py as literals (round_to, min_survey_base).
SELECT geography_level, geography_code, period, question, option_code, share, unweighted_base
FROM marts.gpps_question_options
WHERE (share IS NOT NULL AND NOT coalesce(unweighted_base >= {{min_survey_base}}, FALSE))
   OR (geography_level <> 'england' AND unweighted_base % {{round_to}} <> 0)
   OR (suppressed AND (share IS NOT NULL OR unweighted_base IS NOT NULL OR weighted_base IS NOT NULL))
