-- A reviews export's rows typed (_hwrev_typed): the review id (made from the file name and row when blank),
-- service, ODS code, local authority, date, stars, title, text and the demographics as written.
-- Inputs (temp): _hwrev (the file, staged as text).
-- Slots: one per field, the export's column mapped to it (header_map.csv) or NULL: {{review_id}},
-- {{service}}, {{organisation_code}}, {{local_authority}}, {{date}}, {{stars}}, {{title}}, {{text}}, {{age}},
-- {{sex}}, {{gender}}, {{ethnicity}}, {{disability}}, {{carer}}, {{sexual_orientation}}, {{religion}}; and
-- {{review_date}} (the date column read as a DATE, common.date_sql).
-- Parameter: $review_id_prefix (the file's stem and '-', for a review without an id).
CREATE OR REPLACE TEMP TABLE _hwrev_typed AS
SELECT source_row,
       coalesce(nullif(trim({{review_id}}), ''), $review_id_prefix || source_row) AS review_id,
       nullif(trim({{service}}), '') AS service_name,
       nullif(upper(trim({{organisation_code}})), '') AS organisation_code,
       nullif(trim({{local_authority}}), '') AS local_authority,
       {{date}} AS date_text, {{review_date}} AS review_date,
       {{stars}} AS stars_text, try_cast(trim({{stars}}) AS INTEGER) AS stars,
       nullif(trim({{title}}), '') AS title, {{text}} AS review_text,
       {{age}} AS age, {{sex}} AS sex, {{gender}} AS gender,
       {{ethnicity}} AS ethnicity, {{disability}} AS disability, {{carer}} AS carer,
       {{sexual_orientation}} AS sexual_orientation, {{religion}} AS religion,
       source_row AS _geo_key
FROM _hwrev
