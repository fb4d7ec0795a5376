-- Patient stories: one row per story, a bridge to the services it is about, its tags and responses.
-- Every row loaded from a file carries source_file / file_sha256 so a changed file replaces its own rows.
CREATE TABLE IF NOT EXISTS raw.story_records (
    story_id VARCHAR NOT NULL,
    payload VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.stories (
    story_id VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    source_format VARCHAR,
    published_date DATE, submitted_date DATE,
    criticality VARCHAR,
    criticality_level INTEGER,
    rating INTEGER,
    author_role VARCHAR, author_age_group VARCHAR, submission_route VARCHAR,
    services INTEGER,
    organisation_code VARCHAR,
    practice_code VARCHAR, trust_code VARCHAR,
    sub_icb_code VARCHAR, icb_code VARCHAR,
    icbs INTEGER,
    responded BOOLEAN, response_count INTEGER, first_response_date DATE, days_to_first_response INTEGER,
    tags_positive INTEGER, tags_negative INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.story_services (
    story_id VARCHAR NOT NULL,
    service_no INTEGER NOT NULL,
    organisation_code VARCHAR,
    service_name VARCHAR, service_type VARCHAR,
    practice_code VARCHAR, trust_code VARCHAR, sub_icb_code VARCHAR, icb_code VARCHAR,
    geography_matched BOOLEAN,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.story_tags (
    story_id VARCHAR NOT NULL, tag VARCHAR, tag_group VARCHAR,
    polarity VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.story_responses (
    story_id VARCHAR NOT NULL, response_no INTEGER, response_id VARCHAR, response_date DATE,
    responder VARCHAR, characters INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
