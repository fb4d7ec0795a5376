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

-- Geography versions: each extract is valid from its date until the next extract's date. applies_from /
-- applies_to say which of a practice's versions places it on any date (docs/ARCHITECTURE.md, "Geography as of
-- a date"): its first version also covers every earlier date, and its last every later one (a practice that
-- closed keeps the geography it closed in). Join with the macro practice_geography_applies (sources/shared/
-- geography.sql): exactly one version of a practice applies on any date.
CREATE OR REPLACE TABLE ref.practice_geography_versions AS
WITH extracts AS (
    SELECT DISTINCT extract_date FROM ref.practice_geography
), spans AS (
    SELECT extract_date AS valid_from, lead(extract_date) OVER (ORDER BY extract_date) AS valid_to FROM extracts
)
SELECT g.* EXCLUDE (source_file, file_sha256, source_row), s.valid_from, s.valid_to,
       CASE WHEN s.valid_from > min(s.valid_from) OVER (PARTITION BY g.practice_code) THEN s.valid_from END
           AS applies_from,
       lead(s.valid_from) OVER (PARTITION BY g.practice_code ORDER BY s.valid_from) AS applies_to
FROM ref.practice_geography g JOIN spans s ON g.extract_date = s.valid_from;

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

