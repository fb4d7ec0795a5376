-- Healthwatch: local authority → ICB lookup, the report register, reports, their findings, reviews.
-- Every row loaded from a file carries source_file / file_sha256 so a changed file replaces its own rows.
CREATE TABLE IF NOT EXISTS ref.local_authority_icb (
    local_authority_code VARCHAR NOT NULL,   -- ONS LAD code (E06…, E07…, E08…, E09…)
    local_authority_name VARCHAR,
    sub_icb_code VARCHAR,                    -- ODS sub-ICB location code (SICBLyyCDH)
    sub_icb_name VARCHAR,
    icb_code VARCHAR,                        -- ODS ICB code (ICByyCDH), Q + 2
    icb_ons_code VARCHAR,
    icb_name VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.local_authority_icb IS 'Local authority district → sub-ICB location → ICB (ONS lookup layout); Healthwatch geography joins through it.';

CREATE TABLE IF NOT EXISTS staged.healthwatch_register (
    file_name VARCHAR NOT NULL,              -- as written in the register
    file_key VARCHAR NOT NULL,               -- lower-cased base name: how documents are matched
    local_healthwatch VARCHAR,
    local_authority VARCHAR,                 -- as written: a LAD code or a name
    publication_date DATE,
    service_type VARCHAR,
    title VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.healthwatch_register IS 'The register describing each Healthwatch report file: who published it, where, when, about what.';

CREATE TABLE IF NOT EXISTS staged.healthwatch_reports (
    report_id VARCHAR NOT NULL,              -- the document's file name
    document_format VARCHAR,                 -- pdf | html | docx | markdown
    pages INTEGER,                           -- PDF only
    local_healthwatch VARCHAR, local_authority_code VARCHAR, local_authority_name VARCHAR,
    sub_icb_code VARCHAR, icb_code VARCHAR,
    publication_date DATE, service_type VARCHAR, title VARCHAR,
    register_file VARCHAR,                   -- the register file that describes it
    findings INTEGER, findings_quarantined INTEGER, characters BIGINT,
    source_file VARCHAR, file_sha256 VARCHAR
);
COMMENT ON TABLE staged.healthwatch_reports IS 'One row per Healthwatch report document, with the register metadata and geography.';

CREATE TABLE IF NOT EXISTS staged.healthwatch_findings (
    finding_id VARCHAR NOT NULL,             -- = comment_id in staged.comments
    report_id VARCHAR NOT NULL,
    finding_no INTEGER NOT NULL,             -- order in the document, 1-based
    kind VARCHAR,                            -- paragraph | bullet | quote
    section VARCHAR,                         -- the heading it sits under
    page INTEGER,                            -- 1-based PDF page; NULL for formats without pages
    characters INTEGER,
    text_ref VARCHAR NOT NULL,               -- comment_id in raw.comment_text
    local_authority_code VARCHAR, icb_code VARCHAR, publication_date DATE, service_type VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.healthwatch_findings IS 'Healthwatch report text split into findings (paragraphs, bullet points, quoted stories) with page and section.';

CREATE TABLE IF NOT EXISTS staged.healthwatch_reviews (
    review_id VARCHAR NOT NULL,
    comment_id VARCHAR NOT NULL,
    service_name VARCHAR,
    organisation_code VARCHAR, practice_code VARCHAR, trust_code VARCHAR,
    sub_icb_code VARCHAR, icb_code VARCHAR, local_authority_code VARCHAR,
    review_date DATE,
    stars INTEGER,                           -- as published: 1 (worst) … 5 (best)
    rating INTEGER,                          -- comments order: 1 very positive … 5 very negative (6 - stars)
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE staged.healthwatch_reviews IS 'Feedback Centre-style star-rated reviews; their text is in staged.comments (channel review).';

COMMENT ON COLUMN ref.local_authority_icb.local_authority_code IS 'ONS local authority district code (E06…, E07…, E08…, E09…)';
COMMENT ON COLUMN ref.local_authority_icb.local_authority_name IS 'local authority district name';
COMMENT ON COLUMN ref.local_authority_icb.sub_icb_code IS 'ODS sub-ICB location code the district falls in';
COMMENT ON COLUMN ref.local_authority_icb.sub_icb_name IS 'sub-ICB location name';
COMMENT ON COLUMN ref.local_authority_icb.icb_code IS 'ODS ICB code (Q + 2 characters)';
COMMENT ON COLUMN ref.local_authority_icb.icb_ons_code IS 'ONS code of the ICB (E54…)';
COMMENT ON COLUMN ref.local_authority_icb.icb_name IS 'ICB name';
COMMENT ON COLUMN ref.local_authority_icb.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.local_authority_icb.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.local_authority_icb.source_row IS 'row number in the landing file';
