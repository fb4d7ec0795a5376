-- GPPS results by deprivation quintile of the practice, pooled from the published practice results
-- (_practice_estimates: the gpps_published practice rows with their n_eff; _practice_quintiles:
-- practice_quintiles.sql). There is no published figure for a quintile, so Chorus estimates one, as
-- Fingertips does for its deprivation deciles of practices: each quintile is the practices it holds as
-- strata, each weighted by its share of the registered population w_i = N_i / N (never by its respondents:
-- practices are sampled and weighted separately).
--   value = Σ w_i p_i   (published as numerator / denominator: Σ N_i p_i / Σ N_i)
-- Its variance is the larger of
--   sampling:  Σ w_i² p_i (1 − p_i) / n_eff_i                  (each practice's own effective sample size)
--   practices: m / (m − 1) · Σ w_i² (p_i − value)²  (the m practices as sampled clusters)
-- because practices differ for many reasons besides deprivation: a quintile's interval, and so a gradient
-- across quintiles, allows for how much its practices differ, not only for the respondents each one had.
-- n_eff = value (1 − value) / variance; the Wilson intervals are drawn on it. The sums below are those
-- (S0 = Σ N², S1 = Σ N² p, S2 = Σ N² p²: Σ N²(p − v)² = S2 − 2 v S1 + v² S0). Only practice results
-- Chorus publishes (not suppressed, 10+ respondents) are pooled.
SELECT
    q.geography_level,
    q.geography_code,
    e.period,
    e.metric_id,
    any_value(e.metric_name) AS metric_name,
    'gpps_practices' AS source,
    e.series,
    q.dimension,
    q.group_value,
    sum(q.population * e.value) AS numerator,
    sum(q.population) AS denominator,
    sum(e.unweighted_n) AS unweighted_n,
    sum(q.population * q.population * e.value * (1 - e.value) / e.n_eff) / (sum(q.population) * sum(q.population))
        AS sampling_variance,
    count(*) AS practices,
    sum(q.population * q.population) AS s0,
    sum(q.population * q.population * e.value) AS s1,
    sum(q.population * q.population * e.value * e.value) AS s2,
    sum(e.n_eff) AS n_eff_sum,
    'practices_pooled' AS n_eff_method,
    FALSE AS count_based,
    any_value(e.higher_is_better) AS higher_is_better  -- the question's polarity (ref.gpps_measures)
FROM _practice_estimates e
JOIN _practice_quintiles q ON CAST(q.survey_year AS VARCHAR) = e.period AND q.practice_code = e.geography_code
WHERE e.geography_level = 'practice' AND e.value IS NOT NULL AND e.n_eff > 0 AND e.unweighted_n >= $min_base
GROUP BY ALL
