-- An ICB's representation rows (who is heard, by channel) in each channel's latest period, from
-- marts.representation. Parameter: $icb.
SELECT * FROM marts.representation r
WHERE geography_level = 'icb' AND geography_code = $icb
  AND period_end = (SELECT max(period_end) FROM marts.representation x
                    WHERE x.channel = r.channel AND x.geography_level = 'icb'
                      AND x.geography_code = r.geography_code)
ORDER BY channel, dimension, group_value
