-- Reference tables. Rows loaded from a file carry source_file / file_sha256 so a changed file replaces its own.
CREATE TABLE IF NOT EXISTS raw.reference_epraccur (
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT,
    organisation_code VARCHAR, name VARCHAR, national_grouping VARCHAR, high_level_health_geography VARCHAR,
    address_line_1 VARCHAR, address_line_2 VARCHAR, address_line_3 VARCHAR, address_line_4 VARCHAR,
    address_line_5 VARCHAR, postcode VARCHAR, open_date VARCHAR, close_date VARCHAR, status_code VARCHAR,
    organisation_sub_type_code VARCHAR, commissioner VARCHAR, join_provider_date VARCHAR,
    left_provider_date VARCHAR, contact_telephone_number VARCHAR, null_19 VARCHAR, null_20 VARCHAR,
    null_21 VARCHAR, amended_record_indicator VARCHAR, null_23 VARCHAR, provider_purchaser VARCHAR,
    null_25 VARCHAR, prescribing_setting VARCHAR, null_27 VARCHAR
);

CREATE TABLE IF NOT EXISTS ref.gp_practices (
    practice_code VARCHAR NOT NULL,
    practice_name VARCHAR,
    national_grouping VARCHAR,
    high_level_health_geography VARCHAR,
    postcode VARCHAR,
    open_date DATE,
    close_date DATE,
    status VARCHAR,              -- A active, C closed, D dormant, P proposed (words such as ACTIVE normalised)
    status_as_published VARCHAR,
    prescribing_setting INTEGER, -- 4 = GP practice
    commissioner_code VARCHAR,   -- CCG / sub-ICB location
    is_active_gp_practice BOOLEAN,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.gp_practices IS 'ODS epraccur: every organisation in the GP practice file; is_active_gp_practice = active and prescribing setting 4.';

CREATE TABLE IF NOT EXISTS ref.practice_geography (
    extract_date DATE NOT NULL,
    geography_era VARCHAR NOT NULL,   -- CCG (before July 2022 headers) or ICB
    practice_code VARCHAR NOT NULL,
    practice_name VARCHAR,
    practice_postcode VARCHAR,
    pcn_code VARCHAR, pcn_name VARCHAR,
    sub_icb_code VARCHAR, sub_icb_ons_code VARCHAR, sub_icb_name VARCHAR,  -- CCG in the CCG era
    icb_code VARCHAR, icb_ons_code VARCHAR, icb_name VARCHAR,              -- STP in the CCG era
    region_code VARCHAR, region_ons_code VARCHAR, region_name VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.practice_geography IS 'NHS Digital practice to PCN, CCG / sub-ICB location, STP / ICB and region, one version per extract date.';

CREATE TABLE IF NOT EXISTS ref.registered_population (
    extract_date DATE NOT NULL,
    practice_code VARCHAR NOT NULL,
    sub_icb_code VARCHAR,
    sex VARCHAR NOT NULL,        -- ALL, MALE, FEMALE
    age VARCHAR NOT NULL,        -- ALL, 0 ... 94, 95+
    age_band VARCHAR NOT NULL,   -- ALL or the GPPS bands (Under 16 ... 85+)
    patients BIGINT NOT NULL,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.registered_population IS 'Patients registered at each GP practice by sex and single year of age (ALL = totals).';

CREATE TABLE IF NOT EXISTS ref.area_deprivation (
    indicator_id VARCHAR, area_code VARCHAR NOT NULL, area_name VARCHAR, area_type VARCHAR,
    parent_code VARCHAR, time_period VARCHAR, imd_score DOUBLE,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.area_deprivation IS 'Fingertips indicator 93553, IMD 2019 deprivation score, every area row of the export.';

CREATE TABLE IF NOT EXISTS ref.lsoa_deprivation (
    lsoa_code VARCHAR NOT NULL, lsoa_name VARCHAR, lad_code VARCHAR, lad_name VARCHAR,
    imd_rank INTEGER, imd_decile INTEGER, imd_quintile INTEGER,  -- 1 = most deprived
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.lsoa_deprivation IS 'IoD2019 File 1: IMD rank and decile per LSOA (2011), decile 1 = most deprived.';

CREATE TABLE IF NOT EXISTS ref.ccg_icb_crosswalk (
    ccg_code VARCHAR NOT NULL, icb_code VARCHAR NOT NULL, icb_name VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.ccg_icb_crosswalk IS 'CCG (3- or 5-character ODS code) to ICB code, from a crosswalk list; junk rows are quarantined.';

CREATE TABLE IF NOT EXISTS ref.nhs_trusts (
    trust_code VARCHAR NOT NULL, trust_name VARCHAR, region_code VARCHAR,
    icb_code VARCHAR,             -- high level health geography: the ICB the trust sits in
    postcode VARCHAR, open_date DATE, close_date DATE, is_open BOOLEAN,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);
COMMENT ON TABLE ref.nhs_trusts IS 'ODS etr: NHS trusts with their ICB, used by FFT, complaints and stories.';
