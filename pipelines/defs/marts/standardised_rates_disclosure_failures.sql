-- Rows of marts.standardised_rates that break disclosure control (docs/DESIGN.md section 8; no rate rests on
-- fewer than min_events events). Slots: the rules' numbers as literals (min_events, round_to).
SELECT geography_level, geography_code, period, measure, observed, crude_rate, dsr, isr
FROM marts.standardised_rates
WHERE observed BETWEEN 1 AND {{min_events}} - 1
   OR observed % {{round_to}} <> 0
   OR (dsr IS NOT NULL AND NOT coalesce(observed >= {{min_events}}, FALSE))
   OR (observed IS NULL AND (crude_rate IS NOT NULL OR crude_lower_95 IS NOT NULL OR crude_upper_998 IS NOT NULL
                             OR dsr IS NOT NULL OR dsr_lower_95 IS NOT NULL OR expected IS NOT NULL
                             OR isr IS NOT NULL OR isr_lower_95 IS NOT NULL OR age_known_share IS NOT NULL
                             OR crude_funnel IS NOT NULL OR dsr_funnel IS NOT NULL OR isr_funnel IS NOT NULL))
