-- Reference tables derived from every loaded file; rebuilt whole after each reference ingest.

-- Practice deprivation: the latest IMD score per practice, with national quintile and decile by the
-- PHE quantile method (phe_quantile, invert = TRUE): ties take the lowest rank, 1 = most deprived.
CREATE OR REPLACE TABLE ref.practice_deprivation AS
WITH latest AS (
    SELECT area_code AS practice_code, area_name AS practice_name, imd_score, time_period
    FROM ref.area_deprivation
    WHERE area_type = 'GP' AND imd_score IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY area_code ORDER BY time_period DESC, source_file DESC) = 1
), ranked AS (
    SELECT *, count(*) OVER () AS n,
           rank() OVER (ORDER BY imd_score DESC) AS inverted_rank
    FROM latest
)
SELECT practice_code, practice_name, imd_score, time_period,
       greatest(1, floor(6 - ceil(((n + 1) - inverted_rank) / (n / 5.0))))::INTEGER AS deprivation_quintile,
       greatest(1, floor(11 - ceil(((n + 1) - inverted_rank) / (n / 10.0))))::INTEGER AS deprivation_decile
FROM ranked;
COMMENT ON TABLE ref.practice_deprivation IS 'IMD 2019 score per GP practice with national quintile and decile (PHE quantile method, 1 = most deprived).';

-- Geography versions: each extract is valid from its date until the next extract's date.
CREATE OR REPLACE TABLE ref.practice_geography_versions AS
WITH extracts AS (
    SELECT DISTINCT extract_date FROM ref.practice_geography
), spans AS (
    SELECT extract_date AS valid_from, lead(extract_date) OVER (ORDER BY extract_date) AS valid_to FROM extracts
)
SELECT g.* EXCLUDE (source_file, file_sha256, source_row), s.valid_from, s.valid_to
FROM ref.practice_geography g JOIN spans s ON g.extract_date = s.valid_from;
COMMENT ON TABLE ref.practice_geography_versions IS 'Practice geography with validity spans: join a date d on valid_from <= d AND (valid_to IS NULL OR d < valid_to); before the first extract use the first.';

-- CCGs became sub-ICB locations on 1 July 2022 keeping their codes: one row per code, with the name and
-- ICB known in each era and from the crosswalk.
CREATE OR REPLACE TABLE ref.sub_icb_continuity AS
WITH ccg_era AS (
    SELECT sub_icb_code AS code, arg_max(sub_icb_name, extract_date) AS ccg_name,
           arg_max(icb_code, extract_date) AS stp_code, max(extract_date) AS last_ccg_extract
    FROM ref.practice_geography WHERE geography_era = 'CCG' GROUP BY 1
), icb_era AS (
    SELECT sub_icb_code AS code, arg_max(sub_icb_name, extract_date) AS sub_icb_name,
           arg_max(icb_code, extract_date) AS icb_code, arg_max(icb_name, extract_date) AS icb_name,
           min(extract_date) AS first_icb_extract
    FROM ref.practice_geography WHERE geography_era = 'ICB' GROUP BY 1
), crosswalk AS (
    SELECT ccg_code AS code, any_value(icb_code) AS icb_code, any_value(icb_name) AS icb_name
    FROM ref.ccg_icb_crosswalk GROUP BY 1
), codes AS (
    SELECT code FROM ccg_era UNION SELECT code FROM icb_era UNION SELECT code FROM crosswalk
)
SELECT codes.code AS ccg_code, codes.code AS sub_icb_code, ccg_era.ccg_name, icb_era.sub_icb_name,
       ccg_era.stp_code, coalesce(icb_era.icb_code, crosswalk.icb_code) AS icb_code,
       coalesce(icb_era.icb_name, crosswalk.icb_name) AS icb_name,
       DATE '2022-06-30' AS ccg_valid_to, DATE '2022-07-01' AS sub_icb_valid_from,
       ccg_era.code IS NOT NULL AS seen_as_ccg, icb_era.code IS NOT NULL AS seen_as_sub_icb,
       crosswalk.code IS NOT NULL AS in_crosswalk,
       crosswalk.icb_code IS NOT NULL AND icb_era.icb_code IS NOT NULL
           AND crosswalk.icb_code <> icb_era.icb_code AS crosswalk_disagrees
FROM codes
LEFT JOIN ccg_era USING (code) LEFT JOIN icb_era USING (code) LEFT JOIN crosswalk USING (code);
COMMENT ON TABLE ref.sub_icb_continuity IS 'The same ODS code as a CCG (to 30 June 2022) and as a sub-ICB location (from 1 July 2022), with its ICB.';

