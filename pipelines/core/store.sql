-- The house's own tables: created on first use of any warehouse file.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staged;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS ref;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.ingest_ledger (
    path              VARCHAR PRIMARY KEY,
    source            VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    bytes             BIGINT NOT NULL,
    layout            VARCHAR,
    rows_read         BIGINT,
    rows_loaded       BIGINT,
    rows_quarantined  BIGINT,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    status            VARCHAR NOT NULL,
    error             VARCHAR,
    withdrawn_at      TIMESTAMP,
    withdrawal_reason VARCHAR
);
-- Stores created before withdrawals existed get the two columns (a no-op once they are there).
ALTER TABLE meta.ingest_ledger ADD COLUMN IF NOT EXISTS withdrawn_at TIMESTAMP;
ALTER TABLE meta.ingest_ledger ADD COLUMN IF NOT EXISTS withdrawal_reason VARCHAR;

-- Every withdrawal ever made (the ledger holds each path's current state). A deliberate one holds the
-- content: a file with that SHA-256 is not loaded, under any name, until `chorus readmit` sets readmitted_at.
CREATE TABLE IF NOT EXISTS meta.withdrawals (
    path              VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    sha256            VARCHAR NOT NULL,
    withdrawn_at      TIMESTAMP NOT NULL,
    reason            VARCHAR NOT NULL,
    deliberate        BOOLEAN NOT NULL,
    rows_removed      BIGINT NOT NULL,
    readmitted_at     TIMESTAMP
);

-- The last `chorus run` of everything that finished: the landing snapshot it started from and the store's
-- state after it (pipelines/ingest/changes.py), so the next run does only what changed. One row.
CREATE TABLE IF NOT EXISTS meta.last_complete_run (
    recorded_at       TIMESTAMP NOT NULL,
    state_fingerprint VARCHAR NOT NULL,
    landing_snapshot  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine.rows (
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    file_sha256   VARCHAR NOT NULL,
    source_row    BIGINT,
    column_name   VARCHAR,
    rule          VARCHAR NOT NULL,
    value         VARCHAR,
    message       VARCHAR NOT NULL,
    first_seen    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Which landing folder this store is built from (key 'landing_dir'), so real files never mix with the
-- sample's store: `chorus run` refuses a different landing folder for an existing store.
CREATE TABLE IF NOT EXISTS meta.store_info (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR NOT NULL
);

-- Stores created before value-scope quarantine get the column: 'row' (the row was not loaded) or 'value'
-- (one published figure was held back and the rest of its row loaded); see pipelines/sources/policy.py.
ALTER TABLE quarantine.rows ADD COLUMN IF NOT EXISTS scope VARCHAR DEFAULT 'row';
