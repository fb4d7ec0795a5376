-- An ICB's rows of marts.metric_by_group significantly different from their previous comparable period, in
-- each source's latest period, biggest first (the report's "what changed"). Parameter: $icb.
SELECT * FROM marts.metric_by_group m
WHERE geography_level = 'icb' AND geography_code = $icb AND change_from_previous_significant_95
  AND boundaries = 'as_of_period'
  AND period_end = (SELECT max(period_end) FROM marts.metric_by_group x
                    WHERE x.geography_level = 'icb' AND x.geography_code = m.geography_code
                      AND x.source = m.source AND x.period_kind = m.period_kind)
ORDER BY change_from_previous_significant_998 DESC, abs(change_from_previous) DESC
