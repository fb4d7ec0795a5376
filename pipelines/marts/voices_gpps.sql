-- GPPS respondents (people, not answers) by age band and sex per ICB / sub-ICB and year.
WITH people AS (
    SELECT DISTINCT s.survey_year, s.respondent_id, s.practice_code, s.age_band, s.sex FROM staged.survey_responses s
), placed AS (
    SELECT p.*, g.icb_code, g.sub_icb_code FROM people p
    JOIN _practice_geo g ON g.practice_code = p.practice_code
     AND practice_geography_applies(make_date(p.survey_year, 1, 1), g.applies_from, g.applies_to)
), long AS (
    SELECT survey_year, 'icb' AS geography_level, icb_code AS geography_code, 'age_band' AS dimension, age_band AS group_value FROM placed
    UNION ALL SELECT survey_year, 'sub_icb', sub_icb_code, 'age_band', age_band FROM placed
    UNION ALL SELECT survey_year, 'icb', icb_code, 'sex', sex FROM placed
    UNION ALL SELECT survey_year, 'sub_icb', sub_icb_code, 'sex', sex FROM placed
)
SELECT 'gpps_respondents' AS channel, geography_level, geography_code, CAST(survey_year AS VARCHAR) AS period,
       dimension, group_value, count(*) AS voices
FROM long
WHERE group_value IN ('16-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75-84', '85+', 'Male', 'Female')
GROUP BY ALL
