-- meta.validation_results: every expectation outcome of every file's latest validation (written by results.py).
CREATE TABLE IF NOT EXISTS meta.validation_results (
    source            VARCHAR NOT NULL,
    source_file       VARCHAR NOT NULL,   -- relative to the landing folder, as in meta.ingest_ledger.path
    file_sha256       VARCHAR NOT NULL,   -- the content validated (join to the ledger to tell stale results)
    layout            VARCHAR,
    table_name        VARCHAR NOT NULL,
    expectation       VARCHAR NOT NULL,
    column_name       VARCHAR,
    observed_value    VARCHAR,
    unexpected_count  BIGINT,
    examples          VARCHAR,            -- JSON list of a few failing values
    success           BOOLEAN NOT NULL,
    engine            VARCHAR,            -- gx | sql | catalogue
    published         BOOLEAN,            -- whether the file's rows were kept (the whole file passed)
    validated_at      TIMESTAMP NOT NULL
);
