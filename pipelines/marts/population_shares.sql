-- Registered population shares per ICB and sub-ICB by dimension, each with the published files it came from.
-- Inputs: ref.registered_population, ref.registered_population_quinary, ref.practice_lsoa_registrations,
-- ref.lsoa_ethnic_group, _practice_geo (current placement), _representation_groups (the groups compared).
--  * age_band (16+), sex (16+) and sex_by_age_band (16+): the latest single-year-of-age extract; a practice
--    that extract lacks takes the latest quinary extract, where 16-24 is four fifths of 15-19 plus 20-24
--    (the years within a 5-year group taken as equally many) and 85+ is 85-89, 90-94 and 95+.
--  * ethnicity_band (all ages: the Census counts usual residents of every age): each LSOA's Census 2021
--    TS021 broad-group shares, apportioned to a practice by its registered patients living there (latest
--    LSOA extract; the -all file's ALL rows, else male + female). Patients in an LSOA the Census file does
--    not have, or counts no resident in, are left out of both the numerator and the denominator.
WITH single AS (
    SELECT practice_code, sex, age_band, patients::DOUBLE AS patients,
           'NHS Digital registered patients by single year of age' AS source
    FROM ref.registered_population
    WHERE age <> 'ALL' AND sex IN ('MALE', 'FEMALE')
      AND extract_date = (SELECT max(extract_date) FROM ref.registered_population WHERE age <> 'ALL')
), quinary_bands (age_from, age_band, fraction) AS (
    VALUES (0, 'Under 16', 1.0), (5, 'Under 16', 1.0), (10, 'Under 16', 1.0), (15, 'Under 16', 0.2),
           (15, '16-24', 0.8), (20, '16-24', 1.0), (25, '25-34', 1.0), (30, '25-34', 1.0), (35, '35-44', 1.0),
           (40, '35-44', 1.0), (45, '45-54', 1.0), (50, '45-54', 1.0), (55, '55-64', 1.0), (60, '55-64', 1.0),
           (65, '65-74', 1.0), (70, '65-74', 1.0), (75, '75-84', 1.0), (80, '75-84', 1.0), (85, '85+', 1.0),
           (90, '85+', 1.0), (95, '85+', 1.0)
), quinary AS (
    SELECT q.org_code AS practice_code, q.sex, b.age_band, q.patients * b.fraction AS patients,
           'NHS Digital registered patients by quinary age group' AS source
    FROM ref.registered_population_quinary q JOIN quinary_bands b USING (age_from)
    WHERE q.org_type = 'GP' AND q.sex IN ('MALE', 'FEMALE')
      AND q.extract_date = (SELECT max(extract_date) FROM ref.registered_population_quinary WHERE org_type = 'GP')
      AND NOT EXISTS (SELECT 1 FROM single s WHERE s.practice_code = q.org_code)
), adults AS (
    SELECT a.*, g.icb_code, g.sub_icb_code, CASE a.sex WHEN 'MALE' THEN 'Male' ELSE 'Female' END AS sex_label
    FROM (SELECT * FROM single UNION ALL SELECT * FROM quinary) a
    JOIN _practice_geo g ON g.practice_code = a.practice_code AND g.valid_to IS NULL
    WHERE a.age_band <> 'Under 16'
), lsoa_shares AS (
    -- An LSOA the Census counts no resident in has no shares to give (0 / 0 would make its ICB's NaN).
    SELECT * FROM (
        SELECT lsoa_code, ethnicity_band, residents / sum(residents) OVER (PARTITION BY lsoa_code) AS share
        FROM ref.lsoa_ethnic_group WHERE category_level = 'broad'
    ) WHERE NOT isnan(share)
), practice_lsoa AS (
    SELECT practice_code, lsoa_code,
           CASE WHEN bool_or(sex = 'ALL') THEN sum(patients) FILTER (WHERE sex = 'ALL') ELSE sum(patients) END AS patients
    FROM ref.practice_lsoa_registrations
    WHERE extract_date = (SELECT max(extract_date) FROM ref.practice_lsoa_registrations)
    GROUP BY practice_code, lsoa_code
), ethnic AS (
    SELECT g.icb_code, g.sub_icb_code, s.ethnicity_band, p.patients * s.share AS patients
    FROM practice_lsoa p JOIN lsoa_shares s USING (lsoa_code)
    JOIN _practice_geo g ON g.practice_code = p.practice_code AND g.valid_to IS NULL
), long AS (
    SELECT icb_code, sub_icb_code, 'age_band' AS dimension, age_band AS group_value, patients, source FROM adults
    UNION ALL SELECT icb_code, sub_icb_code, 'sex', sex_label, patients, source FROM adults
    UNION ALL SELECT icb_code, sub_icb_code, 'sex_by_age_band', sex_label || ' ' || age_band, patients, source FROM adults
    UNION ALL SELECT icb_code, sub_icb_code, 'ethnicity_band', ethnicity_band, patients,
                     'Census 2021 TS021 by LSOA apportioned by NHS Digital registered patients by LSOA' FROM ethnic
), levels AS (
    SELECT 'icb' AS geography_level, icb_code AS geography_code, dimension, group_value, patients, source FROM long
    UNION ALL SELECT 'sub_icb', sub_icb_code, dimension, group_value, patients, source FROM long
)
SELECT geography_level, geography_code, dimension, group_value,
       sum(patients) / sum(sum(patients)) OVER (PARTITION BY geography_level, geography_code, dimension) AS population_share,
       array_to_string(list_sort(list(DISTINCT source)), '; ') AS population_source
FROM levels JOIN _representation_groups USING (dimension, group_value)
WHERE geography_code IS NOT NULL
GROUP BY geography_level, geography_code, dimension, group_value
