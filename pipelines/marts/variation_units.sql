-- The units marts.variation compares: every published overall value of a practice or sub-ICB location that a
-- proportion funnel can judge (not a rate per 10,000, and a measure with a better direction: a theme share,
-- neither good nor bad, is not funnelled), placed in the ICB its geography had at the period's start
-- (sources/shared/geography.sql), with the published ICB and England values of the same source. On $boundaries:
-- the sub-ICB rows and ICB values of those boundaries, and _practice_geo made on them (a practice row is the same
-- on both; on today's boundaries it is compared within its ICB of today).
-- Only the units of the sources in $sources (those whose rows changed). Needs the temp view _practice_geo
-- (sources/shared/geography.py).
WITH units AS (
    SELECT m.geography_level AS unit_level, m.geography_code AS unit_code, m.period, m.period_start, m.metric_id,
           m.source, m.value, m.unweighted_n, m.n_eff, m.higher_is_better
    FROM marts.metric_by_group m
    WHERE m.dimension = 'overall' AND m.geography_level IN ('practice', 'sub_icb') AND NOT m.suppressed
      AND (m.geography_level = 'practice' OR m.boundaries = $boundaries)
      AND m.value IS NOT NULL AND m.n_eff > 0 AND m.metric_id NOT LIKE '%per_10k'
      AND m.higher_is_better IS NOT NULL AND list_contains($sources, m.source)
), sub_icb_placed AS (
    -- A sub-ICB location is in the ICB most of its practices were in on the date.
    SELECT unit_code, period_start, arg_max(icb_code, practices) AS icb_code
    FROM (SELECT d.unit_code, d.period_start, g.icb_code, count(*) AS practices
          FROM (SELECT DISTINCT unit_code, period_start FROM units WHERE unit_level = 'sub_icb') d
          JOIN _practice_geo g ON g.sub_icb_code = d.unit_code
           AND practice_geography_applies(d.period_start, g.applies_from, g.applies_to)
          GROUP BY ALL)
    GROUP BY ALL
), placed AS (
    SELECT u.*, coalesce(p.icb_code, s.icb_code) AS icb_code
    FROM units u
    LEFT JOIN _practice_geo p
      ON u.unit_level = 'practice' AND p.practice_code = u.unit_code
     AND practice_geography_applies(u.period_start, p.applies_from, p.applies_to)
    LEFT JOIN sub_icb_placed s
      ON u.unit_level = 'sub_icb' AND s.unit_code = u.unit_code AND s.period_start = u.period_start
), published AS (
    SELECT geography_level, geography_code, period, metric_id, source, any_value(value) AS value
    FROM marts.metric_by_group
    WHERE dimension = 'overall' AND geography_level IN ('icb', 'england') AND NOT suppressed AND value IS NOT NULL
      AND (geography_level = 'england' OR boundaries = $boundaries)
    GROUP BY ALL
)
SELECT p.*, $boundaries AS boundaries, i.value AS published_icb_value, e.value AS published_england_value
FROM placed p
LEFT JOIN published i
  ON i.geography_level = 'icb' AND i.geography_code = p.icb_code AND i.period = p.period
 AND i.metric_id = p.metric_id AND i.source = p.source
LEFT JOIN published e
  ON e.geography_level = 'england' AND e.period = p.period AND e.metric_id = p.metric_id AND e.source = p.source
WHERE p.icb_code IS NOT NULL
ORDER BY p.icb_code, p.period, p.metric_id, p.source, p.unit_level, p.unit_code
