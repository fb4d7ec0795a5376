-- GPPS respondents (people, not answers) by age band, sex, sex by age band and ethnic group per ICB / sub-ICB
-- and year. Input: _representation_groups (the groups compared; any other answer is left out).
WITH people AS (
    SELECT DISTINCT s.survey_year, s.respondent_id, s.practice_code, s.age_band, s.sex, s.ethnicity_band
    FROM staged.survey_responses s
), placed AS (
    SELECT p.*, g.icb_code, g.sub_icb_code FROM people p
    JOIN _practice_geo g ON g.practice_code = p.practice_code
     AND practice_geography_applies(make_date(p.survey_year, 1, 1), g.applies_from, g.applies_to)
), by_dimension AS (
    SELECT survey_year, icb_code, sub_icb_code, 'age_band' AS dimension, age_band AS group_value FROM placed
    UNION ALL SELECT survey_year, icb_code, sub_icb_code, 'sex', sex FROM placed
    UNION ALL SELECT survey_year, icb_code, sub_icb_code, 'sex_by_age_band', sex || ' ' || age_band FROM placed
    UNION ALL SELECT survey_year, icb_code, sub_icb_code, 'ethnicity_band', ethnicity_band FROM placed
), long AS (
    SELECT survey_year, 'icb' AS geography_level, icb_code AS geography_code, dimension, group_value FROM by_dimension
    UNION ALL SELECT survey_year, 'sub_icb', sub_icb_code, dimension, group_value FROM by_dimension
)
SELECT 'gpps_respondents' AS channel, geography_level, geography_code, CAST(survey_year AS VARCHAR) AS period,
       dimension, group_value, count(*) AS voices
FROM long JOIN _representation_groups USING (dimension, group_value)
GROUP BY ALL
