-- A staged table's rows renumbered to their line in the file once its ragged rows are taken out
-- (read_rules.quarantine_ragged): source_row becomes the row's place among all data rows, the ragged ones
-- included, so the quarantine and the loaded rows name the same rows as the file.
-- Slot: {{target}} (the staged temp table, replaced). Parameters: $rows_end (data rows in the file + 1),
-- $ragged_rows (the places of the ragged rows).
CREATE OR REPLACE TEMP TABLE {{target}} AS
WITH places AS (
    SELECT row_number() OVER (ORDER BY i) AS read_no, i AS place
    FROM range(1, $rows_end) t(i) WHERE i NOT IN (SELECT unnest($ragged_rows::BIGINT[])))
SELECT p.place AS source_row, t.* EXCLUDE (source_row)
FROM {{target}} t JOIN places p ON p.read_no = t.source_row ORDER BY p.place
