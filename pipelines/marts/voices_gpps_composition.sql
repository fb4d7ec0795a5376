-- GPPS respondents' composition as the practice results files publish it (aboutyouagemerged, aboutyougender,
-- dv_ethnicityband from 2024; q48_merged, q112, q49band before: staged.gpps_respondent_profile), per ICB /
-- sub-ICB and year: each group's weighted respondents summed over the area's practices. Suppressed practice
-- figures are left out. Input: _representation_groups.
WITH practices AS (
    SELECT survey_year, org_code AS practice_code, dimension, value AS group_value, respondents_weighted AS voices
    FROM staged.gpps_respondent_profile
    WHERE level = 'practice' AND NOT suppressed AND respondents_weighted IS NOT NULL
), placed AS (
    SELECT p.*, g.icb_code, g.sub_icb_code FROM practices p
    JOIN _practice_geo g ON g.practice_code = p.practice_code
     AND practice_geography_applies(make_date(p.survey_year, 1, 1), g.applies_from, g.applies_to)
), long AS (
    SELECT survey_year, 'icb' AS geography_level, icb_code AS geography_code, dimension, group_value, voices FROM placed
    UNION ALL SELECT survey_year, 'sub_icb', sub_icb_code, dimension, group_value, voices FROM placed
)
SELECT 'gpps_published' AS channel, geography_level, geography_code, CAST(survey_year AS VARCHAR) AS period,
       dimension, group_value, sum(voices) AS voices
FROM long JOIN _representation_groups USING (dimension, group_value)
WHERE geography_code IS NOT NULL
GROUP BY ALL
