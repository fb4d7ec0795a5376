-- The placed reviews into staged.comments (channel 'review'; 5 stars → rating 1), their demographics in the
-- people vocabulary. Inputs (temp): _hwrev_ok (reviews_placed.sql).
-- Slot: {{is_substantive}} (whether the review text says something). Parameters: $source_file, $file_sha256.
INSERT INTO staged.comments BY NAME
SELECT comment_id, 'healthwatch_reviews' AS source, 'review' AS channel, review_id AS source_record_id,
       organisation_code, practice_code, trust_code, sub_icb_code, icb_code, local_authority_code,
       review_date AS comment_date, 'Tell us about your experience of ' || coalesce(service_name, 'this service') AS question,
       comment_id AS text_ref, {{is_substantive}} AS is_substantive,
       6 - stars AS rating, stars_text || ' star' || CASE WHEN stars = 1 THEN '' ELSE 's' END AS rating_as_published,
       harmonise('age_band', age) AS age_band, harmonise('sex', sex) AS sex,
       harmonise('gender_identity', gender) AS gender_identity, harmonise('ethnicity', ethnicity) AS ethnicity,
       harmonise_band('ethnicity', ethnicity) AS ethnicity_band, harmonise('disability', disability) AS disability,
       harmonise('carer', carer) AS carer, harmonise('sexual_orientation', sexual_orientation) AS sexual_orientation,
       harmonise('religion', religion) AS religion, $source_file AS source_file, $file_sha256 AS file_sha256, source_row
FROM _hwrev_ok
