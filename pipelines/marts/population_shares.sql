-- Registered population shares (latest extract) by GPPS age band (16+) and sex, per ICB and sub-ICB.
WITH latest AS (
    SELECT * FROM ref.registered_population
    WHERE age <> 'ALL' AND extract_date = (SELECT max(extract_date) FROM ref.registered_population WHERE age <> 'ALL')
), placed AS (
    SELECT p.*, g.icb_code, g.sub_icb_code
    FROM latest p JOIN _practice_geo g ON g.practice_code = p.practice_code AND g.valid_to IS NULL
), long AS (
    SELECT 'icb' AS geography_level, icb_code AS geography_code, 'age_band' AS dimension, age_band AS group_value, patients
    FROM placed WHERE age_band <> 'Under 16'
    UNION ALL SELECT 'sub_icb', sub_icb_code, 'age_band', age_band, patients FROM placed WHERE age_band <> 'Under 16'
    UNION ALL SELECT 'icb', icb_code, 'sex', CASE sex WHEN 'MALE' THEN 'Male' ELSE 'Female' END, patients
              FROM placed WHERE age_band <> 'Under 16'
    UNION ALL SELECT 'sub_icb', sub_icb_code, 'sex', CASE sex WHEN 'MALE' THEN 'Male' ELSE 'Female' END, patients
              FROM placed WHERE age_band <> 'Under 16'
)
SELECT geography_level, geography_code, dimension, group_value,
       sum(patients) / sum(sum(patients)) OVER (PARTITION BY geography_level, geography_code, dimension) AS population_share
FROM long GROUP BY 1, 2, 3, 4
