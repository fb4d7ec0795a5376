-- A quinary-age registered-patients file's rows typed (_quinary_typed): extract date, organisation type and
-- code, the era's commissioner code, sex, the 5-year age group and its first year, and the patients.
-- Inputs (temp): _quinary (the file, as text). Slots: {{extract_date}} (EXTRACT_DATE in any of its
-- spellings), {{org_type}} (ORG_TYPE / TYPE, or 'GP' for a practice-only file without one), {{org_code}}
-- (ORG_CODE or CODE), {{sub_icb_code}} (SUB_ICB_LOCATION_CODE / CCG_CODE, or NULL).
-- AGE_GROUP_5 is written 0_4 … 90_94 and 95+ (ALL for totals); 0-4 is read too.
CREATE OR REPLACE TEMP VIEW _quinary_typed AS
SELECT source_row, extract_date AS extract_date_text, {{extract_date}} AS extract_date,
       {{org_type}} AS org_type, trim({{org_code}}) AS org_code, {{sub_icb_code}} AS sub_icb_code,
       upper(trim(sex)) AS sex,
       replace(upper(trim(age_group_5)), '-', '_') AS age_group,
       CASE WHEN regexp_full_match(replace(trim(age_group_5), '-', '_'), '[0-9]{1,2}_[0-9]{1,2}')
                 AND try_cast(split_part(replace(trim(age_group_5), '-', '_'), '_', 2) AS INTEGER)
                     = try_cast(split_part(replace(trim(age_group_5), '-', '_'), '_', 1) AS INTEGER) + 4
                 AND try_cast(split_part(replace(trim(age_group_5), '-', '_'), '_', 1) AS INTEGER) % 5 = 0
                THEN try_cast(split_part(replace(trim(age_group_5), '-', '_'), '_', 1) AS INTEGER)
            WHEN trim(age_group_5) = '95+' THEN 95
       END AS age_from,
       number_of_patients AS patients_text, try_cast(trim(number_of_patients) AS BIGINT) AS patients
FROM _quinary
