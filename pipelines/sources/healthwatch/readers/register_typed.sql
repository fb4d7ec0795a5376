-- A report register's rows typed (_hwreg_typed): the file described (file_key: its name, lower-cased, without
-- folders), local Healthwatch, local authority, publication date, service type and title.
-- Inputs (temp): _hwreg (the register, staged as text).
-- Slots: one per field, the register's column mapped to it or NULL: {{file}}, {{local_healthwatch}},
-- {{local_authority}}, {{publication_date}}, {{service_type}}, {{title}}; and {{publication_date_parsed}}
-- (the publication date read as a DATE, common.date_sql).
CREATE OR REPLACE TEMP VIEW _hwreg_typed AS
SELECT source_row, trim({{file}}) AS file_name,
       lower(regexp_extract(replace(trim({{file}}), chr(92), '/'), '([^/]+)$', 1)) AS file_key,
       nullif(trim({{local_healthwatch}}), '') AS local_healthwatch,
       nullif(trim({{local_authority}}), '') AS local_authority,
       {{publication_date}} AS publication_date_text, {{publication_date_parsed}} AS publication_date,
       nullif(trim({{service_type}}), '') AS service_type, nullif(trim({{title}}), '') AS title
FROM _hwreg
