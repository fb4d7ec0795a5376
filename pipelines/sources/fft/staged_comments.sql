-- A batch of FFT comment exports' kept rows into staged.comments (channel 'survey_comment'), each placed in
-- the geography of its practice or trust on its date, its demographics in the people vocabulary.
-- Inputs (temp): _fc_files (file_no, the columns each file has), _fc_people (each distinct demographic value
-- as written, harmonised once; present when a file has demographic columns). Macro: fft_clean_text
-- (comments.ensure_comment_macros).
-- Slots: {{is_substantive}} (whether the comment says something), {{rating}} (the FFT answer as 1-5,
-- comments.SCORE_SQL), {{demographics}} (the people columns, NULL where no file of the batch has them),
-- {{rows}} (the kept rows with geo_sub_icb_code / geo_icb_code, shared/geography.geography_sql),
-- {{people_joins}} (one LEFT JOIN of _fc_people per people column written).
INSERT INTO staged.comments BY NAME
SELECT comment_id, 'fft' AS source, 'survey_comment' AS channel, record_id AS source_record_id,
       org_code AS organisation_code, practice_code, trust_code, geo_sub_icb_code AS sub_icb_code,
       geo_icb_code AS icb_code, comment_date, date_ambiguous, fft_clean_text(question) AS question,
       comment_id AS text_ref, {{is_substantive}} AS is_substantive,
       {{rating}} AS rating, fft_clean_text(score) AS rating_as_published,
       {{demographics}},
       k.source_file, k.file_sha256, source_row
FROM ({{rows}}) k JOIN _fc_files f USING (file_no) {{people_joins}}
