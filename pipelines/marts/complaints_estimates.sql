-- Complaints: new complaints per 10,000 registered patients (KO41-style returns, practices and trusts'
-- practices summed to sub-ICB / ICB) and the share of resolved complaints upheld, overall (returns) and
-- by group (local register). Counts may be summed across organisations; populations are list sizes.
WITH population AS (
    SELECT practice_code, patients FROM ref.registered_population
    WHERE age = 'ALL' AND sex = 'ALL'
      AND extract_date = (SELECT max(extract_date) FROM ref.registered_population WHERE age = 'ALL')
), returns AS (
    SELECT r.practice_code, coalesce(r.sub_icb_code, g.sub_icb_code) AS sub_icb_code,
           coalesce(r.icb_code, g.icb_code) AS icb_code, r.period_label AS period,
           sum(r.value) FILTER (r.measure = 'new_received') AS new_received,
           sum(r.value) FILTER (r.measure = 'upheld') AS upheld,
           sum(r.value) FILTER (r.measure = 'partially_upheld') AS partially_upheld,
           sum(r.value) FILTER (r.measure = 'resolved') AS resolved
    FROM staged.complaint_returns r
    LEFT JOIN (SELECT DISTINCT practice_code, sub_icb_code, icb_code FROM _practice_geo WHERE valid_to IS NULL) g
           ON g.practice_code = r.practice_code
    WHERE r.practice_code IS NOT NULL
    GROUP BY ALL
), placed AS (
    SELECT 'practice' AS geography_level, practice_code AS geography_code, * FROM returns
    UNION ALL SELECT 'sub_icb', sub_icb_code, * FROM returns
    UNION ALL SELECT 'icb', icb_code, * FROM returns
), summed AS (
    SELECT p.geography_level, p.geography_code, p.period, sum(p.new_received) AS new_received,
           sum(p.upheld + p.partially_upheld) AS upheld_any, sum(p.resolved) AS resolved, sum(pop.patients) AS patients
    FROM placed p JOIN population pop USING (practice_code)
    WHERE p.geography_code IS NOT NULL
    GROUP BY ALL
), register AS (
    SELECT c.icb_code, c.sub_icb_code, CAST(year(c.received_date) AS VARCHAR) AS period,
           c.outcome IN ('Upheld', 'Partially upheld') AS upheld_any,
           'All' AS overall, coalesce(c.age_band, 'Not stated') AS age_band, coalesce(c.sex, 'Not stated') AS sex,
           coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band, coalesce(c.ethnicity, 'Not stated') AS ethnicity
    FROM staged.complaints c
    WHERE c.outcome IN ('Upheld', 'Partially upheld', 'Not upheld')
), register_long AS (
    UNPIVOT register ON overall, age_band, sex, ethnicity_band, ethnicity INTO NAME dimension VALUE group_value
), register_placed AS (
    SELECT *, 'icb' AS geography_level, icb_code AS geography_code FROM register_long
    UNION ALL SELECT *, 'sub_icb', sub_icb_code FROM register_long
)
SELECT geography_level, geography_code, period, 'complaints_per_10k' AS metric_id,
       'New written complaints per 10,000 registered patients (GP, KO41b-style returns)' AS metric_name,
       'complaints' AS source, 'overall' AS dimension, 'All' AS group_value, new_received AS numerator,
       patients AS denominator, new_received AS unweighted_n, NULL::DOUBLE AS n_eff,
       new_received / patients * 10000 AS value, NULL::DOUBLE AS lower_95, NULL::DOUBLE AS upper_95,
       TRUE AS count_based, FALSE AS higher_is_better
FROM summed WHERE patients > 0 AND new_received IS NOT NULL
UNION ALL
SELECT geography_level, geography_code, period, 'complaints_upheld', 'Share of resolved complaints upheld or partially upheld (returns)',
       'complaints', 'overall', 'All', upheld_any, resolved, resolved, NULL, NULL, NULL, NULL, TRUE, FALSE
FROM summed WHERE resolved > 0
UNION ALL
SELECT geography_level, geography_code, period, 'complaints_upheld_register',
       'Share of closed complaints upheld or partially upheld (local register)', 'complaints', dimension, group_value,
       count(*) FILTER (upheld_any), count(*), count(*), NULL, NULL, NULL, NULL, TRUE, FALSE
FROM register_placed WHERE geography_code IS NOT NULL
GROUP BY ALL
