-- An ICB's figures by deprivation quintile (national and within the ICB) from marts.metric_by_group, for the
-- report's gradient charts. Parameter: $icb.
SELECT metric_id, metric_name, period, source, dimension, group_value, value, lower_95, upper_95,
       denominator, n_eff, higher_is_better, suppressed
FROM marts.metric_by_group
WHERE geography_level = 'icb' AND geography_code = $icb AND boundaries = 'as_of_period'
  AND dimension IN ('deprivation_quintile', 'deprivation_quintile_in_icb')
  AND group_value IN ('1', '2', '3', '4', '5')
ORDER BY metric_id, period, source, dimension, group_value
