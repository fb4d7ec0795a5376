-- GPPS tables. Every row keeps the file it came from, so a changed file replaces exactly its own rows.
CREATE TABLE IF NOT EXISTS staged.gpps_results (
    survey_year INTEGER NOT NULL,
    series VARCHAR NOT NULL,            -- 2017-2023 or 2024+ (not comparable with each other)
    level VARCHAR NOT NULL,             -- practice, pcn, ccg, stp, ics, region, national
    org_code VARCHAR NOT NULL,          -- practice / PCN / CCG / ICS code; E92000001 for England
    question VARCHAR NOT NULL,          -- the file's question stem: q28, localgpservicesphone
    measure_id VARCHAR,                 -- catalogue id (ref.gpps_measures) when the stem is a headline measure
    response_option VARCHAR NOT NULL,   -- option code, or 'positive' for the published summary result
    option_code VARCHAR,                -- the code as the file writes it (12, 146, eval)
    weighted_proportion DOUBLE,         -- 0-1
    weighted_count DOUBLE,
    unweighted_base DOUBLE,             -- respondents (whole numbers)
    weighted_base DOUBLE,               -- 2024+ only
    ci_lower DOUBLE, ci_upper DOUBLE,   -- published 95% Wilson interval
    suppressed BOOLEAN NOT NULL,        -- a published value was -97/-98/-99, '*', '-' or blank
    source_file VARCHAR NOT NULL, source_row BIGINT NOT NULL
);
COMMENT ON TABLE staged.gpps_results IS 'GPPS published results, every generation, one row per year, organisation, question and response option (or positive summary). Weighted; never sum practices to CCG/ICB.';
COMMENT ON COLUMN staged.gpps_results.weighted_proportion IS 'Weighted proportion 0-1 as published; NULL when suppressed. Never re-derive % good by summing options.';
COMMENT ON COLUMN staged.gpps_results.suppressed IS 'True when a published value was a suppression sentinel (-97/-98/-99, *, -, blank): the value is NULL, never 0.';

-- One row per organisation of a results file: what the long table would otherwise repeat on every one of
-- its ~400 rows (names, parents, header generation, file hash). Join on (source_file, source_row).
CREATE TABLE IF NOT EXISTS staged.gpps_organisations (
    survey_year INTEGER NOT NULL,
    generation VARCHAR NOT NULL,        -- header generation the file was read as
    series VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    org_code VARCHAR NOT NULL,
    org_name VARCHAR,
    pcn_code VARCHAR, ccg_code VARCHAR, ics_code VARCHAR,   -- parents as published on the row
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);
COMMENT ON TABLE staged.gpps_organisations IS 'GPPS results files: one row per organisation (name, parents, generation, file hash); staged.gpps_results rows join on source_file and source_row.';

CREATE TABLE IF NOT EXISTS staged.gpps_response_rates (
    survey_year INTEGER NOT NULL, level VARCHAR NOT NULL, org_code VARCHAR NOT NULL,
    distributed DOUBLE, received DOUBLE, response_rate DOUBLE, population_size DOUBLE,
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);
COMMENT ON TABLE staged.gpps_response_rates IS 'GPPS questionnaires distributed and received, response rate and population per organisation and year.';

CREATE TABLE IF NOT EXISTS ref.gpps_variables (
    survey_year INTEGER NOT NULL, variable VARCHAR NOT NULL, description VARCHAR,
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);
COMMENT ON TABLE ref.gpps_variables IS 'The published GPPS "list of reporting variables" per survey year (variable names lower-cased).';

CREATE TABLE IF NOT EXISTS raw.gpps_respondent_cells (
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL,
    column_name VARCHAR NOT NULL,       -- canonical name after the header mapping
    source_column VARCHAR NOT NULL,     -- the header as the file wrote it (normalised)
    value VARCHAR
);
COMMENT ON TABLE raw.gpps_respondent_cells IS 'Respondent-level GPPS extracts as read: every cell as text.';

CREATE TABLE IF NOT EXISTS staged.survey_responses (
    survey VARCHAR NOT NULL,            -- 'gpps'
    survey_year INTEGER NOT NULL,
    respondent_id VARCHAR NOT NULL,
    practice_code VARCHAR NOT NULL,
    weight DOUBLE NOT NULL,
    age_band VARCHAR, sex VARCHAR, ethnicity VARCHAR, ethnicity_band VARCHAR,
    gender_identity VARCHAR, disability VARCHAR, carer VARCHAR, sexual_orientation VARCHAR, religion VARCHAR,
    question VARCHAR NOT NULL,
    measure_id VARCHAR,                 -- catalogue id when the question is a headline measure that year
    answer_code INTEGER NOT NULL,
    is_positive BOOLEAN,                -- NULL when the answer is outside the evaluative base or uncatalogued
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);
COMMENT ON TABLE staged.survey_responses IS 'Respondent-level survey answers: one row per respondent and answered question, with weight and harmonised demographics.';

COMMENT ON COLUMN ref.gpps_variables.survey_year IS 'GPPS survey year the list belongs to';
COMMENT ON COLUMN ref.gpps_variables.variable IS 'variable (column) name in that year''s results files, lower-cased';
COMMENT ON COLUMN ref.gpps_variables.description IS 'what the variable holds, as the list of reporting variables words it';
COMMENT ON COLUMN ref.gpps_variables.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.gpps_variables.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.gpps_variables.source_row IS 'row number in the landing file';
