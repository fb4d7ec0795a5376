-- An FFT workbook's data rows typed (_fft_typed): the setting (ambulance split into patient transport and
-- see-and-treat by sheet), the month, the level of the row (ward, site, practice, trust, organisation or ICB),
-- aggregate rows (England, the "Selection" row, ICBs) told from organisations, counts and percentages read
-- as numbers (0-100 percentages scaled to 0-1), and what the row rules of workbook.WORKBOOK_RULES test.
-- Inputs (temp): _fft_text (one row per data row, each field as text; workbook.type_workbook_rows).
-- Slots, generated per count and percentage field: {{counts}}, {{percentages}}, {{suppressed_fields}} (the
-- fields published as '*'), {{percent_scale_100}} (whether the sheet writes percentages 0-100),
-- {{bad_count_fields}}, {{bad_pct_fields}}.
-- Parameters: $setting (the workbook's setting code), $period (the first day of its month).
CREATE OR REPLACE TEMP TABLE _fft_typed AS
WITH named AS (
    SELECT *,
        coalesce(ward_name, site_name, practice_name, org_name, trust_name, icb_name) AS row_name,
        CASE WHEN ward_name IS NOT NULL OR first_speciality IS NOT NULL THEN 'ward'
             WHEN site_code IS NOT NULL OR site_name IS NOT NULL THEN 'site'
             WHEN practice_code IS NOT NULL OR practice_name IS NOT NULL THEN 'practice'
             WHEN trust_code IS NOT NULL OR trust_name IS NOT NULL THEN 'trust'
             WHEN org_code IS NOT NULL OR org_name IS NOT NULL THEN 'organisation'
             ELSE 'icb' END AS row_level
    FROM _fft_text
)
SELECT source_row, sheet, excel_row,
    CASE WHEN $setting = 'ambulance' AND lower(sheet) LIKE 'pts%' THEN 'ambulance_pts'
         WHEN $setting = 'ambulance' AND lower(sheet) LIKE 'sat%' THEN 'ambulance_see_and_treat'
         ELSE $setting END AS setting,
    $period AS period,
    CASE WHEN lower(row_name) LIKE 'england (including%' THEN 'england_including_is'
         WHEN lower(row_name) LIKE 'england (excluding%' THEN 'england_excluding_is'
         WHEN lower(row_name) LIKE 'england%' THEN 'england'
         WHEN lower(row_name) LIKE 'selection%' THEN 'selection'
         WHEN row_level = 'icb' THEN 'icb' END AS aggregate_level,
    CASE WHEN row_level = 'icb' THEN icb_code END AS aggregate_code,
    row_name AS aggregate_name,
    row_level AS level,
    coalesce(site_code, practice_code, org_code, trust_code) AS organisation_code,
    coalesce(site_name, practice_name, org_name, trust_name) AS organisation_name,
    icb_code, coalesce(trust_code, org_code) AS trust_code, coalesce(trust_name, org_name) AS trust_name,
    site_code, site_name, practice_code, ward_name, first_speciality, second_speciality,
    {{counts}},
    {{percentages}},
    {{suppressed_fields}} AS suppressed_fields,
    len({{suppressed_fields}}) > 0 AS is_suppressed,
    CASE WHEN {{percent_scale_100}} THEN '0-100' ELSE '0-1' END AS percent_scale,
    {{bad_count_fields}} AS bad_count_fields,
    {{bad_pct_fields}} AS bad_pct_fields
FROM named
