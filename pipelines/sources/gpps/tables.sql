-- GPPS tables. Every row keeps the file it came from, so a changed file replaces exactly its own rows.
CREATE TABLE IF NOT EXISTS staged.gpps_results (
    survey_year INTEGER NOT NULL,
    series VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    org_code VARCHAR NOT NULL,
    question VARCHAR NOT NULL,
    measure_id VARCHAR,
    response_option VARCHAR NOT NULL,
    option_code VARCHAR,
    weighted_proportion DOUBLE,
    weighted_count DOUBLE,
    unweighted_base DOUBLE,
    weighted_base DOUBLE,
    ci_lower DOUBLE, ci_upper DOUBLE,
    suppressed BOOLEAN NOT NULL,
    source_file VARCHAR NOT NULL, source_row BIGINT NOT NULL
);

-- One row per organisation of a results file: what the long table would otherwise repeat on every one of
-- its ~400 rows (names, parents, header generation, file hash). Join on (source_file, source_row).
CREATE TABLE IF NOT EXISTS staged.gpps_organisations (
    survey_year INTEGER NOT NULL,
    generation VARCHAR NOT NULL,
    series VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    org_code VARCHAR NOT NULL,
    org_name VARCHAR,
    pcn_code VARCHAR, ccg_code VARCHAR, ics_code VARCHAR,
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS staged.gpps_response_rates (
    survey_year INTEGER NOT NULL, level VARCHAR NOT NULL, org_code VARCHAR NOT NULL,
    distributed DOUBLE, received DOUBLE, response_rate DOUBLE, population_size DOUBLE,
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS ref.gpps_variables (
    survey_year INTEGER NOT NULL, variable VARCHAR NOT NULL, description VARCHAR,
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw.gpps_respondent_cells (
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL,
    column_name VARCHAR NOT NULL,
    source_column VARCHAR NOT NULL,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS staged.survey_responses (
    survey VARCHAR NOT NULL,
    survey_year INTEGER NOT NULL,
    respondent_id VARCHAR NOT NULL,
    practice_code VARCHAR NOT NULL,
    weight DOUBLE NOT NULL,
    age_band VARCHAR, sex VARCHAR, ethnicity VARCHAR, ethnicity_band VARCHAR,
    gender_identity VARCHAR, disability VARCHAR, carer VARCHAR, sexual_orientation VARCHAR, religion VARCHAR,
    question VARCHAR NOT NULL,
    measure_id VARCHAR,
    answer_code INTEGER NOT NULL,
    is_positive BOOLEAN,
    source_file VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, source_row BIGINT NOT NULL
);

