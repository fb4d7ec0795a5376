-- Registered patients per measure, period, practice and age band for marts.standardised_rates: the practice's
-- extract nearest the period's midpoint, from the single-year-of-age files where that extract has them, else the
-- quinary file, sexes summed (a file's all-persons rows only where it gives no sexes), each age slice shared
-- between the bands it overlaps (age_overlap, standardisation_macros.sql).
-- Inputs: _std_units (measure, period, practice_code, band_set, period_mid); _std_bands.
WITH slices_all AS (
    SELECT 'single year of age' AS population_file, extract_date, practice_code, sex,
           TRY_CAST(replace(age, '+', '') AS INTEGER) AS age_from,
           CASE WHEN age LIKE '%+' THEN NULL ELSE TRY_CAST(age AS INTEGER) END AS age_to, patients
    FROM ref.registered_population WHERE age <> 'ALL'
    UNION ALL
    SELECT 'quinary age groups', extract_date, org_code, sex, age_from,
           CASE WHEN age_group LIKE '%+' THEN NULL ELSE TRY_CAST(split_part(age_group, '_', 2) AS INTEGER) END,
           patients
    FROM ref.registered_population_quinary WHERE org_type = 'GP' AND age_group <> 'ALL'
), flagged AS (
    SELECT *, bool_or(sex <> 'ALL') OVER (PARTITION BY population_file, extract_date, practice_code) AS by_sex,
           bool_or(population_file = 'single year of age') OVER (PARTITION BY extract_date, practice_code) AS has_single
    FROM slices_all WHERE age_from IS NOT NULL
), slices AS (
    SELECT population_file, extract_date, practice_code, age_from, age_to, sum(patients) AS patients
    FROM flagged
    WHERE (sex <> 'ALL') = by_sex AND (population_file = 'single year of age' OR NOT has_single)
    GROUP BY ALL
), shapes AS (
    SELECT s.age_from, s.age_to, b.band_set, b.age_band, age_overlap(s.age_from, s.age_to, b.age_from, b.age_to) AS part
    FROM (SELECT DISTINCT age_from, age_to FROM slices) s CROSS JOIN _std_bands b
    WHERE age_overlap(s.age_from, s.age_to, b.age_from, b.age_to) > 0
), chosen AS (
    SELECT u.measure, u.period, u.practice_code, u.band_set, e.extract_date, e.population_file
    FROM _std_units u
    JOIN (SELECT DISTINCT extract_date, practice_code, population_file FROM slices) e USING (practice_code)
    QUALIFY row_number() OVER (PARTITION BY u.measure, u.period, u.practice_code
                               ORDER BY abs(date_diff('day', e.extract_date, u.period_mid)), e.extract_date DESC) = 1
), banded AS (
    SELECT s.extract_date, s.practice_code, h.band_set, h.age_band, sum(s.patients * h.part) AS patients
    FROM slices s JOIN shapes h ON h.age_from = s.age_from AND h.age_to IS NOT DISTINCT FROM s.age_to
    GROUP BY ALL
)
SELECT c.measure, c.period, c.practice_code, c.extract_date, c.population_file, b.age_band, b.patients
FROM chosen c
JOIN banded b ON b.practice_code = c.practice_code AND b.extract_date = c.extract_date AND b.band_set = c.band_set
