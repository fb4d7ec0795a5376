-- A respondent extract's respondents typed (_gpps_resp_typed): id, practice, survey year, weight and the
-- demographics as written (<dimension>_raw; coded demographics decoded through ref.gpps_composition_codes).
-- Inputs (temp): _gpps_resp (the file, staged as text).
-- Slots: {{respondent_id}}, {{practice_code}}, {{weight}} (the quoted columns holding them), {{survey_year}}
-- (the survey year column read as a whole number, or the year in the file name), {{demographics}}.
CREATE OR REPLACE TEMP TABLE _gpps_resp_typed AS
SELECT source_row, nullif(trim({{respondent_id}}), '') AS respondent_id,
       upper(trim({{practice_code}})) AS practice_code,
       {{survey_year}} AS survey_year,
       {{weight}} AS weight_text, try_cast(trim({{weight}}) AS DOUBLE) AS weight,
       {{demographics}}
FROM _gpps_resp
