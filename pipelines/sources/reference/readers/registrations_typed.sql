-- A registered-patients file's rows typed (_registrations_typed): extract date, practice, sub-ICB, sex, age
-- and its band, and the number of patients. Inputs (temp): _registrations (the file, as text).
-- Slots: {{extract_date}} (the EXTRACT_DATE column read in any of its spellings), {{practice_code}} and
-- {{sub_icb_code}} (the era's columns), {{age_band}} (the AGE column as a band, practices.AGE_BAND_SQL).
CREATE OR REPLACE TEMP VIEW _registrations_typed AS
SELECT source_row, extract_date AS extract_date_text, {{extract_date}} AS extract_date,
       trim({{practice_code}}) AS practice_code, nullif(trim({{sub_icb_code}}), '') AS sub_icb_code,
       upper(trim(sex)) AS sex, upper(trim(age)) AS age, {{age_band}} AS age_band,
       number_of_patients AS patients_text, try_cast(trim(number_of_patients) AS BIGINT) AS patients
FROM _registrations
