-- The latest outcomes of some files and tables for the Markdown listing (results.results_markdown): failures
-- first, then passes, with up to three failing examples. Parameters: $source_files, $table_names (lists),
-- $row_limit (rows to read: one more than are shown, so a longer list says so).
SELECT source_file, table_name, expectation, column_name, observed_value, unexpected_count,
       array_to_string(CAST(json_extract_string(examples, '$[*]') AS VARCHAR[])[1:3], '; '),
       CASE WHEN success THEN 'pass' ELSE 'FAIL' END, engine
FROM meta.validation_results
WHERE source_file IN (SELECT unnest($source_files::VARCHAR[])) AND table_name IN (SELECT unnest($table_names::VARCHAR[]))
ORDER BY success, source_file, table_name, expectation, column_name
LIMIT $row_limit
