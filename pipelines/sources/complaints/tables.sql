-- Complaints tables. Every row carries source_file / file_sha256 so a changed file replaces its own.

-- KO41a / KO41b-style returns, long form: the summary items and every breakdown category, one row each.
CREATE TABLE IF NOT EXISTS staged.complaint_returns (
    form VARCHAR,                 -- KO41a (hospital and community) | KO41b (GP and dental)
    organisation_code VARCHAR NOT NULL, organisation_name VARCHAR,
    practice_code VARCHAR, trust_code VARCHAR, sub_icb_code VARCHAR, icb_code VARCHAR,
    period_label VARCHAR, period_start DATE, period_end DATE,
    measure_group VARCHAR NOT NULL,  -- summary | age_of_patient | status_of_complainant | service_area | subject_area | profession
    measure VARCHAR NOT NULL,        -- summary: brought_forward, new_received, upheld, partially_upheld, not_upheld, resolved, carried_forward; else the category
    value BIGINT,
    framework_category VARCHAR, framework_subcategory VARCHAR,   -- subject_area rows, through ref.complaint_subject_themes
    header VARCHAR,                  -- the column as published
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.complaint_returns IS 'Written complaints returns (KO41a/KO41b style) in long form: brought forward, new, outcomes, resolved, carried forward and every breakdown; only returns whose arithmetic holds.';

-- A local complaints register: one row per complaint.
CREATE TABLE IF NOT EXISTS staged.complaints (
    complaint_id VARCHAR NOT NULL,     -- '<organisation code>/<reference>'
    complaint_reference VARCHAR,
    organisation_code VARCHAR, practice_code VARCHAR, trust_code VARCHAR, sub_icb_code VARCHAR, icb_code VARCHAR,
    received_date DATE, closed_date DATE, date_ambiguous BOOLEAN, days_to_close INTEGER,
    service_area VARCHAR,
    subjects VARCHAR[],                -- as recorded, split on ';' or '|'
    framework_categories VARCHAR[],    -- ref.complaint_subject_themes; 'Unmapped: <subject>' when a subject has no row
    framework_subcategories VARCHAR[],
    outcome VARCHAR,                   -- Upheld | Partially upheld | Not upheld | Withdrawn | Open
    complainant_status VARCHAR,
    age_band VARCHAR, sex VARCHAR, ethnicity VARCHAR, ethnicity_band VARCHAR, postcode_district VARCHAR,
    comment_id VARCHAR,                -- the description in staged.comments / raw.comment_text
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.complaints IS 'Local complaints registers, one row per complaint, subjects mapped to the feedback framework; description by reference in staged.comments.';
