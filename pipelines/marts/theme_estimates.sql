-- Share of each group's substantive comments that touch each framework category (or keyword topic).
WITH c AS (
    SELECT c.comment_id, c.sub_icb_code, c.icb_code, coalesce(c.comment_date, DATE '1900-01-01') AS comment_date,
           'All' AS overall, coalesce(c.age_band, 'Not stated') AS age_band, coalesce(c.sex, 'Not stated') AS sex,
           coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile
    FROM staged.comments c
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = c.practice_code
    WHERE c.is_substantive AND c.comment_date IS NOT NULL
), long AS (
    UNPIVOT c ON overall, age_band, sex, ethnicity_band, deprivation_quintile INTO NAME dimension VALUE group_value
), placed AS (
    SELECT *, 'icb' AS geography_level, icb_code AS geography_code FROM long WHERE icb_code IS NOT NULL
    UNION ALL SELECT *, 'sub_icb', sub_icb_code FROM long WHERE sub_icb_code IS NOT NULL
), totals AS (
    SELECT geography_level, geography_code, year(comment_date) AS y, dimension, group_value, count(DISTINCT comment_id) AS comments
    FROM placed GROUP BY ALL
), themed AS (
    SELECT p.geography_level, p.geography_code, year(p.comment_date) AS y, p.dimension, p.group_value, t.category,
           count(DISTINCT p.comment_id) AS on_theme
    FROM placed p JOIN staged.comment_themes t USING (comment_id)
    GROUP BY ALL
)
SELECT t.geography_level, t.geography_code, CAST(t.y AS VARCHAR) AS period,
       'comments_theme_' || regexp_replace(lower(h.category), '[^a-z]+', '_', 'g') AS metric_id,
       'Share of comments about: ' || h.category AS metric_name, 'comments' AS source, t.dimension, t.group_value,
       coalesce(h.on_theme, 0) AS numerator, t.comments AS denominator, t.comments AS unweighted_n,
       t.comments AS n_eff, NULL::DOUBLE AS value, NULL::DOUBLE AS lower_95, NULL::DOUBLE AS upper_95,
       TRUE AS count_based, NULL::BOOLEAN AS higher_is_better
FROM totals t
JOIN themed h USING (geography_level, geography_code, y, dimension, group_value)
