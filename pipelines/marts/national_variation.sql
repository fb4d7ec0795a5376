-- marts.national_variation: every practice or sub-ICB location of marts.variation against England, per measure,
-- year, source, unit level and boundaries: how far apart the best and the worst are, and how many lie beyond the 99.8%
-- funnel limits on the better and on the worse side (judged with the measure's polarity). Units are those of
-- every ICB loaded; england_value_basis says whether England is the published value or the loaded units' own.
WITH polarity AS (
    SELECT period, metric_id, source, any_value(higher_is_better) AS higher_is_better
    FROM marts.metric_by_group WHERE dimension = 'overall' AND higher_is_better IS NOT NULL
    GROUP BY ALL
)
SELECT v.boundaries, v.period, v.metric_id, v.source, v.unit_level, p.higher_is_better,
       any_value(v.england_value) AS england_value, any_value(v.england_value_basis) AS england_value_basis,
       count(*) AS units, count(DISTINCT v.icb_code) AS icbs,
       CASE WHEN p.higher_is_better THEN max(v.value) ELSE min(v.value) END AS best_value,
       CASE WHEN p.higher_is_better THEN min(v.value) ELSE max(v.value) END AS worst_value,
       max(v.value) - min(v.value) AS range,
       CASE WHEN count(*) > 1 AND min(v.value) > 0 THEN max(v.value) / min(v.value) END AS best_to_worst_ratio,
       count(*) FILTER (WHERE v.vs_england LIKE '%(0.001)') AS units_outside_998,
       count(*) FILTER (WHERE v.vs_england_judgement = 'better') AS units_better_998,
       count(*) FILTER (WHERE v.vs_england_judgement = 'worse') AS units_worse_998
FROM marts.variation v
JOIN polarity p USING (period, metric_id, source)
GROUP BY v.boundaries, v.period, v.metric_id, v.source, v.unit_level, p.higher_is_better
ORDER BY v.boundaries, v.period, v.metric_id, v.source, v.unit_level
