-- Share of each group's substantive comments that touch each framework category (or keyword topic).
-- Comments (totals) and comment × category rows (on theme) are first counted per combination of the columns a
-- cell is cut by, then summed with GROUPING SETS (one per geography level × dimension): memory holds the
-- combinations and the cells, not comments × dimensions × levels.
WITH c AS (
    SELECT c.comment_id, c.sub_icb_code, c.icb_code, year(c.comment_date) AS y,
           'All' AS overall, coalesce(c.age_band, 'Not stated') AS age_band, coalesce(c.sex, 'Not stated') AS sex,
           coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile
    FROM staged.comments c
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = c.practice_code
    WHERE c.is_substantive AND c.comment_date IS NOT NULL AND (c.icb_code IS NOT NULL OR c.sub_icb_code IS NOT NULL)
), themed_comments AS (
    -- A comment counts once per category, however many of its labels fall in it.
    SELECT c.*, t.category FROM c JOIN (SELECT DISTINCT comment_id, category FROM staged.comment_themes) t USING (comment_id)
), combos AS (
    SELECT icb_code, sub_icb_code, y, overall, age_band, sex, ethnicity_band, deprivation_quintile,
           count(*) AS comments
    FROM c GROUP BY ALL
), themed_combos AS (
    SELECT icb_code, sub_icb_code, y, overall, age_band, sex, ethnicity_band, deprivation_quintile, category,
           count(*) AS on_theme
    FROM themed_comments GROUP BY ALL
), totals AS (
    SELECT icb_code, sub_icb_code, y, GROUPING(icb_code) = 0 AS at_icb,
           CASE 0 WHEN GROUPING(overall) THEN 'overall' WHEN GROUPING(age_band) THEN 'age_band'
                  WHEN GROUPING(sex) THEN 'sex' WHEN GROUPING(ethnicity_band) THEN 'ethnicity_band'
                  ELSE 'deprivation_quintile' END AS dimension,
           coalesce(overall, age_band, sex, ethnicity_band, deprivation_quintile) AS group_value,
           CAST(sum(comments) AS BIGINT) AS comments
    FROM combos
    GROUP BY GROUPING SETS (
        (icb_code, y, overall), (icb_code, y, age_band), (icb_code, y, sex), (icb_code, y, ethnicity_band),
        (icb_code, y, deprivation_quintile), (sub_icb_code, y, overall), (sub_icb_code, y, age_band),
        (sub_icb_code, y, sex), (sub_icb_code, y, ethnicity_band), (sub_icb_code, y, deprivation_quintile)
    )
), themed AS (
    SELECT icb_code, sub_icb_code, y, GROUPING(icb_code) = 0 AS at_icb,
           CASE 0 WHEN GROUPING(overall) THEN 'overall' WHEN GROUPING(age_band) THEN 'age_band'
                  WHEN GROUPING(sex) THEN 'sex' WHEN GROUPING(ethnicity_band) THEN 'ethnicity_band'
                  ELSE 'deprivation_quintile' END AS dimension,
           coalesce(overall, age_band, sex, ethnicity_band, deprivation_quintile) AS group_value,
           category, CAST(sum(on_theme) AS BIGINT) AS on_theme
    FROM themed_combos
    GROUP BY GROUPING SETS (
        (icb_code, y, overall, category), (icb_code, y, age_band, category), (icb_code, y, sex, category),
        (icb_code, y, ethnicity_band, category), (icb_code, y, deprivation_quintile, category),
        (sub_icb_code, y, overall, category), (sub_icb_code, y, age_band, category), (sub_icb_code, y, sex, category),
        (sub_icb_code, y, ethnicity_band, category), (sub_icb_code, y, deprivation_quintile, category)
    )
), placed_totals AS (
    SELECT CASE WHEN at_icb THEN 'icb' ELSE 'sub_icb' END AS geography_level,
           CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END AS geography_code, y, dimension, group_value, comments
    FROM totals WHERE CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END IS NOT NULL
), placed_themed AS (
    SELECT CASE WHEN at_icb THEN 'icb' ELSE 'sub_icb' END AS geography_level,
           CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END AS geography_code, y, dimension, group_value,
           category, on_theme
    FROM themed WHERE CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END IS NOT NULL
)
SELECT t.geography_level, t.geography_code, CAST(t.y AS VARCHAR) AS period,
       'comments_theme_' || regexp_replace(lower(h.category), '[^a-z]+', '_', 'g') AS metric_id,
       'Share of comments about: ' || h.category AS metric_name, 'comments' AS source, t.dimension, t.group_value,
       coalesce(h.on_theme, 0) AS numerator, t.comments AS denominator, t.comments AS unweighted_n,
       t.comments AS n_eff, NULL::DOUBLE AS value, NULL::DOUBLE AS lower_95, NULL::DOUBLE AS upper_95,
       TRUE AS count_based, NULL::BOOLEAN AS higher_is_better
FROM placed_totals t
JOIN placed_themed h USING (geography_level, geography_code, y, dimension, group_value)
