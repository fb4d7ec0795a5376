-- Temp table _practice_quintiles: the deprivation quintile of every practice with an IMD score, per GPPS survey
-- year of the practice files, and the registered population that weights it.
--   England: the national quintiles of ref.practice_deprivation (dimension deprivation_quintile).
--   Each ICB: quintiles of the ICB's own practices in the geography of the survey year, by the same IMD
--   score and the same PHE quantile method as ref.practice_deprivation (sources/reference/derived.sql),
--   1 = most deprived (dimension deprivation_quintile_in_icb): PHE's local quantiles, so every ICB with five
--   or more practices has all five quintiles, where many ICBs have no practice in a national quintile.
-- Population: the practice's registered patients in the extract nearest the survey's fieldwork, else the
-- survey's own population size (2024+ files); a practice with neither is in no quintile's value.
-- Needs the temp view _practice_geo (sources/shared/geography.py).
CREATE OR REPLACE TEMP TABLE _practice_quintiles AS
WITH years AS (
    SELECT DISTINCT survey_year FROM staged.gpps_results WHERE level = 'practice'
), registered AS (
    SELECT practice_code, extract_date,
           coalesce(max(patients) FILTER (WHERE age = 'ALL' AND sex = 'ALL'),
                    sum(patients) FILTER (WHERE age <> 'ALL' AND sex <> 'ALL')) AS patients
    FROM ref.registered_population
    GROUP BY ALL
), nearest AS (
    SELECT y.survey_year, r.practice_code, r.patients
    FROM years y CROSS JOIN registered r
    WHERE r.patients > 0
    QUALIFY row_number() OVER (
        PARTITION BY y.survey_year, r.practice_code
        ORDER BY abs(date_diff('day', r.extract_date, make_date(y.survey_year, 3, 1))), r.extract_date DESC) = 1
), surveyed AS (
    SELECT survey_year, org_code AS practice_code, max(population_size) AS population_size
    FROM staged.gpps_response_rates WHERE level = 'practice' AND population_size > 0
    GROUP BY ALL
), practices AS (
    SELECT y.survey_year, d.practice_code, d.imd_score, d.deprivation_quintile, g.icb_code,
           coalesce(n.patients, s.population_size) AS population
    FROM years y
    CROSS JOIN ref.practice_deprivation d
    LEFT JOIN _practice_geo g
      ON g.practice_code = d.practice_code
     AND practice_geography_applies(make_date(y.survey_year, 1, 1), g.applies_from, g.applies_to)
    LEFT JOIN nearest n ON n.survey_year = y.survey_year AND n.practice_code = d.practice_code
    LEFT JOIN surveyed s ON s.survey_year = y.survey_year AND s.practice_code = d.practice_code
    WHERE d.imd_score IS NOT NULL
), in_icb AS (
    SELECT *, count(*) OVER (PARTITION BY survey_year, icb_code) AS n,
           rank() OVER (PARTITION BY survey_year, icb_code ORDER BY imd_score DESC) AS inverted_rank
    FROM practices WHERE icb_code IS NOT NULL
)
SELECT survey_year, practice_code, 'england' AS geography_level, 'E92000001' AS geography_code,
       'deprivation_quintile' AS dimension, CAST(deprivation_quintile AS VARCHAR) AS group_value, population
FROM practices
WHERE deprivation_quintile IS NOT NULL AND population > 0
UNION ALL
SELECT survey_year, practice_code, 'icb', icb_code, 'deprivation_quintile_in_icb',
       CAST(greatest(1, floor(6 - ceil(((n + 1) - inverted_rank) / (n / 5.0))))::INTEGER AS VARCHAR), population
FROM in_icb
WHERE n >= 5 AND population > 0;
