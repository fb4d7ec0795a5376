-- Healthwatch: local authority → ICB lookup, the report register, reports, their findings, reviews.
-- Every row loaded from a file carries source_file / file_sha256 so a changed file replaces its own rows.
CREATE TABLE IF NOT EXISTS ref.local_authority_icb (
    local_authority_code VARCHAR NOT NULL,
    local_authority_name VARCHAR,
    sub_icb_code VARCHAR,
    sub_icb_name VARCHAR,
    icb_code VARCHAR,
    icb_ons_code VARCHAR,
    icb_name VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.healthwatch_register (
    file_name VARCHAR NOT NULL,
    file_key VARCHAR NOT NULL,
    local_healthwatch VARCHAR,
    local_authority VARCHAR,
    publication_date DATE,
    service_type VARCHAR,
    title VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.healthwatch_reports (
    report_id VARCHAR NOT NULL,
    document_format VARCHAR,
    pages INTEGER,
    local_healthwatch VARCHAR, local_authority_code VARCHAR, local_authority_name VARCHAR,
    sub_icb_code VARCHAR, icb_code VARCHAR,
    publication_date DATE, service_type VARCHAR, title VARCHAR,
    register_file VARCHAR,
    findings INTEGER, findings_quarantined INTEGER, characters BIGINT,
    source_file VARCHAR, file_sha256 VARCHAR
);

CREATE TABLE IF NOT EXISTS staged.healthwatch_findings (
    finding_id VARCHAR NOT NULL,
    report_id VARCHAR NOT NULL,
    finding_no INTEGER NOT NULL,
    kind VARCHAR,
    section VARCHAR,
    page INTEGER,
    characters INTEGER,
    text_ref VARCHAR NOT NULL,
    local_authority_code VARCHAR, icb_code VARCHAR, publication_date DATE, service_type VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS staged.healthwatch_reviews (
    review_id VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    service_name VARCHAR,
    organisation_code VARCHAR, practice_code VARCHAR, trust_code VARCHAR,
    sub_icb_code VARCHAR, icb_code VARCHAR, local_authority_code VARCHAR,
    review_date DATE,
    stars INTEGER,
    rating INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

