-- The text stage's tables: only redacted text and codes leave raw.
CREATE TABLE IF NOT EXISTS staged.comment_text (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    text_redacted VARCHAR,
    redaction_count INTEGER,
    coded_with VARCHAR
);
-- Warehouses from before the coder version: their comments are recoded once (NULL matches no version).
ALTER TABLE staged.comment_text ADD COLUMN IF NOT EXISTS coded_with VARCHAR;
CREATE TABLE IF NOT EXISTS staged.comment_redactions (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, kind VARCHAR NOT NULL, occurrences INTEGER
);
CREATE TABLE IF NOT EXISTS staged.comment_themes (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    label VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    probability DOUBLE, method VARCHAR
);
CREATE TABLE IF NOT EXISTS staged.comment_sentiment (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    sentiment_score INTEGER,
    sentiment_class VARCHAR,
    confidence DOUBLE
);
