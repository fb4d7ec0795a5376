-- Temp table _tri_survey: the latest GPPS respondent survey's gaps per ICB / sub-ICB, group and theme (how many
-- measures, the worst gap, whether any is significantly worse), for marts.triangulation.
CREATE OR REPLACE TEMP TABLE _tri_survey AS
SELECT m.geography_level, m.geography_code, m.dimension, m.group_value, g.theme,
       count(*) AS survey_measures, min(m.diff_from_overall) AS survey_worst_gap,
       bool_or(m.diff_from_overall_significant AND m.diff_from_overall < 0) AS survey_gap_significant
FROM marts.metric_by_group m
JOIN (SELECT DISTINCT measure_id, theme FROM ref.gpps_measures) g ON g.measure_id = m.metric_id
WHERE m.source = 'gpps_respondents' AND m.geography_level IN ('icb', 'sub_icb') AND NOT m.suppressed
  AND m.boundaries = 'as_of_period'  -- the areas comments were placed in
  AND m.dimension NOT LIKE '% x %'  -- intersections ('age_band x sex'): comments are not counted by two dimensions
  AND m.period = (SELECT arg_max(period, period_end) FROM marts.metric_by_group WHERE source = 'gpps_respondents')
GROUP BY ALL;
