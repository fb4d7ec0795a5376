-- A respondent extract's answers (_gpps_answers), one row per respondent and question: the answer as written,
-- its code (NULL for a suppression marker), and whether it is neither a code nor a marker.
-- Inputs (temp): _gpps_resp (the file, staged as text).
-- Slots: {{question_columns}} (the quoted question columns), {{suppression_text}} and {{suppression_codes}}
-- (the markers of a held-back answer, common.SUPPRESSION_TEXT_SQL / SENTINELS).
CREATE OR REPLACE TEMP TABLE _gpps_answers AS
SELECT source_row, question, trim(answer) AS answer_text,
       CASE WHEN trim(answer) IN {{suppression_text}} OR try_cast(trim(answer) AS INTEGER) IN {{suppression_codes}}
            THEN NULL ELSE try_cast(trim(answer) AS INTEGER) END AS answer_code,
       trim(answer) NOT IN {{suppression_text}} AND try_cast(trim(answer) AS INTEGER) IS NULL AS bad
FROM (UNPIVOT (SELECT source_row, {{question_columns}} FROM _gpps_resp) ON COLUMNS(* EXCLUDE (source_row))
      INTO NAME question VALUE answer)
