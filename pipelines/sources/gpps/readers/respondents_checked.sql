-- Each respondent with what its row rules test: its first answer that is not a code, and whether its practice
-- is in the practice geography of its survey year.
-- Inputs (temp): _gpps_resp_typed (respondents_typed.sql), _gpps_answers (respondent_answers.sql),
-- _gpps_known_years (survey_year, practice_code).
CREATE OR REPLACE TEMP VIEW _gpps_resp_checked AS
SELECT t.*, (SELECT arg_min(question || '=' || answer_text, question) FROM _gpps_answers a
             WHERE a.source_row = t.source_row AND a.bad) AS bad_answer,
       EXISTS (SELECT 1 FROM _gpps_known_years k WHERE k.practice_code = t.practice_code
               AND k.survey_year = t.survey_year) AS known
FROM _gpps_resp_typed t
