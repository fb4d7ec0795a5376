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
    status VARCHAR,
    status_as_published VARCHAR,
    prescribing_setting INTEGER,
    commissioner_code VARCHAR,
    is_active_gp_practice BOOLEAN,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.practice_geography (
    extract_date DATE NOT NULL,
    geography_era VARCHAR NOT NULL,
    practice_code VARCHAR NOT NULL,
    practice_name VARCHAR,
    practice_postcode VARCHAR,
    pcn_code VARCHAR, pcn_name VARCHAR,
    sub_icb_code VARCHAR, sub_icb_ons_code VARCHAR, sub_icb_name VARCHAR,
    icb_code VARCHAR, icb_ons_code VARCHAR, icb_name VARCHAR,
    region_code VARCHAR, region_ons_code VARCHAR, region_name VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.registered_population (
    extract_date DATE NOT NULL,
    practice_code VARCHAR NOT NULL,
    sub_icb_code VARCHAR,
    sex VARCHAR NOT NULL,
    age VARCHAR NOT NULL,
    age_band VARCHAR NOT NULL,
    patients BIGINT NOT NULL,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.registered_population_quinary (
    extract_date DATE NOT NULL,
    org_type VARCHAR NOT NULL,
    org_code VARCHAR NOT NULL,
    sub_icb_code VARCHAR,
    sex VARCHAR NOT NULL,
    age_group VARCHAR NOT NULL,
    age_from INTEGER,
    patients BIGINT NOT NULL,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.practice_lsoa_registrations (
    extract_date DATE NOT NULL,
    practice_code VARCHAR NOT NULL,
    lsoa_code VARCHAR NOT NULL,
    sex VARCHAR NOT NULL,
    patients BIGINT NOT NULL,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.lsoa_ethnic_group (
    lsoa_code VARCHAR NOT NULL,
    lsoa_name VARCHAR,
    census_date VARCHAR,
    category VARCHAR NOT NULL,
    category_level VARCHAR NOT NULL,
    ethnicity_band VARCHAR,
    residents BIGINT NOT NULL,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.area_deprivation (
    indicator_id VARCHAR, area_code VARCHAR NOT NULL, area_name VARCHAR, area_type VARCHAR,
    parent_code VARCHAR, time_period VARCHAR, imd_score DOUBLE,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.lsoa_deprivation (
    lsoa_code VARCHAR NOT NULL, lsoa_name VARCHAR, lad_code VARCHAR, lad_name VARCHAR,
    imd_rank INTEGER, imd_decile INTEGER, imd_quintile INTEGER,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.ccg_icb_crosswalk (
    ccg_code VARCHAR NOT NULL, icb_code VARCHAR NOT NULL, icb_name VARCHAR,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

CREATE TABLE IF NOT EXISTS ref.nhs_trusts (
    trust_code VARCHAR NOT NULL, trust_name VARCHAR, region_code VARCHAR,
    icb_code VARCHAR,
    postcode VARCHAR, open_date DATE, close_date DATE, is_open BOOLEAN,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

-- ODS succ.csv: one row per succession (a predecessor organisation closed legally and a successor took
-- over on the effective date). ref.sub_icb_continuity follows these chains.
CREATE TABLE IF NOT EXISTS ref.organisation_successors (
    predecessor_code VARCHAR NOT NULL, successor_code VARCHAR NOT NULL, succession_reason VARCHAR,
    effective_date DATE,
    source_file VARCHAR, file_sha256 VARCHAR, source_row BIGINT
);

-- Column descriptions: shown in the Dagster UI, the published file and marts.data_dictionary.
-- The rest of the columns (issue 16: every published column described).
