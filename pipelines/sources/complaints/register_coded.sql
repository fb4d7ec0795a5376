-- A complaints register's rows coded: the outcome in Chorus's words (NULL when it is none of them), the
-- practice or trust the organisation code names, and the complaint and comment ids.
-- Inputs (temp): _reg_typed (register_dates.sql). Parameters: $practice_code (the practice code pattern).
CREATE OR REPLACE TEMP TABLE _reg_typed AS
SELECT * EXCLUDE (organisation_code), org AS organisation_code,
       CASE regexp_replace(lower(trim(coalesce(outcome, ''))), '[^a-z ]', '', 'g')
           WHEN 'upheld' THEN 'Upheld' WHEN 'partially upheld' THEN 'Partially upheld' WHEN 'partly upheld' THEN 'Partially upheld'
           WHEN 'not upheld' THEN 'Not upheld' WHEN 'withdrawn' THEN 'Withdrawn'
           WHEN 'open' THEN 'Open' WHEN 'ongoing' THEN 'Open' WHEN 'under investigation' THEN 'Open'
           WHEN '' THEN CASE WHEN closed_date IS NULL THEN 'Open' END
       END AS outcome_value,
       CASE WHEN regexp_full_match(org, $practice_code) THEN org END AS practice_code,
       CASE WHEN NOT regexp_full_match(org, $practice_code) THEN left(org, 3) END AS trust_code,
       org || '/' || complaint_reference AS complaint_id,
       'complaints:' || org || '/' || complaint_reference || ':description' AS comment_id,
       received_date AS geo_date
FROM _reg_typed
