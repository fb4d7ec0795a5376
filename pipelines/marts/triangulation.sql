-- Per geography × group × framework category: what the survey, the comments and the complaints say.
-- Inputs (temp): _tri_survey (survey gaps per theme), _tri_comments (one row per coded comment × category,
-- with its geography and group columns side by side; see triangulation_comments.sql).
WITH sets AS (
    -- Every (geography level × dimension) cell counted in one pass: one grouping set per pair, so memory
    -- holds the cells, never a row per comment × dimension × level.
    SELECT icb_code, sub_icb_code, overall, age_band, sex, ethnicity_band, deprivation_quintile, category AS theme,
           GROUPING(icb_code) = 0 AS at_icb,
           CASE 0 WHEN GROUPING(overall) THEN 'overall' WHEN GROUPING(age_band) THEN 'age_band'
                  WHEN GROUPING(sex) THEN 'sex' WHEN GROUPING(ethnicity_band) THEN 'ethnicity_band'
                  ELSE 'deprivation_quintile' END AS dimension,
           count(*) AS comments,  -- one row per comment in each cell
           count(*) FILTER (is_negative) AS negative_comments,
           count(*) FILTER (channel = 'complaint') AS complaints,
           count(*) FILTER (source = 'healthwatch') AS healthwatch_findings,
           count(*) FILTER (channel = 'story') AS stories
    FROM _tri_comments
    GROUP BY GROUPING SETS (
        (icb_code, overall, category), (icb_code, age_band, category), (icb_code, sex, category),
        (icb_code, ethnicity_band, category), (icb_code, deprivation_quintile, category),
        (sub_icb_code, overall, category), (sub_icb_code, age_band, category), (sub_icb_code, sex, category),
        (sub_icb_code, ethnicity_band, category), (sub_icb_code, deprivation_quintile, category)
    )
), comment_cells AS (
    SELECT CASE WHEN at_icb THEN 'icb' ELSE 'sub_icb' END AS geography_level,
           CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END AS geography_code,
           dimension,
           coalesce(overall, age_band, sex, ethnicity_band, deprivation_quintile) AS group_value,
           theme, comments, negative_comments, complaints, healthwatch_findings, stories
    FROM sets
    WHERE CASE WHEN at_icb THEN icb_code ELSE sub_icb_code END IS NOT NULL
), overall_negative AS (
    SELECT geography_level, geography_code, theme, negative_comments / comments AS overall_negative_share
    FROM comment_cells WHERE dimension = 'overall'
), candidates AS (
    -- Only negative comments of a readable length can be examples: the few rows unpivoted for the pick.
    SELECT comment_id, category AS theme, text_length, icb_code, sub_icb_code,
           overall, age_band, sex, ethnicity_band, deprivation_quintile
    FROM _tri_comments WHERE is_negative AND text_length BETWEEN 40 AND 400
), long AS (
    UNPIVOT candidates ON overall, age_band, sex, ethnicity_band, deprivation_quintile
    INTO NAME dimension VALUE group_value
), placed AS (
    SELECT * EXCLUDE (icb_code, sub_icb_code), 'icb' AS geography_level, icb_code AS geography_code FROM long WHERE icb_code IS NOT NULL
    UNION ALL
    SELECT * EXCLUDE (icb_code, sub_icb_code), 'sub_icb', sub_icb_code FROM long WHERE sub_icb_code IS NOT NULL
), picked AS (
    -- Up to three negative comments of a readable length per cell of 10+ comments; text joined only for these.
    SELECT p.geography_level, p.geography_code, p.dimension, p.group_value, p.theme, p.comment_id, p.text_length
    FROM placed p
    JOIN comment_cells k USING (geography_level, geography_code, dimension, group_value, theme)
    WHERE k.comments >= 10
    QUALIFY row_number() OVER (PARTITION BY p.geography_level, p.geography_code, p.dimension, p.group_value, p.theme
                               ORDER BY p.text_length DESC, p.comment_id) <= 3
), examples AS (
    SELECT p.geography_level, p.geography_code, p.dimension, p.group_value, p.theme,
           list(p.comment_id || ': ' || x.text_redacted ORDER BY p.text_length DESC, p.comment_id) AS example_comments
    FROM picked p JOIN staged.comment_text x USING (comment_id)
    GROUP BY ALL
), cells AS (
    SELECT coalesce(c.geography_level, s.geography_level) AS geography_level,
           coalesce(c.geography_code, s.geography_code) AS geography_code,
           coalesce(c.dimension, s.dimension) AS dimension, coalesce(c.group_value, s.group_value) AS group_value,
           coalesce(c.theme, s.theme) AS theme,
           s.survey_measures, s.survey_worst_gap, s.survey_gap_significant,
           c.comments, c.negative_comments, c.complaints, c.healthwatch_findings, c.stories,
           c.negative_comments / c.comments AS negative_share, o.overall_negative_share
    FROM comment_cells c
    FULL JOIN _tri_survey s USING (geography_level, geography_code, dimension, group_value, theme)
    LEFT JOIN overall_negative o
      ON o.geography_level = coalesce(c.geography_level, s.geography_level)
     AND o.geography_code = coalesce(c.geography_code, s.geography_code) AND o.theme = coalesce(c.theme, s.theme)
)
SELECT cells.*, e.example_comments,
       coalesce(survey_gap_significant AND survey_worst_gap < 0, FALSE)::INTEGER
       + coalesce(comments >= 10 AND negative_share > overall_negative_share + 0.1, FALSE)::INTEGER AS methods_agreeing_worse
FROM cells LEFT JOIN examples e USING (geography_level, geography_code, dimension, group_value, theme)
