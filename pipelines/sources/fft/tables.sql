-- Friends and Family Test tables. Every row carries source_file / file_sha256 so a changed file replaces its own.

-- Workbook cells as read, long form: one row per data row and column of every data sheet.
CREATE TABLE IF NOT EXISTS raw.fft_workbook_cells (
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,  -- source_row numbers data rows across the file
    sheet VARCHAR, excel_row INTEGER, column_letter VARCHAR,
    header VARCHAR,        -- the two-row header as published, e.g. 'Breakdown of Responses / Very Good'
    field VARCHAR,         -- what Chorus calls it (workbook_headers in headers.csv)
    value VARCHAR          -- the cell as text ('*' = suppressed)
);

-- One row per organisation (trust, site, ward, practice …) × month × setting.
CREATE TABLE IF NOT EXISTS staged.fft_scores (
    setting VARCHAR NOT NULL,           -- ae | inpatient | ambulance | ambulance_pts | ambulance_see_and_treat | gp | …
    period DATE NOT NULL,               -- first day of the month the responses were collected
    level VARCHAR NOT NULL,             -- trust | site | ward | practice | organisation
    organisation_code VARCHAR,          -- the row's own ODS code (site code for sites; trust code for wards)
    organisation_name VARCHAR,
    icb_code VARCHAR, trust_code VARCHAR, trust_name VARCHAR, site_code VARCHAR, site_name VARCHAR,
    practice_code VARCHAR, ward_name VARCHAR, first_speciality VARCHAR, second_speciality VARCHAR,
    total_responses BIGINT, total_eligible BIGINT,
    pct_positive DOUBLE, pct_negative DOUBLE,   -- proportions 0-1, whatever the workbook wrote
    very_good BIGINT, good BIGINT, neither_good_nor_poor BIGINT, poor BIGINT, very_poor BIGINT, dont_know BIGINT,
    mode_sms BIGINT, mode_electronic_discharge BIGINT, mode_electronic_home BIGINT, mode_paper_discharge BIGINT,
    mode_paper_home BIGINT, mode_telephone BIGINT, mode_online BIGINT, mode_other BIGINT,
    is_suppressed BOOLEAN NOT NULL,     -- any value published as '*' (1-4 responses, or the next smallest unit)
    suppressed_fields VARCHAR[],        -- which fields were '*'
    percent_scale VARCHAR,              -- how the percentages were written: '0-1' or '0-100'
    sheet VARCHAR, excel_row INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.fft_scores IS 'FFT monthly responses per organisation, setting and month: counts, 0-1 percentages, response breakdown, collection modes, suppression flags.';

-- England, ICB and "Selection" rows of the same workbooks, kept apart so they are never summed with organisations.
CREATE TABLE IF NOT EXISTS staged.fft_aggregate_scores (
    setting VARCHAR NOT NULL, period DATE NOT NULL,
    aggregate_level VARCHAR NOT NULL,   -- england | england_including_is | england_excluding_is | selection | icb
    aggregate_code VARCHAR,             -- ICB code for icb rows
    aggregate_name VARCHAR,
    total_responses BIGINT, total_eligible BIGINT, pct_positive DOUBLE, pct_negative DOUBLE,
    very_good BIGINT, good BIGINT, neither_good_nor_poor BIGINT, poor BIGINT, very_poor BIGINT, dont_know BIGINT,
    mode_sms BIGINT, mode_electronic_discharge BIGINT, mode_electronic_home BIGINT, mode_paper_discharge BIGINT,
    mode_paper_home BIGINT, mode_telephone BIGINT, mode_online BIGINT, mode_other BIGINT,
    is_suppressed BOOLEAN NOT NULL, suppressed_fields VARCHAR[], percent_scale VARCHAR,
    sheet VARCHAR, excel_row INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.fft_aggregate_scores IS 'FFT England / ICB / Selection aggregate rows of the monthly workbooks (never mixed with organisations).';

-- Comment-level exports as read (all text), one row per response, before mapping to staged.comments.
CREATE TABLE IF NOT EXISTS raw.fft_comment_rows (
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,
    layout VARCHAR, record_id VARCHAR, fields MAP(VARCHAR, VARCHAR)   -- every column of the row, header → text
);

-- What the comment exports say beyond the shared comments table: location levels, the respondent, the
-- organisation as written and how the date was read.
CREATE TABLE IF NOT EXISTS staged.fft_comment_details (
    comment_id VARCHAR NOT NULL,        -- = staged.comments.comment_id
    layout VARCHAR,                     -- trust_upload | public_labelled | phase1_labelled
    respondent_id VARCHAR,
    organisation_as_written VARCHAR,    -- e.g. 'NEAS', 'Trust A', 'RZ101'
    location_1 VARCHAR, location_2 VARCHAR, location_3 VARCHAR,   -- service / department / ward, spaces normalised
    date_as_written VARCHAR, date_order VARCHAR,                  -- d/m/Y, m/d/Y, iso or '(file majority)'
    score_as_written VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.fft_comment_details IS 'FFT comment exports: location levels, respondent and how each date was read, one row per staged.comments FFT row.';
