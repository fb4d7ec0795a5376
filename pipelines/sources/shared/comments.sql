-- One comments table for every free-text item from every source (FFT, complaints, Healthwatch, stories).
-- The text itself stays in raw.comment_text until the text stage redacts it into staged.comment_text.
CREATE TABLE IF NOT EXISTS raw.comment_text (
    comment_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    text VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.comments (
    comment_id VARCHAR NOT NULL,          -- '<source>:<source record id>[:<field>]', unique across sources
    source VARCHAR NOT NULL,              -- fft | complaints | healthwatch | healthwatch_reviews | stories
    channel VARCHAR NOT NULL,             -- what kind of voice: survey_comment, complaint, report_finding, review, story
    source_record_id VARCHAR,
    organisation_code VARCHAR,            -- ODS code as given: practice, trust or site
    practice_code VARCHAR,                -- when the organisation is a GP practice
    trust_code VARCHAR,                   -- when it is a trust or one of its sites
    sub_icb_code VARCHAR,                 -- when known from the source or the geography
    icb_code VARCHAR,
    local_authority_code VARCHAR,
    comment_date DATE,
    date_ambiguous BOOLEAN DEFAULT FALSE, -- day/month order could not be settled (e.g. 03/04/2024 alone)
    question VARCHAR,                     -- the prompt the comment answers
    text_ref VARCHAR NOT NULL,            -- comment_id in raw.comment_text
    is_substantive BOOLEAN,               -- FALSE for 'Did not answer', 'N/A', 'nothing' and blanks
    rating INTEGER,                       -- 1 very positive … 5 very negative (FFT order), NULL when none
    rating_as_published VARCHAR,
    age_band VARCHAR, sex VARCHAR, gender_identity VARCHAR, ethnicity VARCHAR, ethnicity_band VARCHAR,
    disability VARCHAR, carer VARCHAR, sexual_orientation VARCHAR, religion VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.comments IS 'Every free-text item from every source, one row each, with geography and demographics in the shared vocabulary; text by reference (raw.comment_text) until redacted.';
