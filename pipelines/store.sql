-- The house's own tables: created on first use of any warehouse file.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS staged;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS ref;
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE TABLE IF NOT EXISTS meta.ingest_ledger (
    path              VARCHAR PRIMARY KEY,   -- relative to the landing folder, e.g. reference/epraccur.csv
    source            VARCHAR NOT NULL,      -- landing sub-folder: reference, gpps, fft ...
    sha256            VARCHAR NOT NULL,
    bytes             BIGINT NOT NULL,
    layout            VARCHAR,               -- layout detected from the content; NULL when none matched
    rows_read         BIGINT,
    rows_loaded       BIGINT,
    rows_quarantined  BIGINT,
    started_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP,
    status            VARCHAR NOT NULL,      -- loaded | failed
    error             VARCHAR                -- one readable sentence naming the file and the problem
);

CREATE TABLE IF NOT EXISTS quarantine.rows (
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    file_sha256   VARCHAR NOT NULL,
    source_row    BIGINT,                    -- 1-based data row in the file (header excluded)
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
