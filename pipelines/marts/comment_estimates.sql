-- Share of substantive comments that are negative, per channel, geography and group.
-- _comment_negative (comment_id, is_negative) comes from the text stage's sentiment, or the source rating.
WITH c AS (
    SELECT c.comment_id, c.source, c.channel, coalesce(c.comment_date, DATE '1900-01-01') AS comment_date,
           c.sub_icb_code, c.icb_code, n.is_negative,
           'All' AS overall,
           coalesce(c.age_band, 'Not stated') AS age_band, coalesce(c.sex, 'Not stated') AS sex,
           coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(c.ethnicity, 'Not stated') AS ethnicity,
           coalesce(c.disability, 'Not stated') AS disability,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile
    FROM staged.comments c
    JOIN _comment_negative n USING (comment_id)
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = c.practice_code
    WHERE c.is_substantive
), long AS (
    UNPIVOT c ON overall, age_band, sex, ethnicity_band, ethnicity, disability, deprivation_quintile
    INTO NAME dimension VALUE group_value
), placed AS (
    SELECT *, 'england' AS geography_level, 'E92000001' AS geography_code FROM long
    UNION ALL SELECT *, 'icb', icb_code FROM long
    UNION ALL SELECT *, 'sub_icb', sub_icb_code FROM long
)
SELECT geography_level, geography_code, CAST(year(comment_date) AS VARCHAR) AS period,
       'comments_negative_' || channel AS metric_id,
       'Share of ' || replace(channel, '_', ' ') || 's that are negative' AS metric_name,
       'comments' AS source, dimension, group_value,
       count(*) FILTER (is_negative) AS numerator, count(*) AS denominator, count(*) AS unweighted_n,
       count(*) AS n_eff, NULL::DOUBLE AS value, NULL::DOUBLE AS lower_95, NULL::DOUBLE AS upper_95,
       TRUE AS count_based, FALSE AS higher_is_better
FROM placed
WHERE geography_code IS NOT NULL AND comment_date > DATE '1900-01-01'
GROUP BY ALL
