-- A complaints register's kept descriptions into staged.comments (channel 'complaint'), one row per
-- complaint; the text itself goes to raw.comment_text.
-- Inputs (temp): _reg_keep (the rows that passed the row rules, with their geography).
-- Slots: {{age_band}} (the patient's age as an age band), {{is_substantive}} (whether the description says
-- something, sources/shared/comments.is_substantive_sql). Parameters: $source_file, $file_sha256.
INSERT INTO staged.comments BY NAME
SELECT comment_id, 'complaints' AS source, 'complaint' AS channel, complaint_id AS source_record_id,
       organisation_code, practice_code, trust_code, geo_sub_icb_code AS sub_icb_code, geo_icb_code AS icb_code,
       received_date AS comment_date, date_ambiguous, 'Complaint description' AS question,
       comment_id AS text_ref, {{is_substantive}} AS is_substantive,
       NULL AS rating, NULL AS rating_as_published,
       {{age_band}} AS age_band, harmonise('sex', patient_sex) AS sex, NULL AS gender_identity,
       harmonise('ethnicity', patient_ethnicity) AS ethnicity,
       harmonise_band('ethnicity', patient_ethnicity) AS ethnicity_band,
       NULL AS disability, NULL AS carer, NULL AS sexual_orientation, NULL AS religion,
       $source_file AS source_file, $file_sha256 AS file_sha256, source_row
FROM _reg_keep
