-- Rows of marts.triangulation that break disclosure control. Slots: count_suppress_max, round_to, min_comments.
SELECT geography_code, dimension, group_value, theme, comments, complaints, group_comments, healthwatch_findings,
       healthwatch_reviews, stories, negative_share, negative_theme_share
FROM marts.triangulation
WHERE comments BETWEEN 1 AND {{count_suppress_max}} OR comments % {{round_to}} <> 0
   OR negative_comments BETWEEN 1 AND {{count_suppress_max}} OR negative_comments % {{round_to}} <> 0
   OR complaints BETWEEN 1 AND {{count_suppress_max}} OR complaints % {{round_to}} <> 0
   OR group_comments BETWEEN 1 AND {{count_suppress_max}} OR group_comments % {{round_to}} <> 0
   OR healthwatch_findings BETWEEN 1 AND {{count_suppress_max}} OR healthwatch_findings % {{round_to}} <> 0
   OR healthwatch_reviews BETWEEN 1 AND {{count_suppress_max}} OR healthwatch_reviews % {{round_to}} <> 0
   OR stories BETWEEN 1 AND {{count_suppress_max}} OR stories % {{round_to}} <> 0
   OR ((comments IS NULL OR comments < {{min_comments}}) AND (example_comments IS NOT NULL OR negative_share IS NOT NULL))
   OR ((group_comments IS NULL OR group_comments < {{min_comments}}) AND negative_theme_share IS NOT NULL)
