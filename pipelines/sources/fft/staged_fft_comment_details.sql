-- What only FFT comments have, into staged.fft_comment_details: the layout, respondent id, organisation and
-- locations, date and score as written (spaces folded, '' → NULL by the fft_clean_text macro).
-- Slot: {{rows}} (the batch's kept rows with their file's source_file and file_sha256). Parameter: $layout.
INSERT INTO staged.fft_comment_details BY NAME
SELECT comment_id, $layout AS layout, fft_clean_text(respondent_id) AS respondent_id,
       coalesce(fft_clean_text(organisation_code), fft_clean_text(organisation)) AS organisation_as_written,
       fft_clean_text(location_1) AS location_1, fft_clean_text(location_2) AS location_2,
       fft_clean_text(location_3) AS location_3, date_text AS date_as_written, date_order,
       fft_clean_text(score) AS score_as_written, source_file, file_sha256, source_row
FROM {{rows}}
