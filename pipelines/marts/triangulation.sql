-- Per geography × group × framework category: what the survey, the comments and the complaints say.
-- Inputs (temp): _tri_survey (survey gaps per theme), _tri_comments (coded comments with group columns).
WITH comment_cells AS (
    SELECT geography_level, geography_code, dimension, group_value, category AS theme,
           count(*) AS comments,  -- one row per comment in each cell
           count(*) FILTER (is_negative) AS negative_comments,
           count(*) FILTER (channel = 'complaint') AS complaints,
           count(*) FILTER (source = 'healthwatch') AS healthwatch_findings,
           count(*) FILTER (channel = 'story') AS stories
    FROM _tri_comments GROUP BY ALL
), overall_negative AS (
    SELECT geography_level, geography_code, theme, negative_comments / comments AS overall_negative_share
    FROM comment_cells WHERE dimension = 'overall'
), picked AS (
    -- Up to three negative comments of a readable length per cell of 10+ comments; text joined only for these.
    SELECT geography_level, geography_code, dimension, group_value, category AS theme, comment_id, text_length
    FROM _tri_comments t
    WHERE is_negative AND text_length BETWEEN 40 AND 400
      AND EXISTS (SELECT 1 FROM comment_cells k
                  WHERE k.geography_level = t.geography_level AND k.geography_code = t.geography_code
                    AND k.dimension = t.dimension AND k.group_value = t.group_value AND k.theme = t.category
                    AND k.comments >= 10)
    QUALIFY row_number() OVER (PARTITION BY geography_level, geography_code, dimension, group_value, category
                               ORDER BY text_length DESC, comment_id) <= 3
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
