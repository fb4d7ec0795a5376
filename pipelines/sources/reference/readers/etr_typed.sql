-- ODS etr.csv rows typed (_etr_typed): trust code, name, region, ICB, postcode and the open and close dates
-- (YYYYMMDD; the text kept for the row rules). Inputs (temp): _etr (the file, fields field_1 …, as text).
CREATE OR REPLACE TEMP VIEW _etr_typed AS
SELECT source_row, trim(field_1) AS trust_code, field_2 AS trust_name, field_3 AS region_code,
       nullif(trim(field_4), '') AS icb_code, field_10 AS postcode, field_11 AS open_date_text,
       try_strptime(nullif(trim(field_11), ''), '%Y%m%d')::DATE AS open_date,
       field_12 AS close_date_text, try_strptime(nullif(trim(field_12), ''), '%Y%m%d')::DATE AS close_date
FROM _etr
