-- Per geography × group × theme: what the survey, the comments, the complaints and Healthwatch say, with TRUE
-- counts (disclosure control follows in triangulation.py).
-- Inputs (temp): _tri_survey (survey evidence per theme, triangulation_survey.sql), _tri_comments (one row per
-- coded comment × category, with its geography and group columns side by side; triangulation_comments.sql).
-- The dimensions are those of the survey side; a new one goes in every place marked DIMENSIONS.
WITH sets AS (
    -- Every (geography level × dimension [× theme]) cell counted in one pass: one grouping set per combination,
    -- so memory holds the cells, never a row per comment × dimension × level. The sets without the theme count
    -- each of a group's coded comments once (first_theme): the base its theme shares are taken over.
    SELECT icb_code, sub_icb_code, category AS theme,
           GROUPING(icb_code) = 0 AS at_icb,
           CASE 0 WHEN GROUPING(overall) THEN 'overall' WHEN GROUPING(age_band) THEN 'age_band'
                  WHEN GROUPING(sex) THEN 'sex' WHEN GROUPING(ethnicity_band) THEN 'ethnicity_band'
                  WHEN GROUPING(ethnicity) THEN 'ethnicity' WHEN GROUPING(disability) THEN 'disability'
                  ELSE 'deprivation_quintile' END AS dimension,  -- DIMENSIONS
           coalesce(overall, age_band, sex, ethnicity_band, ethnicity, disability, deprivation_quintile) AS group_value,
           GROUPING(category) = 1 AS all_themes,
           -- People's own comments (every channel but report findings, which are Healthwatch's, not a person's)
           count(*) FILTER (channel <> 'report_finding') AS comments,
           count(*) FILTER (channel <> 'report_finding' AND is_negative) AS negative_comments,
           count(*) FILTER (channel <> 'report_finding' AND first_theme) AS group_comments,
           count(*) FILTER (channel = 'complaint') AS complaints,
           count(*) FILTER (channel = 'report_finding') AS healthwatch_findings,
           count(*) FILTER (channel = 'review') AS healthwatch_reviews,
           count(*) FILTER (channel = 'story') AS stories,
           min(comment_date) AS first_comment_date,  -- the dates of all the row's evidence
           max(comment_date) AS last_comment_date
    FROM _tri_comments
    GROUP BY GROUPING SETS ({{theme_cells}}, {{area_cells}})
), placed_sets AS (
    SELECT CASE WHEN at_icb THEN 'icb' ELSE 'sub_icb' END AS geography_level,
           CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END AS geography_code, * EXCLUDE (icb_code, sub_icb_code)
    FROM sets
    WHERE CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END IS NOT NULL
), comment_cells AS (
    SELECT geography_level, geography_code, dimension, group_value, theme, comments, negative_comments, complaints,
           healthwatch_findings, healthwatch_reviews, stories, first_comment_date, last_comment_date
    FROM placed_sets WHERE NOT all_themes
), group_totals AS (
    SELECT geography_level, geography_code, dimension, group_value, group_comments
    FROM placed_sets WHERE all_themes
), candidates AS (
    -- Only negative comments of a readable length can be examples. copy: 1 for the first comment of a theme
    -- with its opening (by id), 2 for the second …, so a cell's best-placed comments are of different texts.
    SELECT *, row_number() OVER (PARTITION BY category, text_key_start ORDER BY comment_id) AS copy
    FROM _tri_comments
    WHERE is_negative AND text_length BETWEEN 40 AND 400 AND channel <> 'report_finding'
), shortlist AS (
    -- Per cell, the first QUOTE_SHORTLIST comments in quoting order (fewest copies, then the most confidently
    -- coded, then the longest, then by id), counted with the same GROUPING SETS as the cells: memory holds
    -- a short list per cell, never a row per comment × dimension × level.
    SELECT icb_code, sub_icb_code, category AS theme, GROUPING(icb_code) = 0 AS at_icb,
           CASE 0 WHEN GROUPING(overall) THEN 'overall' WHEN GROUPING(age_band) THEN 'age_band'
                  WHEN GROUPING(sex) THEN 'sex' WHEN GROUPING(ethnicity_band) THEN 'ethnicity_band'
                  WHEN GROUPING(ethnicity) THEN 'ethnicity' WHEN GROUPING(disability) THEN 'disability'
                  ELSE 'deprivation_quintile' END AS dimension,  -- DIMENSIONS
           coalesce(overall, age_band, sex, ethnicity_band, ethnicity, disability, deprivation_quintile) AS group_value,
           min_by({'comment_id': comment_id, 'text_key_start': text_key_start, 'text_key_end': text_key_end,
                   'theme_probability': theme_probability, 'theme_by_keyword': theme_by_keyword,
                   'sentiment_confidence': sentiment_confidence},
                  {'copy': copy, 'p': -theme_probability, 'length': -text_length, 'comment_id': comment_id},
                  12) AS picks  -- QUOTE_SHORTLIST
    FROM candidates
    GROUP BY GROUPING SETS ({{theme_cells}})
), quotable AS (
    -- Cells of 10+ comments only, their short lists one row per comment, in quoting order (place).
    SELECT k.geography_level, k.geography_code, k.dimension, k.group_value, k.theme, u.place,
           u.pick.comment_id AS comment_id, u.pick.text_key_start AS text_key_start,
           u.pick.text_key_end AS text_key_end, u.pick.theme_probability AS theme_probability,
           u.pick.theme_by_keyword AS theme_by_keyword, u.pick.sentiment_confidence AS sentiment_confidence
    FROM shortlist s
    JOIN comment_cells k
      ON k.geography_level = CASE WHEN s.at_icb THEN 'icb' ELSE 'sub_icb' END
     AND k.geography_code = CASE WHEN s.at_icb THEN s.icb_code ELSE s.sub_icb_code END
     AND k.dimension = s.dimension AND k.group_value = s.group_value AND k.theme = s.theme
    CROSS JOIN LATERAL (SELECT unnest(s.picks) AS pick, generate_subscripts(s.picks, 1) AS place) u
    WHERE k.comments >= 10
), distinct_start AS (
    -- Near-duplicates out: one comment per cell for each opening, then for each ending (the first 60 and last
    -- 60 letters).
    SELECT * FROM quotable
    QUALIFY row_number() OVER (PARTITION BY geography_level, geography_code, dimension, group_value, theme, text_key_start
                               ORDER BY place) = 1
), distinct_text AS (
    SELECT * FROM distinct_start
    QUALIFY row_number() OVER (PARTITION BY geography_level, geography_code, dimension, group_value, theme, text_key_end
                               ORDER BY place) = 1
), picked AS (
    SELECT *, row_number() OVER (PARTITION BY geography_level, geography_code, dimension, group_value, theme
                                 ORDER BY place) AS pick
    FROM distinct_text
    QUALIFY pick <= 3
), examples AS (
    -- Each quote says where it comes from and how sure the coding is: '<comment_id> (theme 0.93, negative 0.88):
    -- <text>', or 'theme by keyword rule' for a keyword topic.
    SELECT p.geography_level, p.geography_code, p.dimension, p.group_value, p.theme,
           list(p.comment_id || ' ('
                || CASE WHEN p.theme_by_keyword THEN 'theme by keyword rule'
                        ELSE 'theme ' || printf('%.2f', p.theme_probability) END
                || coalesce(', negative ' || printf('%.2f', p.sentiment_confidence), '')
                || '): ' || x.text_redacted ORDER BY p.pick) AS example_comments
    FROM picked p JOIN staged.comment_text x USING (comment_id)
    GROUP BY ALL
), cells AS (
    SELECT coalesce(c.geography_level, s.geography_level) AS geography_level,
           coalesce(c.geography_code, s.geography_code) AS geography_code,
           coalesce(c.dimension, s.dimension) AS dimension, coalesce(c.group_value, s.group_value) AS group_value,
           coalesce(c.theme, s.theme) AS theme,
           s.survey_measures, s.survey_measures_worse, s.survey_metric_id, s.survey_worst_gap, s.survey_z,
           s.survey_n_eff, s.survey_worse_998,
           c.comments, c.negative_comments, c.complaints, c.healthwatch_findings, c.healthwatch_reviews, c.stories,
           c.first_comment_date, c.last_comment_date
    FROM comment_cells c
    FULL JOIN _tri_survey s USING (geography_level, geography_code, dimension, group_value, theme)
    WHERE c.geography_code IS NOT NULL OR NOT s.joined_by_keyword  -- a keyword topic's row starts from comments
)
SELECT cells.*, g.group_comments, e.example_comments
FROM cells
LEFT JOIN group_totals g USING (geography_level, geography_code, dimension, group_value)
LEFT JOIN examples e USING (geography_level, geography_code, dimension, group_value, theme)
