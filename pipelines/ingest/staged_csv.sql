-- A CSV file staged as text (csv_staging.stage_csv): every column VARCHAR, each row numbered by its place
-- among the rows read; a malformed line is not an error here but a row of the rejects table, which
-- read_rules turns into a ragged-row quarantine or a clear rejection.
-- Slots: {{target}} (the temp table made), {{columns}} (the read_csv column spec: each column as VARCHAR).
-- Parameters: $path (the file, as UTF-8), $skip (header lines), $null_text (the text read as NULL),
-- $rejects_table, $rejects_scan.
CREATE OR REPLACE TEMP TABLE {{target}} AS
SELECT row_number() OVER () AS source_row, *
FROM read_csv($path, auto_detect = false, columns = {{columns}}, delim = ',', quote = '"',
              escape = '"', header = false, skip = $skip,
              strict_mode = true, encoding = 'utf-8', nullstr = $null_text,
              store_rejects = true, rejects_table = $rejects_table,
              rejects_scan = $rejects_scan)
