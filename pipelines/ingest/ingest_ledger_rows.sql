-- Many files' outcomes into meta.ingest_ledger in one statement (ledger._record_many), each replacing the
-- path's previous row. Input: _ledger_rows (a registered frame, one row per file, columns untyped).
INSERT OR REPLACE INTO meta.ingest_ledger
       (path, source, sha256, bytes, layout, rows_read, rows_loaded, rows_quarantined,
        started_at, finished_at, status, error)
SELECT path::VARCHAR, source::VARCHAR, sha256::VARCHAR, bytes::BIGINT, layout::VARCHAR,
       rows_read::BIGINT, rows_loaded::BIGINT, rows_quarantined::BIGINT, started_at::TIMESTAMP,
       current_timestamp, status::VARCHAR, error::VARCHAR
FROM _ledger_rows
