-- Published quintile rows of marts.metric_by_group whose five quintiles are all there (PHE needs every quantile),
-- most deprived first within each block. Parameters: $dimensions, $quintiles. Slots: block (the block's
-- columns), quintile_count.
SELECT geography_level, geography_code, boundaries, period, metric_id, source, dimension, series, group_value, value,
       lower_95, upper_95, denominator, higher_is_better
FROM marts.metric_by_group
WHERE dimension IN (SELECT unnest($dimensions::VARCHAR[])) AND group_value IN (SELECT unnest($quintiles::VARCHAR[]))
  AND geography_level IN ('england', 'all_loaded_areas', 'icb', 'sub_icb') AND NOT suppressed
  AND value IS NOT NULL AND denominator > 0
  AND higher_is_better IS NOT NULL  -- a gradient in how often a theme is mentioned has no direction
QUALIFY count(*) OVER (PARTITION BY {{block}}) = {{quintile_count}}
ORDER BY {{block}}, group_value
