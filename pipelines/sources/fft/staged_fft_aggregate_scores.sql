-- An FFT workbook's aggregate rows (England, the "Selection" row, ICBs) that passed the row rules into
-- staged.fft_aggregate_scores. Inputs (temp): _fft_typed (workbook_typed.sql).
-- Slot: {{passes}} (the row rules' passing predicate). Parameters: $source_file, $file_sha256.
INSERT INTO staged.fft_aggregate_scores BY NAME
SELECT setting, period, aggregate_level, aggregate_code, aggregate_name,
       total_responses, total_eligible, pct_positive, pct_negative, very_good, good, neither_good_nor_poor,
       poor, very_poor, dont_know, mode_sms, mode_electronic_discharge, mode_electronic_home,
       mode_paper_discharge, mode_paper_home, mode_telephone, mode_online, mode_other, is_suppressed,
       suppressed_fields, percent_scale, sheet, excel_row, $source_file AS source_file, $file_sha256 AS file_sha256, source_row
FROM _fft_typed WHERE aggregate_level IS NOT NULL AND {{passes}}
