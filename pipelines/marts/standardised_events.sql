-- Events per practice and period for marts.standardised_rates (pipelines/marts/standardised_rates.py), one row
-- per measure, period, practice and age band; age_band NULL is the practice's total (every event, of known age
-- or not) with its years of data and the midpoint the population extract is chosen by.
-- complaints: new written complaints of the practices' KO41b-style returns, pooled over the quarters of each
--   financial year (years_of_data = quarters returned / 4); ages from the returns' "age of patient" breakdown.
-- comments: every comment placed at a practice (FFT, reviews, stories; complaints have their own measure) per
--   calendar year, with the commenter's age band where known. A practice without a comment counts 0 when its
--   ICB has comments placed at practices that year (covered), and is not a unit otherwise.
-- Inputs: _std_bands (band_set, age_band, age_from, age_to); _practice_geo (geography.ensure_geography_views).
-- Slots: complaint_returns and comments, the staged tables (or empty stand-ins when not loaded).
WITH returns AS (
    SELECT practice_code, period_label, measure_group, measure, value,
           year(period_start) - CASE WHEN month(period_start) < 4 THEN 1 ELSE 0 END AS fy
    FROM {{complaint_returns}}
    WHERE practice_code IS NOT NULL AND value IS NOT NULL AND period_start IS NOT NULL
), complaint_totals AS (
    SELECT practice_code, fy, sum(value)::DOUBLE AS events, count(DISTINCT period_label) / 4.0 AS years_of_data
    FROM returns WHERE measure_group = 'summary' AND measure = 'new_received'
    GROUP BY ALL
), complaint_ages AS (
    -- A breakdown counts only in the quarters whose total is returned too.
    SELECT r.practice_code, r.fy, b.age_band, sum(r.value)::DOUBLE AS events
    FROM returns r
    JOIN _std_bands b ON b.band_set = 'ko41' AND b.age_band = r.measure
    WHERE r.measure_group = 'age_of_patient'
      AND EXISTS (SELECT 1 FROM returns t WHERE t.practice_code = r.practice_code AND t.period_label = r.period_label
                  AND t.measure_group = 'summary' AND t.measure = 'new_received')
    GROUP BY ALL
), comment_rows AS (
    SELECT c.practice_code, year(c.comment_date) AS y, b.age_band
    FROM {{comments}} c
    LEFT JOIN _std_bands b ON b.band_set = 'people' AND b.age_band = c.age_band
    WHERE c.practice_code IS NOT NULL AND c.comment_date > DATE '1900-01-01' AND c.channel <> 'complaint'
), practices AS (
    SELECT DISTINCT practice_code, icb_code FROM _practice_geo WHERE icb_code IS NOT NULL
), covered AS (
    SELECT DISTINCT r.y, p.icb_code FROM comment_rows r JOIN practices p USING (practice_code)
), comment_units AS (
    SELECT p.practice_code, c.y FROM covered c JOIN practices p USING (icb_code)
    UNION
    SELECT DISTINCT practice_code, y FROM comment_rows
)
SELECT 'complaints' AS measure, printf('%d-%02d', fy, (fy + 1) % 100) AS period, practice_code,
       NULL::VARCHAR AS age_band, events, years_of_data, make_date(fy, 10, 1) AS period_mid
FROM complaint_totals
UNION ALL
SELECT 'complaints', printf('%d-%02d', fy, (fy + 1) % 100), practice_code, age_band, events, NULL, NULL
FROM complaint_ages
UNION ALL
SELECT 'comments', CAST(u.y AS VARCHAR), u.practice_code, NULL, count(r.practice_code)::DOUBLE, 1.0,
       make_date(u.y, 7, 1)
FROM comment_units u LEFT JOIN comment_rows r USING (practice_code, y)
GROUP BY ALL
UNION ALL
SELECT 'comments', CAST(y AS VARCHAR), practice_code, age_band, count(*)::DOUBLE, NULL, NULL
FROM comment_rows WHERE age_band IS NOT NULL
GROUP BY ALL
