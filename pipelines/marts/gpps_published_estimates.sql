-- GPPS published "positive" results of every catalogued question per organisation (never re-derived, never summed across practices).
-- Only measure-years whose stem the catalogue confirms are published (ref.gpps_measures.stem_confirmed).
-- n_eff is set per row afterwards (pipelines.sources.gpps.effective_n): from the row's own published Wilson
-- limits where they determine it, else the national design effect (unweighted base / 2.43).
SELECT
    CASE r.level WHEN 'practice' THEN 'practice' WHEN 'pcn' THEN 'pcn' WHEN 'ccg' THEN 'sub_icb'
                 WHEN 'ics' THEN 'icb' WHEN 'stp' THEN 'icb' WHEN 'region' THEN 'region' WHEN 'national' THEN 'england'
                 ELSE r.level END AS geography_level,
    r.org_code AS geography_code,
    CAST(r.survey_year AS VARCHAR) AS period,
    r.measure_id AS metric_id,
    coalesce(m.wording, r.measure_id) AS metric_name,
    'gpps_published' AS source,
    r.series,
    'overall' AS dimension,
    'All' AS group_value,
    r.weighted_count AS numerator,
    r.weighted_base AS denominator,
    r.unweighted_base AS unweighted_n,
    r.weighted_proportion AS value,
    r.ci_lower AS lower_95,
    r.ci_upper AS upper_95,
    FALSE AS count_based,
    m.higher_is_better
FROM staged.gpps_results r
JOIN ref.gpps_measures m ON m.measure_id = r.measure_id AND m.survey_year = r.survey_year AND m.stem_confirmed
WHERE r.response_option = 'positive' AND r.measure_id IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY r.level, r.org_code, r.survey_year, r.measure_id ORDER BY r.source_file) = 1
