-- Comments (FFT, complaints, stories, Healthwatch reviews) by age band and sex per ICB / sub-ICB and year.
WITH long AS (
    SELECT channel, year(comment_date) AS y, 'icb' AS geography_level, icb_code AS geography_code, 'age_band' AS dimension, age_band AS group_value FROM staged.comments
    UNION ALL SELECT channel, year(comment_date), 'sub_icb', sub_icb_code, 'age_band', age_band FROM staged.comments
    UNION ALL SELECT channel, year(comment_date), 'icb', icb_code, 'sex', sex FROM staged.comments
    UNION ALL SELECT channel, year(comment_date), 'sub_icb', sub_icb_code, 'sex', sex FROM staged.comments
)
SELECT channel, geography_level, geography_code, CAST(y AS VARCHAR) AS period, dimension, group_value, count(*) AS voices
FROM long
WHERE geography_code IS NOT NULL AND y IS NOT NULL
  AND group_value IN ('16-24', '25-34', '35-44', '45-54', '55-64', '65-74', '75-84', '85+', 'Male', 'Female')
GROUP BY ALL
