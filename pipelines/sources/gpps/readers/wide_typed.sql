-- A GPPS results file read straight into _gpps_wide with its measure columns as DOUBLE (results.read_typed):
-- a cell that is not a number is not an error here but a row in the rejects table _gpps_rejects, which sends
-- the file down the all-text path (wide_from_text.sql).
-- Slots: {{columns}} (the read_csv column spec: every header column and its type), {{force_not_null}}
-- (', force_not_null = [<text columns>]', or empty). Parameter: $path (the file, as UTF-8).
CREATE OR REPLACE TEMP TABLE _gpps_wide AS
SELECT row_number() OVER () AS source_row, *, NULL::VARCHAR AS _bad_cell, NULL::VARCHAR AS _bad_value
FROM read_csv($path, auto_detect = false, columns = {{columns}}, delim = ',', quote = '"',
              escape = '"', header = false, skip = 1, strict_mode = true,
              encoding = 'utf-8', nullstr = ''{{force_not_null}}, store_rejects = true,
              rejects_table = '_gpps_rejects', rejects_scan = '_gpps_reject_scans')
