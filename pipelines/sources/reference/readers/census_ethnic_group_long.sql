-- A Census 2021 TS021 file's passing LSOA rows, one row per LSOA and category, into ref.lsoa_ethnic_group.
-- Inputs (temp): _ts021 (the file, as text), _ts021_typed (its rows typed, with the row rules' columns).
-- Slots: {{categories}} (VALUES rows: staged column, published category, level, ethnicity band),
-- {{unpivot_columns}} (the category columns), {{passes}} (the row rules' passing predicate).
-- Parameters: $source_file, $file_sha256.
INSERT INTO ref.lsoa_ethnic_group BY NAME
WITH passing AS (
    SELECT s.*, t.lsoa_code AS typed_lsoa_code, t.lsoa_name AS typed_lsoa_name, t.census_date
    FROM _ts021 s JOIN _ts021_typed t USING (source_row)
    WHERE {{passes}}
), long AS (
    UNPIVOT (SELECT source_row, typed_lsoa_code, typed_lsoa_name, census_date, {{unpivot_columns}} FROM passing)
    ON {{unpivot_columns}} INTO NAME staged_column VALUE residents_text
), categories (staged_column, category, category_level, ethnicity_band) AS (
    VALUES {{categories}}
)
SELECT l.typed_lsoa_code AS lsoa_code, l.typed_lsoa_name AS lsoa_name, l.census_date,
       c.category, c.category_level, c.ethnicity_band,
       CAST(trim(l.residents_text) AS BIGINT) AS residents,
       $source_file AS source_file, $file_sha256 AS file_sha256, l.source_row
FROM long l JOIN categories c USING (staged_column)
