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

-- What a CCG or sub-ICB location code means on a date (docs/ARCHITECTURE.md, "Geography as of a date"). CCGs
-- became sub-ICB locations on 1 July 2022 keeping their codes, but merged and closed CCGs follow the ODS
-- successor records (ref.organisation_successors) instead of meaning the same area for ever: 00K merged into 16C
-- on 1 April 2020. A succession is followed only when its successor is a CCG or sub-ICB location (a practice
-- map or the crosswalk lists it as one), so a CCG's legal successor recorded as an ICB is not a place for a
-- practice. One row per code and span: the code means sub_icb_code from in_force_from to in_force_to (NULL =
-- open), so practice_geography_applies picks the span of a date; every row of a code names its current
-- sub-ICB and ICB (the span with in_force_to NULL). A predecessor with several successors (a split) follows the
-- earliest, then the first by code.
CREATE OR REPLACE TABLE ref.sub_icb_continuity AS
WITH RECURSIVE mapped AS (
    SELECT sub_icb_code AS code, arg_max(sub_icb_name, extract_date) AS name,
           arg_max(icb_code, extract_date) AS icb_code, arg_max(icb_name, extract_date) AS icb_name,
           bool_or(geography_era = 'CCG') AS seen_as_ccg, bool_or(geography_era = 'ICB') AS seen_as_sub_icb,
           arg_max(icb_code, extract_date) FILTER (WHERE geography_era = 'ICB') AS map_icb_code
    FROM ref.practice_geography WHERE sub_icb_code IS NOT NULL GROUP BY 1
), crosswalk AS (
    SELECT ccg_code AS code, any_value(icb_code) AS icb_code, any_value(icb_name) AS icb_name
    FROM ref.ccg_icb_crosswalk GROUP BY 1
), areas AS (
    SELECT code FROM mapped UNION SELECT code FROM crosswalk
), followed AS (
    SELECT predecessor_code, successor_code, succession_reason, effective_date
    FROM ref.organisation_successors
    WHERE successor_code IN (SELECT code FROM areas) AND predecessor_code <> successor_code
      AND effective_date IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY predecessor_code ORDER BY effective_date, successor_code) = 1
), codes AS (
    SELECT code FROM areas UNION SELECT predecessor_code FROM followed
), chain(code, sub_icb_code, in_force_from, succession_reason, steps) AS (
    SELECT code, code, NULL::DATE, NULL::VARCHAR, 0 FROM codes
    UNION ALL
    -- Each step moves forward in time, so a cycle in the records cannot loop for ever.
    SELECT c.code, f.successor_code, f.effective_date, f.succession_reason, c.steps + 1
    FROM chain c JOIN followed f ON f.predecessor_code = c.sub_icb_code
    WHERE c.in_force_from IS NULL OR f.effective_date > c.in_force_from
), spans AS (
    SELECT chain.*, lead(chain.in_force_from) OVER (PARTITION BY chain.code ORDER BY chain.steps) AS in_force_to,
           -- Its latest map's ICB (an STP for a code that ended before July 2022), else the crosswalk's.
           coalesce(m.icb_code, x.icb_code) AS icb_code, coalesce(m.icb_name, x.icb_name) AS icb_name,
           m.name AS sub_icb_name
    FROM chain LEFT JOIN mapped m ON m.code = chain.sub_icb_code LEFT JOIN crosswalk x ON x.code = chain.sub_icb_code
)
SELECT s.code, own.name AS code_name, s.sub_icb_code, s.sub_icb_name, s.icb_code, s.icb_name,
       s.in_force_from, s.in_force_to, s.succession_reason, s.steps, s.in_force_to IS NULL AS is_current,
       cur.sub_icb_code AS current_sub_icb_code, cur.sub_icb_name AS current_sub_icb_name,
       cur.icb_code AS current_icb_code, cur.icb_name AS current_icb_name,
       cur.in_force_from AS current_since, cur.succession_reason AS current_succession_reason,
       coalesce(own.seen_as_ccg, FALSE) AS seen_as_ccg, coalesce(own.seen_as_sub_icb, FALSE) AS seen_as_sub_icb,
       x.code IS NOT NULL AS in_crosswalk,
       x.icb_code IS NOT NULL AND own.map_icb_code IS NOT NULL AND x.icb_code <> own.map_icb_code
           AS crosswalk_disagrees
FROM spans s
JOIN spans cur ON cur.code = s.code AND cur.in_force_to IS NULL
LEFT JOIN mapped own ON own.code = s.code
LEFT JOIN crosswalk x ON x.code = s.code;
