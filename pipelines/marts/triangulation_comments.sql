-- One row per substantive coded comment × framework category, narrow and WITHOUT the text (it is joined
-- later for the handful of example comments only) and WITHOUT unpivoting the groups: the cells are counted
-- from this table with GROUPING SETS, so no intermediate grows with comments × dimensions × geographies
-- (at 1M comments the unpivoted form was ~20M rows and ran out of memory).
CREATE OR REPLACE TEMP TABLE _tri_comments AS
WITH c AS (
    SELECT c.comment_id, c.source, c.channel, c.icb_code, c.sub_icb_code, coalesce(n.is_negative, FALSE) AS is_negative,
           coalesce(x.text_length, 0) AS text_length,
           'All' AS overall, coalesce(c.age_band, 'Not stated') AS age_band,
           coalesce(c.sex, 'Not stated') AS sex, coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile
    FROM staged.comments c
    LEFT JOIN (SELECT comment_id, length(text_redacted) AS text_length FROM staged.comment_text) x USING (comment_id)
    LEFT JOIN _comment_negative n USING (comment_id)
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = c.practice_code
    WHERE c.is_substantive AND (c.icb_code IS NOT NULL OR c.sub_icb_code IS NOT NULL)
)
SELECT c.*, t.category
FROM c
JOIN (SELECT DISTINCT comment_id, category FROM staged.comment_themes) t USING (comment_id);
