-- A file's kept stories into staged.comments (channel 'story'), their authors' demographics in the people
-- vocabulary (a carer when the author's role says so). Placed afterwards by loading.apply_story_geography.
-- Inputs (temp): _st_ok (the stories that passed the row rules).
-- Slot: {{is_substantive}} (whether the story says something). Parameters: $source_file, $file_sha256.
INSERT INTO staged.comments BY NAME
SELECT 'stories:' || story_id AS comment_id, 'stories' AS source, 'story' AS channel,
       story_id AS source_record_id, published_date AS comment_date, 'stories:' || story_id AS text_ref,
       {{is_substantive}} AS is_substantive, rating, criticality AS rating_as_published,
       harmonise('age_band', author_age_group) AS age_band, harmonise('sex', sex) AS sex,
       harmonise('gender_identity', NULL) AS gender_identity,
       harmonise('ethnicity', ethnicity) AS ethnicity, harmonise_band('ethnicity', ethnicity) AS ethnicity_band,
       harmonise('disability', disability) AS disability,
       harmonise('carer', CASE WHEN lower(author_role) LIKE '%carer%' THEN 'yes' END) AS carer,
       'Not stated' AS sexual_orientation, 'Not stated' AS religion,
       $source_file AS source_file, $file_sha256 AS file_sha256, source_row
FROM _st_ok
