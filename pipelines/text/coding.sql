-- The text stage's tables: only redacted text and codes leave raw.
CREATE TABLE IF NOT EXISTS staged.comment_text (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    text_redacted VARCHAR,            -- personal data replaced by [NHS_NUMBER], [POSTCODE], [PHONE] …
    redaction_count INTEGER,
    coded_with VARCHAR                -- coder version: redaction + keyword rules + model (coding.coder_version)
);
-- Warehouses from before the coder version: their comments are recoded once (NULL matches no version).
ALTER TABLE staged.comment_text ADD COLUMN IF NOT EXISTS coded_with VARCHAR;
COMMENT ON TABLE staged.comment_text IS 'Comment text after redaction of personal data (the raw text never leaves raw).';
CREATE TABLE IF NOT EXISTS staged.comment_redactions (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, kind VARCHAR NOT NULL, occurrences INTEGER
);
COMMENT ON TABLE staged.comment_redactions IS 'What kind of personal data was removed from each comment (never the value).';
CREATE TABLE IF NOT EXISTS staged.comment_themes (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    label VARCHAR NOT NULL,           -- framework v7 sub-category, or a keyword-rule topic
    category VARCHAR NOT NULL,        -- framework v7 category (the topic itself for keyword topics)
    probability DOUBLE, method VARCHAR   -- model | keyword_rule
);
COMMENT ON TABLE staged.comment_themes IS 'Themes of each comment on the NHS Qualitative Data Categorisation framework v7, plus keyword topics (equality, diversity & inclusion).';
CREATE TABLE IF NOT EXISTS staged.comment_sentiment (
    comment_id VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    sentiment_score INTEGER,          -- 1 very positive … 5 very negative
    sentiment_class VARCHAR,          -- positive | neutral | negative
    confidence DOUBLE
);
COMMENT ON TABLE staged.comment_sentiment IS 'Sentiment of each comment: 5-point score and 3 classes, read with the question it answers and the rating given with it (staged.comments.rating).';
