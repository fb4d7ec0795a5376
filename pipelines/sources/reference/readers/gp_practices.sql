-- An epraccur file's practices that passed the row rules into ref.gp_practices; an active GP practice is
-- status A with prescribing setting 4. Inputs (temp): _epraccur_keyed (epraccur.sql's rows with key counts).
-- Slot: {{passes}} (the row rules' passing predicate). Parameters: $source_file, $file_sha256.
INSERT INTO ref.gp_practices BY NAME
SELECT practice_code, practice_name, national_grouping, high_level_health_geography, postcode,
       open_date, close_date, status, status_as_published, prescribing_setting, commissioner_code,
       status = 'A' AND prescribing_setting = 4 AS is_active_gp_practice,
       $source_file AS source_file, $file_sha256 AS file_sha256, source_row
FROM _epraccur_keyed WHERE {{passes}}
