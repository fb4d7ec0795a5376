-- Temp table _tri_survey: the latest GPPS respondent survey's evidence per ICB / sub-ICB, group and theme, for
-- marts.triangulation. Parameter $keyword_topics: the comment themes found by keyword rules (Equality, diversity
-- & inclusion), which no survey measure maps to.
--
-- Each group result is scored by how strongly it says the group fares worse than its geography overall: the z
-- statistic of the gap on n_eff (the same unpooled test as metric_by_group's gaps), signed so that positive is
-- worse whichever way the measure points. A framework theme joins the measures mapped to it; a keyword topic
-- joins every measure on which the group is worse at 99.8% (where the group has comments on it: the join starts
-- from what the group said, triangulation.sql), because what a group says about discrimination or
-- interpreters explains its worse access and communication scores, not a survey theme of its own.
CREATE OR REPLACE TEMP TABLE _tri_survey AS
WITH latest AS (
    SELECT arg_max(period, period_end) AS period FROM marts.metric_by_group WHERE source = 'gpps_respondents'
), results AS (
    SELECT m.geography_level, m.geography_code, m.metric_id, m.dimension, m.group_value, m.value, m.n_eff,
           m.diff_from_overall, m.worse_than_overall, m.higher_is_better
    FROM marts.metric_by_group m JOIN latest USING (period)
    WHERE m.source = 'gpps_respondents' AND m.geography_level IN ('icb', 'sub_icb') AND NOT m.suppressed
      AND m.boundaries = 'as_of_period'  -- the areas comments were placed in
      AND m.dimension NOT LIKE '% x %'  -- intersections ('age_band x sex'): comments are not counted by two dimensions
), scored AS (
    SELECT g.geography_level, g.geography_code, g.metric_id, g.dimension, g.group_value, g.n_eff,
           g.worse_than_overall,
           -- negative = worse, in proportion points, whichever way the measure points
           CASE WHEN g.higher_is_better THEN g.diff_from_overall ELSE -g.diff_from_overall END AS worse_gap,
           -- (0 when both values are 0% or 100%: no spread to test a gap against)
           coalesce(CASE WHEN g.higher_is_better THEN -g.diff_from_overall ELSE g.diff_from_overall END
               / nullif(sqrt(g.value * (1 - g.value) / g.n_eff + o.value * (1 - o.value) / o.n_eff), 0), 0) AS worse_z
    FROM results g
    JOIN results o ON o.geography_level = g.geography_level AND o.geography_code = g.geography_code
                  AND o.metric_id = g.metric_id AND o.dimension = 'overall'
    WHERE g.dimension <> 'overall' AND g.higher_is_better IS NOT NULL AND g.n_eff > 0 AND o.n_eff > 0
), themed AS (
    SELECT s.*, t.theme, FALSE AS joined_by_keyword
    FROM scored s JOIN (SELECT DISTINCT measure_id, theme FROM ref.gpps_measures) t ON t.measure_id = s.metric_id
    UNION ALL
    SELECT s.*, k.theme, TRUE AS joined_by_keyword
    FROM scored s CROSS JOIN (SELECT unnest($keyword_topics::VARCHAR[]) AS theme) k
    WHERE s.worse_than_overall
)
SELECT geography_level, geography_code, dimension, group_value, theme,
       count(*) AS survey_measures,
       count(*) FILTER (worse_than_overall) AS survey_measures_worse,
       -- the measure with the strongest evidence of the group faring worse (ties: by name, so every run agrees)
       arg_max(metric_id, (worse_z, metric_id)) AS survey_metric_id,
       arg_max(worse_gap, (worse_z, metric_id)) AS survey_worst_gap,
       max(worse_z) AS survey_z,
       arg_max(n_eff, (worse_z, metric_id)) AS survey_n_eff,
       bool_or(worse_than_overall) AS survey_worse_998,
       bool_and(joined_by_keyword) AS joined_by_keyword  -- kept only where the group has comments on the topic
FROM themed
GROUP BY ALL;
