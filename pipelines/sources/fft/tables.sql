-- Friends and Family Test tables. Every row carries source_file / file_sha256 so a changed file replaces its own.

-- Workbook cells as read, long form: one row per data row and column of every data sheet.
CREATE TABLE IF NOT EXISTS raw.fft_workbook_cells (
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,
    sheet VARCHAR, excel_row INTEGER, column_letter VARCHAR,
    header VARCHAR,
    field VARCHAR,
    value VARCHAR
);

-- One row per organisation (trust, site, ward, practice …) × month × setting.
CREATE TABLE IF NOT EXISTS staged.fft_scores (
    setting VARCHAR NOT NULL,
    period DATE NOT NULL,
    level VARCHAR NOT NULL,
    organisation_code VARCHAR,
    organisation_name VARCHAR,
    icb_code VARCHAR, trust_code VARCHAR, trust_name VARCHAR, site_code VARCHAR, site_name VARCHAR,
    practice_code VARCHAR, ward_name VARCHAR, first_speciality VARCHAR, second_speciality VARCHAR,
    total_responses BIGINT, total_eligible BIGINT,
    pct_positive DOUBLE, pct_negative DOUBLE,
    very_good BIGINT, good BIGINT, neither_good_nor_poor BIGINT, poor BIGINT, very_poor BIGINT, dont_know BIGINT,
    mode_sms BIGINT, mode_electronic_discharge BIGINT, mode_electronic_home BIGINT, mode_paper_discharge BIGINT,
    mode_paper_home BIGINT, mode_telephone BIGINT, mode_online BIGINT, mode_other BIGINT,
    is_suppressed BOOLEAN NOT NULL,
    suppressed_fields VARCHAR[],
    percent_scale VARCHAR,
    sheet VARCHAR, excel_row INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

-- England, ICB and "Selection" rows of the same workbooks, kept apart so they are never summed with organisations.
CREATE TABLE IF NOT EXISTS staged.fft_aggregate_scores (
    setting VARCHAR NOT NULL, period DATE NOT NULL,
    aggregate_level VARCHAR NOT NULL,
    aggregate_code VARCHAR,
    aggregate_name VARCHAR,
    total_responses BIGINT, total_eligible BIGINT, pct_positive DOUBLE, pct_negative DOUBLE,
    very_good BIGINT, good BIGINT, neither_good_nor_poor BIGINT, poor BIGINT, very_poor BIGINT, dont_know BIGINT,
    mode_sms BIGINT, mode_electronic_discharge BIGINT, mode_electronic_home BIGINT, mode_paper_discharge BIGINT,
    mode_paper_home BIGINT, mode_telephone BIGINT, mode_online BIGINT, mode_other BIGINT,
    is_suppressed BOOLEAN NOT NULL, suppressed_fields VARCHAR[], percent_scale VARCHAR,
    sheet VARCHAR, excel_row INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

-- Comment-level exports as read (all text), one row per response, before mapping to staged.comments.
CREATE TABLE IF NOT EXISTS raw.fft_comment_rows (
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,
    layout VARCHAR, record_id VARCHAR, fields MAP(VARCHAR, VARCHAR)
);

-- What the comment exports say beyond the shared comments table: location levels, the respondent, the
-- organisation as written and how the date was read.
CREATE TABLE IF NOT EXISTS staged.fft_comment_details (
    comment_id VARCHAR NOT NULL,
    layout VARCHAR,
    respondent_id VARCHAR,
    organisation_as_written VARCHAR,
    location_1 VARCHAR, location_2 VARCHAR, location_3 VARCHAR,
    date_as_written VARCHAR, date_order VARCHAR,
    score_as_written VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
