-- Rows of marts.triangulation that break disclosure control. Slots: count_suppress_max, round_to, min_comments.
SELECT geography_code, dimension, group_value, theme, comments, complaints, negative_share
FROM marts.triangulation
WHERE comments BETWEEN 1 AND {{count_suppress_max}} OR comments % {{round_to}} <> 0
   OR complaints BETWEEN 1 AND {{count_suppress_max}} OR complaints % {{round_to}} <> 0
   OR ((comments IS NULL OR comments < {{min_comments}}) AND (example_comments IS NOT NULL OR negative_share IS NOT NULL))
