-- A complaints register's kept rows into staged.complaints, one row per complaint, its demographics in the
-- people vocabulary (harmonise / harmonise_band macros of schemas/people.py).
-- Inputs (temp): _reg_keep (the rows that passed the row rules, with their geography), _reg_themes
-- (register_themes.sql). Slot: {{age_band}} (the patient's age as an age band, fft/comments.age_band_sql).
-- Parameters: $source_file, $file_sha256.
INSERT INTO staged.complaints BY NAME
SELECT k.complaint_id, k.complaint_reference, k.organisation_code, k.practice_code, k.trust_code,
       k.geo_sub_icb_code AS sub_icb_code, k.geo_icb_code AS icb_code, k.received_date, k.closed_date,
       k.date_ambiguous, CAST(k.closed_date - k.received_date AS INTEGER) AS days_to_close, k.service_area,
       k.subject_list AS subjects,
       coalesce(th.categories, []) AS framework_categories,
       coalesce(th.subcategories, []) AS framework_subcategories,
       k.outcome_value AS outcome, k.complainant_status,
       {{age_band}} AS age_band, harmonise('sex', k.patient_sex) AS sex,
       harmonise('ethnicity', k.patient_ethnicity) AS ethnicity,
       harmonise_band('ethnicity', k.patient_ethnicity) AS ethnicity_band,
       upper(k.postcode_district) AS postcode_district, k.comment_id,
       $source_file AS source_file, $file_sha256 AS file_sha256, k.source_row
FROM _reg_keep k LEFT JOIN _reg_themes th USING (source_row)
