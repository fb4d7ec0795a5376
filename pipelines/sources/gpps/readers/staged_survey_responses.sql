-- A respondent extract's answers into staged.survey_responses, one row per respondent and answered question,
-- with the catalogue's measure and whether the answer is positive (NULL for a non-evaluative answer).
-- Inputs (temp): _gpps_resp_checked_t (respondents_checked.sql, materialised), _gpps_answers.
-- Slots: {{demographics}} (the demographics harmonised to the people vocabulary, NULL where the file has
-- none), {{ethnicity_band}}, {{passes}} (the row rules' passing predicate).
-- Parameters: $source_file, $file_sha256.
INSERT INTO staged.survey_responses BY NAME
SELECT 'gpps' AS survey, t.survey_year, t.respondent_id, t.practice_code, t.weight,
       {{demographics}}, {{ethnicity_band}} AS ethnicity_band,
       a.question, m.measure_id, a.answer_code,
       CASE WHEN m.measure_id IS NULL OR NOT list_contains(m.evaluative_codes, a.answer_code::VARCHAR) THEN NULL
            ELSE list_contains(m.positive_codes, a.answer_code::VARCHAR) END AS is_positive,
       $source_file AS source_file, $file_sha256 AS file_sha256, t.source_row
FROM (SELECT * FROM _gpps_resp_checked_t WHERE {{passes}}) t
JOIN _gpps_answers a USING (source_row)
LEFT JOIN ref.gpps_measures m ON m.survey_year = t.survey_year AND m.question = a.question
WHERE a.answer_code IS NOT NULL
