-- The validation report's rows: one per file in the ledger, with its status, its counts, and its current
-- content's failed expectations (results of an older content of the file are not counted).
WITH current AS (
    SELECT r.* FROM meta.validation_results r
    JOIN meta.ingest_ledger l ON l.path = r.source_file AND l.sha256 = r.file_sha256
), failed AS (
    SELECT source_file,
           count(*) FILTER (WHERE NOT success) AS failed_expectations,
           count(*) AS expectations,
           string_agg(CASE WHEN NOT success THEN table_name || ' ' || replace(expectation, 'expect_', '')
                      || CASE WHEN column_name <> '' THEN ' [' || column_name || ']' ELSE '' END
                      || CASE WHEN unexpected_count > 0 THEN ': ' || unexpected_count || ' unexpected' ELSE '' END
                      || CASE WHEN coalesce(observed_value, '') <> '' THEN ' (observed ' || observed_value || ')' ELSE '' END
                      END, '; ') AS failures
    FROM current GROUP BY 1
)
SELECT l.source, l.path, l.layout, l.status, l.rows_read, l.rows_loaded, l.rows_quarantined,
       coalesce(f.expectations, 0), coalesce(f.failed_expectations, 0),
       coalesce(f.failures, CASE WHEN l.status = 'failed' THEN l.error
                                 WHEN l.status = 'withdrawn' THEN 'withdrawn ' || strftime(l.withdrawn_at, '%Y-%m-%d %H:%M')
                                      || ': ' || l.withdrawal_reason END) AS problem,
       coalesce(l.withdrawn_at, l.finished_at)
FROM meta.ingest_ledger l LEFT JOIN failed f ON f.source_file = l.path
ORDER BY l.source, l.path
