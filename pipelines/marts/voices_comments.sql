-- Comments (FFT, complaints, stories, Healthwatch reviews) by age band, sex, sex by age band and ethnic group
-- per ICB / sub-ICB and year, where the channel records them. Input: _representation_groups.
WITH by_dimension AS (
    SELECT channel, year(comment_date) AS y, icb_code, sub_icb_code, 'age_band' AS dimension, age_band AS group_value FROM staged.comments
    UNION ALL SELECT channel, year(comment_date), icb_code, sub_icb_code, 'sex', sex FROM staged.comments
    UNION ALL SELECT channel, year(comment_date), icb_code, sub_icb_code, 'sex_by_age_band', sex || ' ' || age_band FROM staged.comments
    UNION ALL SELECT channel, year(comment_date), icb_code, sub_icb_code, 'ethnicity_band', ethnicity_band FROM staged.comments
), long AS (
    SELECT channel, y, 'icb' AS geography_level, icb_code AS geography_code, dimension, group_value FROM by_dimension
    UNION ALL SELECT channel, y, 'sub_icb', sub_icb_code, dimension, group_value FROM by_dimension
)
SELECT channel, geography_level, geography_code, CAST(y AS VARCHAR) AS period, dimension, group_value, count(*) AS voices
FROM long JOIN _representation_groups USING (dimension, group_value)
WHERE geography_code IS NOT NULL AND y IS NOT NULL
GROUP BY ALL
