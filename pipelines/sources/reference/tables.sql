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

-- Column descriptions: shown in the Dagster UI, the published file and marts.data_dictionary.
COMMENT ON COLUMN ref.gp_practices.practice_code IS 'ODS organisation code (GP practices: a letter and five digits, e.g. A81001)';
COMMENT ON COLUMN ref.gp_practices.practice_name IS 'organisation name as ODS publishes it';
COMMENT ON COLUMN ref.gp_practices.national_grouping IS 'ODS national grouping (region) code';
COMMENT ON COLUMN ref.gp_practices.high_level_health_geography IS 'high level health geography: the ICB (Q code) in the ICB era';
COMMENT ON COLUMN ref.gp_practices.postcode IS 'practice postcode';
COMMENT ON COLUMN ref.gp_practices.open_date IS 'date the organisation opened';
COMMENT ON COLUMN ref.gp_practices.close_date IS 'date it closed (NULL while open)';
COMMENT ON COLUMN ref.gp_practices.status IS 'A active, C closed, D dormant, P proposed (ACTIVE/INACTIVE words normalised)';
COMMENT ON COLUMN ref.gp_practices.status_as_published IS 'status exactly as the file wrote it';
COMMENT ON COLUMN ref.gp_practices.prescribing_setting IS 'ODS prescribing setting (4 = GP practice)';
COMMENT ON COLUMN ref.gp_practices.commissioner_code IS 'commissioner: CCG / sub-ICB location code';
COMMENT ON COLUMN ref.gp_practices.is_active_gp_practice IS 'status active and prescribing setting 4';
COMMENT ON COLUMN ref.gp_practices.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.practice_geography.extract_date IS 'NHS Digital extract date of this version of the geography';
COMMENT ON COLUMN ref.practice_geography.geography_era IS 'CCG (CCG_* / STP_* headers) or ICB (SUB_ICB_LOCATION_* / ICB_* headers)';
COMMENT ON COLUMN ref.practice_geography.practice_code IS 'GP practice ODS code';
COMMENT ON COLUMN ref.practice_geography.pcn_code IS 'primary care network code';
COMMENT ON COLUMN ref.practice_geography.sub_icb_code IS 'CCG code (CCG era) or sub-ICB location code (ICB era): the same code carries over';
COMMENT ON COLUMN ref.practice_geography.sub_icb_ons_code IS 'ONS code of the CCG / sub-ICB location (E38…)';
COMMENT ON COLUMN ref.practice_geography.icb_code IS 'STP code (CCG era) or ICB code (ICB era), Q + 2 characters';
COMMENT ON COLUMN ref.practice_geography.icb_ons_code IS 'ONS code of the STP / ICB (E54…)';
COMMENT ON COLUMN ref.practice_geography.region_code IS 'NHS England commissioning region code (Y…)';
COMMENT ON COLUMN ref.registered_population.extract_date IS 'NHS Digital extract date';
COMMENT ON COLUMN ref.registered_population.practice_code IS 'GP practice ODS code';
COMMENT ON COLUMN ref.registered_population.sub_icb_code IS 'CCG / sub-ICB location code as given in the file';
COMMENT ON COLUMN ref.registered_population.sex IS 'ALL, MALE or FEMALE';
COMMENT ON COLUMN ref.registered_population.age IS 'ALL, single year 0 … 94, or 95+';
COMMENT ON COLUMN ref.registered_population.age_band IS 'ALL or the GPPS age band (Under 16, 16-24 … 85+)';
COMMENT ON COLUMN ref.registered_population.patients IS 'registered patients';
COMMENT ON COLUMN ref.area_deprivation.area_code IS 'Fingertips area code (practice ODS code, or E92000001 England)';
COMMENT ON COLUMN ref.area_deprivation.area_type IS 'Fingertips area type (GP, England …)';
COMMENT ON COLUMN ref.area_deprivation.imd_score IS 'IMD 2019 deprivation score (higher = more deprived)';
COMMENT ON COLUMN ref.lsoa_deprivation.lsoa_code IS 'LSOA (2011) code';
COMMENT ON COLUMN ref.lsoa_deprivation.lad_code IS 'local authority district (2019) code';
COMMENT ON COLUMN ref.lsoa_deprivation.imd_rank IS 'IMD 2019 rank (1 = most deprived of 32,844)';
COMMENT ON COLUMN ref.lsoa_deprivation.imd_decile IS 'IMD 2019 decile (1 = most deprived)';
COMMENT ON COLUMN ref.lsoa_deprivation.imd_quintile IS 'IMD 2019 quintile derived from the decile (1 = most deprived)';
COMMENT ON COLUMN ref.ccg_icb_crosswalk.ccg_code IS 'CCG / sub-ICB location code (3 or 5 characters)';
COMMENT ON COLUMN ref.ccg_icb_crosswalk.icb_code IS 'ICB code the list maps it to';
COMMENT ON COLUMN ref.nhs_trusts.trust_code IS 'NHS trust ODS code (3 characters)';
COMMENT ON COLUMN ref.nhs_trusts.icb_code IS 'ICB the trust sits in (ODS high level health geography)';
COMMENT ON COLUMN ref.nhs_trusts.is_open IS 'no close date';
-- The rest of the columns (issue 16: every published column described).
COMMENT ON COLUMN ref.gp_practices.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.gp_practices.source_row IS 'row number in the landing file';
COMMENT ON COLUMN ref.practice_geography.practice_name IS 'practice name as NHS Digital publishes it';
COMMENT ON COLUMN ref.practice_geography.practice_postcode IS 'practice postcode';
COMMENT ON COLUMN ref.practice_geography.pcn_name IS 'primary care network name';
COMMENT ON COLUMN ref.practice_geography.sub_icb_name IS 'CCG name (CCG era) or sub-ICB location name (ICB era)';
COMMENT ON COLUMN ref.practice_geography.icb_name IS 'STP name (CCG era) or ICB name (ICB era)';
COMMENT ON COLUMN ref.practice_geography.region_ons_code IS 'ONS code of the NHS England region (E40…)';
COMMENT ON COLUMN ref.practice_geography.region_name IS 'NHS England commissioning region name';
COMMENT ON COLUMN ref.practice_geography.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.practice_geography.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.practice_geography.source_row IS 'row number in the landing file';
COMMENT ON COLUMN ref.registered_population.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.registered_population.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.registered_population.source_row IS 'row number in the landing file';
COMMENT ON COLUMN ref.area_deprivation.indicator_id IS 'Fingertips indicator id (93553: Deprivation score (IMD 2019))';
COMMENT ON COLUMN ref.area_deprivation.area_name IS 'Fingertips area name';
COMMENT ON COLUMN ref.area_deprivation.parent_code IS 'Fingertips parent area code (e.g. the practice''s sub-ICB location)';
COMMENT ON COLUMN ref.area_deprivation.time_period IS 'Fingertips time period of the value, as published';
COMMENT ON COLUMN ref.area_deprivation.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.area_deprivation.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.area_deprivation.source_row IS 'row number in the landing file';
COMMENT ON COLUMN ref.lsoa_deprivation.lsoa_name IS 'LSOA (2011) name';
COMMENT ON COLUMN ref.lsoa_deprivation.lad_name IS 'local authority district (2019) name';
COMMENT ON COLUMN ref.lsoa_deprivation.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.lsoa_deprivation.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.lsoa_deprivation.source_row IS 'row number in the landing file';
COMMENT ON COLUMN ref.ccg_icb_crosswalk.icb_name IS 'ICB name as the list writes it';
COMMENT ON COLUMN ref.ccg_icb_crosswalk.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.ccg_icb_crosswalk.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.ccg_icb_crosswalk.source_row IS 'row number in the landing file';
COMMENT ON COLUMN ref.nhs_trusts.trust_name IS 'trust name as ODS publishes it';
COMMENT ON COLUMN ref.nhs_trusts.region_code IS 'ODS national grouping (NHS England region) code';
COMMENT ON COLUMN ref.nhs_trusts.postcode IS 'trust headquarters postcode';
COMMENT ON COLUMN ref.nhs_trusts.open_date IS 'date the trust opened';
COMMENT ON COLUMN ref.nhs_trusts.close_date IS 'date it closed (NULL while open)';
COMMENT ON COLUMN ref.nhs_trusts.source_file IS 'landing file the row came from';
COMMENT ON COLUMN ref.nhs_trusts.file_sha256 IS 'SHA-256 of the landing file''s content (a changed file replaces its own rows)';
COMMENT ON COLUMN ref.nhs_trusts.source_row IS 'row number in the landing file';
