-- The practices' geography on the boundaries of the time (temp view _practice_geo, boundaries 'as_of_period';
-- geography.ensure_geography_views, docs/ARCHITECTURE.md "Geography as of a date"): each version of
-- ref.practice_geography_versions, its sub-ICB code read through ref.sub_icb_continuity. A version recorded in
-- 00K places its practice in 00K before 1 April 2020 and in 16C from then on, so no row dated after a CCG ended
-- carries its code. A version is cut where its code's meaning changes; as a code's continuity spans cover every
-- date once, exactly one row of a practice still applies on any date (practice_geography_applies).
SELECT v.practice_code, v.pcn_code, coalesce(c.sub_icb_code, v.sub_icb_code) AS sub_icb_code,
       -- A span after a succession takes its successor's ICB; the code's own span keeps the version's.
       CASE WHEN coalesce(c.steps, 0) = 0 THEN v.icb_code ELSE coalesce(c.icb_code, v.icb_code) END AS icb_code,
       v.valid_from, v.valid_to,
       greatest(v.applies_from, c.in_force_from) AS applies_from,  -- greatest / least skip a NULL (open) end
       least(v.applies_to, c.in_force_to) AS applies_to
FROM ref.practice_geography_versions v
LEFT JOIN {{continuity}} c ON c.code = v.sub_icb_code
WHERE (c.code IS NULL OR greatest(v.applies_from, c.in_force_from) IS NULL
       OR least(v.applies_to, c.in_force_to) IS NULL
       OR greatest(v.applies_from, c.in_force_from) < least(v.applies_to, c.in_force_to))
