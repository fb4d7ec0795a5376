-- ODS succ.csv rows typed (_succ_typed): predecessor, successor, reason as published and the effective date
-- (YYYYMMDD; the text kept for the row rules). Inputs (temp): _succ (the file, fields field_1 …, as text).
CREATE OR REPLACE TEMP VIEW _succ_typed AS
SELECT source_row, upper(trim(field_1)) AS predecessor_code, upper(trim(field_2)) AS successor_code,
       nullif(trim(field_3), '') AS succession_reason, field_4 AS effective_date_text,
       try_strptime(nullif(trim(field_4), ''), '%Y%m%d')::DATE AS effective_date
FROM _succ