COMMENT ON COLUMN ref.practice_deprivation.imd_score IS 'IMD 2019 deprivation score of the practice population (Fingertips 93553)';
COMMENT ON COLUMN ref.practice_deprivation.deprivation_quintile IS 'national quintile of practices by IMD score, PHE quantile method (1 = most deprived)';
COMMENT ON COLUMN ref.practice_deprivation.deprivation_decile IS 'national decile of practices by IMD score, PHE quantile method (1 = most deprived)';
COMMENT ON COLUMN ref.practice_geography_versions.valid_from IS 'this geography applies from this date (its extract date)';
COMMENT ON COLUMN ref.practice_geography_versions.valid_to IS 'until the next extract (NULL = current)';
COMMENT ON COLUMN ref.sub_icb_continuity.ccg_code IS 'the code as a CCG (to 30 June 2022)';
COMMENT ON COLUMN ref.sub_icb_continuity.sub_icb_code IS 'the same code as a sub-ICB location (from 1 July 2022)';
COMMENT ON COLUMN ref.sub_icb_continuity.crosswalk_disagrees IS 'the crosswalk list and the NHS Digital map name different ICBs';
COMMENT ON COLUMN ref.practice_deprivation.practice_code IS 'GP practice ODS code';
COMMENT ON COLUMN ref.practice_deprivation.practice_name IS 'practice name as Fingertips publishes it';
COMMENT ON COLUMN ref.practice_deprivation.time_period IS 'Fingertips time period of the score (the latest loaded per practice)';
COMMENT ON COLUMN ref.practice_geography_versions.extract_date IS 'NHS Digital extract date of this version of the geography';
COMMENT ON COLUMN ref.practice_geography_versions.geography_era IS 'CCG (CCG_* / STP_* headers) or ICB (SUB_ICB_LOCATION_* / ICB_* headers)';
COMMENT ON COLUMN ref.practice_geography_versions.practice_code IS 'GP practice ODS code';
COMMENT ON COLUMN ref.practice_geography_versions.practice_name IS 'practice name as NHS Digital publishes it';
COMMENT ON COLUMN ref.practice_geography_versions.practice_postcode IS 'practice postcode';
COMMENT ON COLUMN ref.practice_geography_versions.pcn_code IS 'primary care network code';
COMMENT ON COLUMN ref.practice_geography_versions.pcn_name IS 'primary care network name';
COMMENT ON COLUMN ref.practice_geography_versions.sub_icb_code IS 'CCG code (CCG era) or sub-ICB location code (ICB era): the same code carries over';
COMMENT ON COLUMN ref.practice_geography_versions.sub_icb_ons_code IS 'ONS code of the CCG / sub-ICB location (E38…)';
COMMENT ON COLUMN ref.practice_geography_versions.sub_icb_name IS 'CCG name (CCG era) or sub-ICB location name (ICB era)';
COMMENT ON COLUMN ref.practice_geography_versions.icb_code IS 'STP code (CCG era) or ICB code (ICB era), Q + 2 characters';
COMMENT ON COLUMN ref.practice_geography_versions.icb_ons_code IS 'ONS code of the STP / ICB (E54…)';
COMMENT ON COLUMN ref.practice_geography_versions.icb_name IS 'STP name (CCG era) or ICB name (ICB era)';
COMMENT ON COLUMN ref.practice_geography_versions.region_code IS 'NHS England commissioning region code (Y…)';
COMMENT ON COLUMN ref.practice_geography_versions.region_ons_code IS 'ONS code of the NHS England region (E40…)';
COMMENT ON COLUMN ref.practice_geography_versions.region_name IS 'NHS England commissioning region name';
COMMENT ON COLUMN ref.sub_icb_continuity.ccg_name IS 'name of the code as a CCG (latest CCG-era extract)';
COMMENT ON COLUMN ref.sub_icb_continuity.sub_icb_name IS 'name of the code as a sub-ICB location (latest ICB-era extract)';
COMMENT ON COLUMN ref.sub_icb_continuity.stp_code IS 'the STP the CCG belonged to (latest CCG-era extract)';
COMMENT ON COLUMN ref.sub_icb_continuity.icb_code IS 'the ICB of the sub-ICB location (NHS Digital map, else the crosswalk list)';
COMMENT ON COLUMN ref.sub_icb_continuity.icb_name IS 'that ICB''s name';
COMMENT ON COLUMN ref.sub_icb_continuity.ccg_valid_to IS 'last day of the CCG era (30 June 2022)';
COMMENT ON COLUMN ref.sub_icb_continuity.sub_icb_valid_from IS 'first day of the sub-ICB era (1 July 2022)';
COMMENT ON COLUMN ref.sub_icb_continuity.seen_as_ccg IS 'a loaded CCG-era extract has this code';
COMMENT ON COLUMN ref.sub_icb_continuity.seen_as_sub_icb IS 'a loaded ICB-era extract has this code';
COMMENT ON COLUMN ref.sub_icb_continuity.in_crosswalk IS 'the CCG → ICB crosswalk list has this code';
