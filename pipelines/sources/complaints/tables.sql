-- Complaints tables. Every row carries source_file / file_sha256 so a changed file replaces its own.

-- KO41a / KO41b-style returns, long form: the summary items and every breakdown category, one row each.
CREATE TABLE IF NOT EXISTS staged.complaint_returns (
    form VARCHAR,
    organisation_code VARCHAR NOT NULL, organisation_name VARCHAR,
    practice_code VARCHAR, trust_code VARCHAR, sub_icb_code VARCHAR, icb_code VARCHAR,
    period_label VARCHAR, period_start DATE, period_end DATE,
    measure_group VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    value BIGINT,
    framework_category VARCHAR, framework_subcategory VARCHAR,
    header VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

-- A local complaints register: one row per complaint.
CREATE TABLE IF NOT EXISTS staged.complaints (
    complaint_id VARCHAR NOT NULL,
    complaint_reference VARCHAR,
    organisation_code VARCHAR, practice_code VARCHAR, trust_code VARCHAR, sub_icb_code VARCHAR, icb_code VARCHAR,
    received_date DATE, closed_date DATE, date_ambiguous BOOLEAN, days_to_close INTEGER,
    service_area VARCHAR,
    subjects VARCHAR[],
    framework_categories VARCHAR[],
    framework_subcategories VARCHAR[],
    outcome VARCHAR,
    complainant_status VARCHAR,
    age_band VARCHAR, sex VARCHAR, ethnicity VARCHAR, ethnicity_band VARCHAR, postcode_district VARCHAR,
    comment_id VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
