-- A complaints return typed: one row per return row (source_row) of _ret_long (the file unpivoted to one row
-- per cell, with the header_map.csv field, measure group and measure of its column), with what the row
-- rules of readers.RETURN_RULES test: the form (KO41a / KO41b, from the form column, else the file name, else
-- the code's shape), the financial-year quarter as dates, counts that are not whole numbers and the breakdown
-- groups whose total is short of the new complaints.
-- Slots: {{identity_columns}} (organisation_code, organisation_name, form, period picked from the cells),
-- {{summary_columns}} (each summary item as a BIGINT), {{summary_fields}} (those items as p.<item>).
-- Parameters: $file_name (the landing file's name), $practice_code (the practice code pattern).
CREATE OR REPLACE TEMP TABLE _ret_typed AS
WITH wide AS (
    SELECT source_row, {{identity_columns}}, {{summary_columns}},
           list(header) FILTER (WHERE measure_group IS NOT NULL AND value_text IS NOT NULL AND (
                try_cast(replace(trim(value_text), ',', '') AS DOUBLE) IS NULL OR try_cast(replace(trim(value_text), ',', '') AS DOUBLE) < 0
                OR try_cast(replace(trim(value_text), ',', '') AS DOUBLE) <> floor(try_cast(replace(trim(value_text), ',', '') AS DOUBLE)))) AS bad_count_list
    FROM _ret_long GROUP BY source_row
), groups AS (
    SELECT source_row, measure_group, sum(try_cast(replace(trim(value_text), ',', '') AS DOUBLE)) AS group_total
    FROM _ret_long WHERE measure_group NOT IN ('summary') GROUP BY ALL
), parsed AS (
    SELECT w.*, upper(trim(organisation_code)) AS org,
           regexp_extract(period, '(20[0-9]{2})\s*[-/]\s*[0-9]{2,4}', 1) AS fy,
           regexp_extract(lower(period), 'q\s*([1-4])', 1) AS q
    FROM wide w
)
SELECT p.source_row, org AS organisation_code, trim(organisation_name) AS organisation_name,
       coalesce(CASE WHEN lower(form) LIKE '%ko41b%' THEN 'KO41b' WHEN lower(form) LIKE '%ko41a%' THEN 'KO41a' END,
                CASE WHEN lower($file_name) LIKE '%ko41b%' THEN 'KO41b'
                     WHEN lower($file_name) LIKE '%ko41a%' THEN 'KO41a' END,
                CASE WHEN regexp_full_match(org, $practice_code) THEN 'KO41b' ELSE 'KO41a' END) AS form,
       trim(period) AS period_label,
       CASE WHEN fy <> '' THEN make_date(CAST(fy AS INTEGER), 4, 1)
            + to_months(3 * (coalesce(try_cast(nullif(q, '') AS INTEGER), 1) - 1)) END AS period_start,
       CASE WHEN fy <> '' THEN make_date(CAST(fy AS INTEGER), 4, 1)
            + to_months(CASE WHEN q <> '' THEN 3 * CAST(q AS INTEGER) ELSE 12 END) - INTERVAL 1 DAY END::DATE AS period_end,
       {{summary_fields}},
       coalesce(bad_count_list, []) AS bad_counts,
       coalesce((SELECT list(g.measure_group ORDER BY g.measure_group) FROM groups g
                 WHERE g.source_row = p.source_row AND g.group_total < p.new_received), []) AS short_breakdowns,
       CASE WHEN regexp_full_match(org, $practice_code) THEN org END AS practice_code,
       CASE WHEN NOT regexp_full_match(org, $practice_code) THEN left(org, 3) END AS trust_code
FROM parsed p
