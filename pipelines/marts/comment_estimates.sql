-- Share of substantive comments that are negative, per channel, geography and group.
-- _comment_negative (comment_id, is_negative) comes from the text stage's sentiment, or the source rating.
-- Comments are first counted per combination of every column a cell is cut by (far fewer rows than comments),
-- then those counts summed with GROUPING SETS, one per geography level × dimension.
WITH c AS (
    SELECT c.comment_id, c.channel, year(c.comment_date) AS y, c.sub_icb_code, c.icb_code, n.is_negative,
           'E92000001' AS england,
           'All' AS overall,
           coalesce(c.age_band, 'Not stated') AS age_band, coalesce(c.sex, 'Not stated') AS sex,
           coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(c.ethnicity, 'Not stated') AS ethnicity,
           coalesce(c.disability, 'Not stated') AS disability,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile
    FROM staged.comments c
    JOIN _comment_negative n USING (comment_id)
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = c.practice_code
    WHERE c.is_substantive AND c.comment_date > DATE '1900-01-01'
), combos AS (
    SELECT channel, y, sub_icb_code, icb_code, england, overall, age_band, sex, ethnicity_band, ethnicity,
           disability, deprivation_quintile, count(*) FILTER (is_negative) AS negative, count(*) AS comments
    FROM c GROUP BY ALL
), cells AS (
    SELECT channel, y,
           CASE 0 WHEN GROUPING(england) THEN 'england' WHEN GROUPING(icb_code) THEN 'icb' ELSE 'sub_icb' END AS geography_level,
           coalesce(england, icb_code, sub_icb_code) AS geography_code,
           CASE 0 WHEN GROUPING(overall) THEN 'overall' WHEN GROUPING(age_band) THEN 'age_band'
                  WHEN GROUPING(sex) THEN 'sex' WHEN GROUPING(ethnicity_band) THEN 'ethnicity_band'
                  WHEN GROUPING(ethnicity) THEN 'ethnicity' WHEN GROUPING(disability) THEN 'disability'
                  ELSE 'deprivation_quintile' END AS dimension,
           coalesce(overall, age_band, sex, ethnicity_band, ethnicity, disability, deprivation_quintile) AS group_value,
           CAST(sum(negative) AS BIGINT) AS negative, CAST(sum(comments) AS BIGINT) AS comments
    FROM combos
    GROUP BY GROUPING SETS (
        (channel, y, england, overall), (channel, y, england, age_band), (channel, y, england, sex),
        (channel, y, england, ethnicity_band), (channel, y, england, ethnicity), (channel, y, england, disability),
        (channel, y, england, deprivation_quintile),
        (channel, y, icb_code, overall), (channel, y, icb_code, age_band), (channel, y, icb_code, sex),
        (channel, y, icb_code, ethnicity_band), (channel, y, icb_code, ethnicity), (channel, y, icb_code, disability),
        (channel, y, icb_code, deprivation_quintile),
        (channel, y, sub_icb_code, overall), (channel, y, sub_icb_code, age_band), (channel, y, sub_icb_code, sex),
        (channel, y, sub_icb_code, ethnicity_band), (channel, y, sub_icb_code, ethnicity),
        (channel, y, sub_icb_code, disability), (channel, y, sub_icb_code, deprivation_quintile)
    )
)
SELECT geography_level, geography_code, CAST(y AS VARCHAR) AS period,
       'comments_negative_' || channel AS metric_id,
       'Share of ' || replace(channel, '_', ' ') || 's that are negative' AS metric_name,
       'comments' AS source, dimension, group_value,
       negative AS numerator, comments AS denominator, comments AS unweighted_n,
       comments AS n_eff, NULL::DOUBLE AS value, NULL::DOUBLE AS lower_95, NULL::DOUBLE AS upper_95,
       TRUE AS count_based, FALSE AS higher_is_better
FROM cells
WHERE geography_code IS NOT NULL
