-- Patient stories: one row per story, a bridge to the services it is about, its tags and responses.
-- Every row loaded from a file carries source_file / file_sha256 so a changed file replaces its own rows.
CREATE TABLE IF NOT EXISTS raw.story_records (
    story_id VARCHAR NOT NULL,
    payload VARCHAR,                          -- the opinion / CSV row as read, as JSON text (body in Markdown)
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.stories (
    story_id VARCHAR NOT NULL,                -- 'care_opinion:<id>' or '<collection>:<id>'
    comment_id VARCHAR NOT NULL,              -- the story's row in staged.comments
    source_format VARCHAR,                    -- care_opinion_api_v2 | csv_collection
    published_date DATE, submitted_date DATE,
    criticality VARCHAR,                      -- as published (Care Opinion)
    criticality_level INTEGER,                -- 0 not critical … 5 very strongly critical
    rating INTEGER,                           -- comments order: 1 very positive … 5 very negative
    author_role VARCHAR, author_age_group VARCHAR, submission_route VARCHAR,
    services INTEGER,                         -- how many services the story is about (bridge rows)
    organisation_code VARCHAR,                -- the first service named
    practice_code VARCHAR, trust_code VARCHAR,
    sub_icb_code VARCHAR, icb_code VARCHAR,   -- set only when every matched service agrees
    icbs INTEGER,                             -- distinct ICBs among its services
    responded BOOLEAN, response_count INTEGER, first_response_date DATE, days_to_first_response INTEGER,
    tags_positive INTEGER, tags_negative INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.stories IS 'One row per patient story (Care Opinion, local collections) with the feedback loop: responded, response count, first response date.';

CREATE TABLE IF NOT EXISTS staged.story_services (
    story_id VARCHAR NOT NULL,
    service_no INTEGER NOT NULL,              -- order within the story, 1-based
    organisation_code VARCHAR,                -- ODS / NACS code as given
    service_name VARCHAR, service_type VARCHAR,
    practice_code VARCHAR, trust_code VARCHAR, sub_icb_code VARCHAR, icb_code VARCHAR,
    geography_matched BOOLEAN,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.story_services IS 'Bridge: each story and every service it is about, with the service geography. A story about two services is one story and two rows here.';

CREATE TABLE IF NOT EXISTS staged.story_tags (
    story_id VARCHAR NOT NULL, tag VARCHAR, tag_group VARCHAR,
    polarity VARCHAR,                         -- positive | negative | neutral
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.story_tags IS 'Care Opinion tags applied to each story, with the polarity they were applied with.';

CREATE TABLE IF NOT EXISTS staged.story_responses (
    story_id VARCHAR NOT NULL, response_no INTEGER, response_id VARCHAR, response_date DATE,
    responder VARCHAR, characters INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.story_responses IS 'Responses published to each story (the feedback loop); response text stays in raw.story_records.';
