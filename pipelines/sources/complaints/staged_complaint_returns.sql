-- A complaints return's kept rows into staged.complaint_returns: one row per organisation, period and measure
-- (the summary items and each breakdown's categories), subject areas placed in the feedback framework.
-- Inputs (temp): _ret_keep (the typed rows that passed the row rules, with their geography), _ret_long (the
-- file's cells, one row per cell). Parameters: $source_file, $file_sha256.
INSERT INTO staged.complaint_returns BY NAME
SELECT k.form, k.organisation_code, k.organisation_name, k.practice_code, k.trust_code,
       k.geo_sub_icb_code AS sub_icb_code, k.geo_icb_code AS icb_code, k.period_label, k.period_start,
       k.period_end, l.measure_group, l.measure, CAST(try_cast(replace(trim(l.value_text), ',', '') AS DOUBLE) AS BIGINT) AS value,
       t.category AS framework_category, t.subcategory AS framework_subcategory, l.header,
       $source_file AS source_file, $file_sha256 AS file_sha256, k.source_row
FROM _ret_keep k JOIN _ret_long l USING (source_row)
LEFT JOIN ref.complaint_subject_themes t
       ON l.measure_group = 'subject_area' AND t.subject_key = lower(l.measure)
WHERE l.measure_group IS NOT NULL
