-- One comments table for every free-text item from every source (FFT, complaints, Healthwatch, stories).
-- The text itself stays in raw.comment_text until the text stage redacts it into staged.comment_text.
CREATE TABLE IF NOT EXISTS raw.comment_text (
    comment_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    text VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.comments (
    comment_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    source_record_id VARCHAR,
    organisation_code VARCHAR,
    practice_code VARCHAR,
    trust_code VARCHAR,
    sub_icb_code VARCHAR,
    icb_code VARCHAR,
    local_authority_code VARCHAR,
    comment_date DATE,
    date_ambiguous BOOLEAN DEFAULT FALSE,
    question VARCHAR,
    text_ref VARCHAR NOT NULL,
    is_substantive BOOLEAN,
    rating INTEGER,
    rating_as_published VARCHAR,
    age_band VARCHAR, sex VARCHAR, gender_identity VARCHAR, ethnicity VARCHAR, ethnicity_band VARCHAR,
    disability VARCHAR, carer VARCHAR, sexual_orientation VARCHAR, religion VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
