-- Typed view of an epraccur file staged in _epraccur (all text).
CREATE OR REPLACE TEMP VIEW _epraccur_typed AS
SELECT
    source_row,
    trim(organisation_code) AS practice_code,
    name AS practice_name,
    national_grouping,
    high_level_health_geography,
    postcode,
    open_date AS open_date_text,
    try_strptime(nullif(trim(open_date), ''), '%Y%m%d')::DATE AS open_date,
    close_date AS close_date_text,
    try_strptime(nullif(trim(close_date), ''), '%Y%m%d')::DATE AS close_date,
    CASE upper(trim(status_code))
        WHEN 'A' THEN 'A' WHEN 'ACTIVE' THEN 'A'
        WHEN 'C' THEN 'C' WHEN 'CLOSED' THEN 'C' WHEN 'INACTIVE' THEN 'C'
        WHEN 'D' THEN 'D' WHEN 'DORMANT' THEN 'D'
        WHEN 'P' THEN 'P' WHEN 'PROPOSED' THEN 'P'
    END AS status,
    status_code AS status_as_published,
    prescribing_setting AS prescribing_setting_text,
    try_cast(nullif(trim(prescribing_setting), '') AS INTEGER) AS prescribing_setting,
    nullif(trim(commissioner), '') AS commissioner_code
FROM _epraccur;
