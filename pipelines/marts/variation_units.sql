-- The units marts.variation compares: every published overall value of a practice or sub-ICB location that a
-- proportion funnel can judge (not a rate per 10,000, and a measure with a better direction: a theme share,
-- neither good nor bad, is not funnelled), placed in the ICB its geography had at the period's start (the
-- first extract for earlier periods), with the published ICB and England values of the same source.
-- Needs the temp view _practice_geo (geography.sql).
WITH sub_icb_geo AS (
    SELECT sub_icb_code, arg_max(icb_code, practices) AS icb_code, valid_from, valid_to, is_first_extract
    FROM (SELECT sub_icb_code, icb_code, valid_from, valid_to, is_first_extract, count(*) AS practices
          FROM _practice_geo GROUP BY ALL)
    GROUP BY ALL
), units AS (
    SELECT m.geography_level AS unit_level, m.geography_code AS unit_code, m.period, m.period_start, m.metric_id,
           m.source, m.value, m.unweighted_n, m.n_eff, m.higher_is_better
    FROM marts.metric_by_group m
    WHERE m.dimension = 'overall' AND m.geography_level IN ('practice', 'sub_icb') AND NOT m.suppressed
      AND m.value IS NOT NULL AND m.n_eff > 0 AND m.metric_id NOT LIKE '%per_10k'
      AND m.higher_is_better IS NOT NULL
), placed AS (
    SELECT u.*, coalesce(p.icb_code, s.icb_code) AS icb_code
    FROM units u
    LEFT JOIN _practice_geo p
      ON u.unit_level = 'practice' AND p.practice_code = u.unit_code
     AND (u.period_start >= p.valid_from OR p.is_first_extract)
     AND (p.valid_to IS NULL OR u.period_start < p.valid_to)
    LEFT JOIN sub_icb_geo s
      ON u.unit_level = 'sub_icb' AND s.sub_icb_code = u.unit_code
     AND (u.period_start >= s.valid_from OR s.is_first_extract)
     AND (s.valid_to IS NULL OR u.period_start < s.valid_to)
), published AS (
    SELECT geography_level, geography_code, period, metric_id, source, any_value(value) AS value
    FROM marts.metric_by_group
    WHERE dimension = 'overall' AND geography_level IN ('icb', 'england') AND NOT suppressed AND value IS NOT NULL
    GROUP BY ALL
)
SELECT p.*, i.value AS published_icb_value, e.value AS published_england_value
FROM placed p
LEFT JOIN published i
  ON i.geography_level = 'icb' AND i.geography_code = p.icb_code AND i.period = p.period
 AND i.metric_id = p.metric_id AND i.source = p.source
LEFT JOIN published e
  ON e.geography_level = 'england' AND e.period = p.period AND e.metric_id = p.metric_id AND e.source = p.source
WHERE p.icb_code IS NOT NULL
ORDER BY p.icb_code, p.period, p.metric_id, p.source, p.unit_level, p.unit_code
