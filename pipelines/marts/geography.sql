-- Temp views the marts share: the geography a practice had at a date (first extract for earlier dates).
CREATE OR REPLACE TEMP VIEW _practice_geo AS
SELECT practice_code, pcn_code, sub_icb_code, icb_code, valid_from, valid_to,
       valid_from = min(valid_from) OVER () AS is_first_extract
FROM ref.practice_geography_versions;
