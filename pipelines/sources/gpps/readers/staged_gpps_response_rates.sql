-- A GPPS results file's survey context (questionnaires sent and received, response rate, population) into
-- staged.gpps_response_rates, for the organisations that passed the row rules.
-- Inputs (temp): _gpps_wide, _gpps_pass. Slots: {{distributed}}, {{received}}, {{response_rate}},
-- {{population_size}} (each context column with the sentinel codes made NULL, or NULL).
-- Parameters: $year, $level, $source_file, $file_sha256.
INSERT INTO staged.gpps_response_rates BY NAME
SELECT $year AS survey_year, $level AS level, r.org_code,
       {{distributed}} AS distributed, {{received}} AS received,
       {{response_rate}} AS response_rate, {{population_size}} AS population_size,
       $source_file AS source_file, $file_sha256 AS file_sha256, w.source_row
FROM _gpps_wide w JOIN _gpps_pass r USING (source_row)
