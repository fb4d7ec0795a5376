-- GPPS outcomes BY group from respondent-level extracts: weighted proportion parts per geography × group.
-- n_eff is Kish's (Σw)² / Σw². Practices and PCNs get the overall cell only: their group cells are too small.
-- Only measure-years whose stem the catalogue confirms are published; each row carries its series.
-- Intersections (issue 18 item 6): three pairs of dimensions, named '<dimension> x <dimension>' with group_value
-- '<group> | <group>' in the same order (metric_by_group.intersection_margins). Only for England and ICBs: a sub-ICB's
-- cross-classified cells are mostly below the n_eff a group result needs, and every extra level multiplies the
-- national table by the pairs' ~120 groups.
WITH responses AS (
    SELECT s.survey_year, s.measure_id, m.wording, m.series, m.higher_is_better, CAST(s.is_positive AS INTEGER) AS y, s.weight AS w,
           s.practice_code, g.pcn_code, g.sub_icb_code, g.icb_code,
           'All' AS overall,
           coalesce(s.age_band, 'Not stated') AS age_band,
           coalesce(s.sex, 'Not stated') AS sex,
           coalesce(s.ethnicity, 'Not stated') AS ethnicity,
           coalesce(s.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile,
           coalesce(s.disability, 'Not stated') AS disability
    FROM staged.survey_responses s
    JOIN ref.gpps_measures m ON m.measure_id = s.measure_id AND m.survey_year = s.survey_year AND m.stem_confirmed
    LEFT JOIN _practice_geo g
      ON g.practice_code = s.practice_code
     AND practice_geography_applies(make_date(s.survey_year, 1, 1), g.applies_from, g.applies_to)
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = s.practice_code
    WHERE s.measure_id IS NOT NULL AND s.is_positive IS NOT NULL AND s.weight > 0
), crossed AS (
    SELECT *,
           age_band || ' | ' || ethnicity_band AS "age_band x ethnicity_band",
           age_band || ' | ' || sex AS "age_band x sex",
           ethnicity_band || ' | ' || deprivation_quintile AS "ethnicity_band x deprivation_quintile"
    FROM responses
), long AS (
    UNPIVOT crossed
    ON overall, age_band, sex, ethnicity, ethnicity_band, deprivation_quintile, disability,
       "age_band x ethnicity_band", "age_band x sex", "ethnicity_band x deprivation_quintile"
    INTO NAME dimension VALUE group_value
), placed AS (
    SELECT *, 'england' AS geography_level, 'E92000001' AS geography_code FROM long
    UNION ALL SELECT *, 'icb', icb_code FROM long
    UNION ALL SELECT *, 'sub_icb', sub_icb_code FROM long WHERE dimension NOT LIKE '% x %'
    UNION ALL SELECT *, 'pcn', pcn_code FROM long WHERE dimension = 'overall'
    UNION ALL SELECT *, 'practice', practice_code FROM long WHERE dimension = 'overall'
)
SELECT geography_level, geography_code, CAST(survey_year AS VARCHAR) AS period, measure_id AS metric_id,
       wording AS metric_name, 'gpps_respondents' AS source, series, dimension, group_value,
       sum(w * y) AS numerator, sum(w) AS denominator, count(*) AS unweighted_n,
       sum(w) * sum(w) / sum(w * w) AS n_eff, 'kish' AS n_eff_method,
       NULL::DOUBLE AS value, NULL::DOUBLE AS lower_95, NULL::DOUBLE AS upper_95,
       FALSE AS count_based, higher_is_better
FROM placed
WHERE geography_code IS NOT NULL
GROUP BY ALL
