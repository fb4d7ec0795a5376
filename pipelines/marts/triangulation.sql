-- Per geography × group × framework category: what the survey, the comments and the complaints say.
-- Inputs (temp): _tri_survey (survey gaps per theme), _tri_comments (coded comments with group columns).
WITH comment_cells AS (
    SELECT geography_level, geography_code, dimension, group_value, category AS theme,
           count(DISTINCT comment_id) AS comments,
           count(DISTINCT comment_id) FILTER (is_negative) AS negative_comments,
           count(DISTINCT comment_id) FILTER (channel = 'complaint') AS complaints,
           count(DISTINCT comment_id) FILTER (source = 'healthwatch') AS healthwatch_findings,
           count(DISTINCT comment_id) FILTER (channel = 'story') AS stories
    FROM _tri_comments GROUP BY ALL
), overall_negative AS (
    SELECT geography_level, geography_code, theme, negative_comments / comments AS overall_negative_share
    FROM comment_cells WHERE dimension = 'overall'
), examples AS (
    SELECT geography_level, geography_code, dimension, group_value, category AS theme,
           list(comment_id || ': ' || text_redacted ORDER BY length(text_redacted) DESC)[1:3] AS example_comments
    FROM (SELECT DISTINCT geography_level, geography_code, dimension, group_value, category, comment_id, text_redacted
          FROM _tri_comments WHERE is_negative AND length(text_redacted) BETWEEN 40 AND 400)
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
WHERE dimension <> 'overall' OR TRUE
