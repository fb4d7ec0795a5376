-- Each cell of a staged table holding spreadsheet formula text into quarantine.rows (rule formula_text,
-- read_rules.quarantine_formula_text): only the rows with such a cell are unpivoted to name each one.
-- Slots: {{target}} (the staged temp table), {{cells}} (its text columns cast to VARCHAR), {{columns}} (the
-- same columns, quoted), {{any_formula}} (true for a row with a formula cell).
-- Parameters: $source, $source_file, $file_sha256, $formula_pattern (read_rules.FORMULA_CELL_RE).
INSERT INTO quarantine.rows
       (source, source_file, file_sha256, source_row, column_name, rule, value, message, scope)
SELECT $source, $source_file, $file_sha256, source_row, name, 'formula_text', left(value, 200),
       'spreadsheet formula text (' || left(value, 40) || '): the file was saved from a workbook with '
       || 'formulas or error values instead of values; re-export it with values only', 'row'
FROM (UNPIVOT (SELECT source_row, {{cells}} FROM {{target}} WHERE {{any_formula}})
      ON {{columns}} INTO NAME name VALUE value)
WHERE regexp_matches(value, $formula_pattern)
