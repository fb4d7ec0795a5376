-- The practices' geography on today's boundaries (temp view _practice_geo, boundaries 'current';
-- geography.ensure_geography_views), as Fingertips re-maps practices: every practice's last version, its sub-ICB
-- and ICB those its code means today (the end of its successor chain in ref.sub_icb_continuity), applying on
-- every date, so a 2019 CCG series continues into 2025 through the practices that made it up.
SELECT v.practice_code, v.pcn_code, coalesce(c.current_sub_icb_code, v.sub_icb_code) AS sub_icb_code,
       coalesce(c.current_icb_code, v.icb_code) AS icb_code,
       v.valid_from, v.valid_to, NULL::DATE AS applies_from, NULL::DATE AS applies_to
FROM ref.practice_geography_versions v
LEFT JOIN (SELECT DISTINCT code, current_sub_icb_code, current_icb_code FROM {{continuity}}) c
  ON c.code = v.sub_icb_code
WHERE v.applies_to IS NULL
