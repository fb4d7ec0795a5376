-- A batch of reports' kept findings into staged.comments (channel 'report_finding'), placed by their
-- report's register entry; a report says nothing of who spoke, so every people column is 'Not stated'.
-- Inputs (temp): _hw_ok (the findings that passed the row rules), _hw_meta (one register entry per document).
-- Slot: {{is_substantive}} (whether the finding says something).
INSERT INTO staged.comments BY NAME
SELECT comment_id, 'healthwatch' AS source, 'report_finding' AS channel,
       report_id || ':' || source_row AS source_record_id, m.sub_icb_code, m.icb_code, m.local_authority_code,
       m.publication_date AS comment_date, section AS question, comment_id AS text_ref,
       {{is_substantive}} AS is_substantive, 'Not stated' AS age_band, 'Not stated' AS sex,
       'Not stated' AS gender_identity, 'Not stated' AS ethnicity, 'Not stated' AS ethnicity_band,
       'Not stated' AS disability, 'Not stated' AS carer, 'Not stated' AS sexual_orientation,
       'Not stated' AS religion,
       o.source_file, o.file_sha256, source_row
FROM _hw_ok o JOIN _hw_meta m USING (file_key)
