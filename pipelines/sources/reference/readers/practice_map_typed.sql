-- A gp-reg-pat-prac-map file's rows typed (_map_typed): the extract date, practice, PCN, sub-ICB (CCG in the
-- CCG era), ICB (STP) and region, whichever era's header names them. Inputs (temp): _map (the file, as text).
-- Slots: {{extract_date}} (the EXTRACT_DATE column read in any of its spellings), {{sub_icb_code}} and
-- {{icb_code}} (the era's code columns), and the optional columns, each the file's column or NULL:
-- {{practice_name}}, {{practice_postcode}}, {{pcn_name}}, {{sub_icb_ons_code}}, {{sub_icb_name}},
-- {{icb_ons_code}}, {{icb_name}}, {{region_code}}, {{region_ons_code}}, {{region_name}}.
CREATE OR REPLACE TEMP VIEW _map_typed AS
SELECT source_row, extract_date AS extract_date_text, {{extract_date}} AS extract_date,
       trim(practice_code) AS practice_code, {{practice_name}} AS practice_name,
       {{practice_postcode}} AS practice_postcode, nullif(trim(pcn_code), '') AS pcn_code,
       {{pcn_name}} AS pcn_name, nullif(trim({{sub_icb_code}}), '') AS sub_icb_code,
       {{sub_icb_ons_code}} AS sub_icb_ons_code, {{sub_icb_name}} AS sub_icb_name,
       nullif(trim({{icb_code}}), '') AS icb_code, {{icb_ons_code}} AS icb_ons_code, {{icb_name}} AS icb_name,
       {{region_code}} AS region_code, {{region_ons_code}} AS region_ons_code,
       {{region_name}} AS region_name
FROM _map
