-- One row per substantive coded comment × framework category, narrow and WITHOUT the text (it is joined
-- later for the handful of example comments only) and WITHOUT unpivoting the groups: the cells are counted
-- from this table with GROUPING SETS, so no intermediate grows with comments × dimensions × geographies
-- (at 1M comments the unpivoted form was ~20M rows and ran out of memory).
-- The group columns are every dimension the survey side has (marts.metric_by_group's gpps_respondents rows),
-- in the same vocabulary: detailed ethnicity and disability as well as the bands.
-- text_key_start / text_key_end: hashes of the first and last 60 letters of the redacted text, lower case,
-- letters only, so two near-identical comments (the same words, different punctuation, spacing, case, or
-- one differing end) are never both quoted for a cell.
CREATE OR REPLACE TEMP TABLE _tri_comments AS
WITH c AS (
    SELECT c.comment_id, c.source, c.channel, c.icb_code, c.sub_icb_code, c.comment_date,
           coalesce(n.is_negative, FALSE) AS is_negative, s.confidence AS sentiment_confidence,
           coalesce(length(x.text_redacted), 0) AS text_length,
           -- only for the comments that can be quoted (negative, 40-400 characters): the regex is the cost
           CASE WHEN n.is_negative AND length(x.text_redacted) BETWEEN 40 AND 400
                THEN regexp_replace(lower(x.text_redacted), '[^a-z]+', '', 'g') END AS letters,
           'All' AS overall, coalesce(c.age_band, 'Not stated') AS age_band,
           coalesce(c.sex, 'Not stated') AS sex, coalesce(c.ethnicity_band, 'Not stated') AS ethnicity_band,
           coalesce(c.ethnicity, 'Not stated') AS ethnicity, coalesce(c.disability, 'Not stated') AS disability,
           coalesce(CAST(d.deprivation_quintile AS VARCHAR), 'Unknown') AS deprivation_quintile
    FROM staged.comments c
    LEFT JOIN staged.comment_text x USING (comment_id)
    LEFT JOIN _comment_negative n USING (comment_id)
    LEFT JOIN _comment_sentiment_confidence s USING (comment_id)
    LEFT JOIN ref.practice_deprivation d ON d.practice_code = c.practice_code
    WHERE c.is_substantive AND (c.icb_code IS NOT NULL OR c.sub_icb_code IS NOT NULL)
), keyed AS (
    SELECT * EXCLUDE (letters), hash(left(letters, 60)) AS text_key_start, hash(right(letters, 60)) AS text_key_end
    FROM c
), themes AS (
    -- One row per comment and category: the model's most confident label in it (a keyword rule counts as 1),
    -- and first_theme on one of a comment's categories, so a group's coded comments are counted once each.
    SELECT comment_id, category, max(probability) AS theme_probability,
           bool_and(method = 'keyword_rule') AS theme_by_keyword,
           row_number() OVER (PARTITION BY comment_id ORDER BY category) = 1 AS first_theme
    FROM staged.comment_themes
    GROUP BY comment_id, category
)
SELECT k.*, t.category, t.theme_probability, t.theme_by_keyword, t.first_theme
FROM keyed k
JOIN themes t USING (comment_id);
