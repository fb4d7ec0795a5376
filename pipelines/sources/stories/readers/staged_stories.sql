-- A file's kept stories into staged.stories, with counts of their services, responses and tags and the date
-- of the first response. Inputs (temp): _st_ok (the stories that passed the row rules), _st_services,
-- _st_responses, _st_tags. Parameters: $source_file, $file_sha256.
INSERT INTO staged.stories BY NAME
SELECT s.story_id, 'stories:' || s.story_id AS comment_id, s.source_format, s.published_date,
       s.submitted_date, s.criticality, s.criticality_level, s.rating, s.author_role, s.author_age_group,
       s.submission_route,
       (SELECT count(*) FROM _st_services v WHERE v.source_row = s.source_row) AS services,
       (SELECT count(*) FROM _st_responses r WHERE r.source_row = s.source_row) > 0 AS responded,
       (SELECT count(*) FROM _st_responses r WHERE r.source_row = s.source_row) AS response_count,
       (SELECT min(response_date) FROM _st_responses r WHERE r.source_row = s.source_row) AS first_response_date,
       (SELECT count(*) FROM _st_tags t WHERE t.source_row = s.source_row AND t.polarity = 'positive') AS tags_positive,
       (SELECT count(*) FROM _st_tags t WHERE t.source_row = s.source_row AND t.polarity = 'negative') AS tags_negative,
       $source_file AS source_file, $file_sha256 AS file_sha256, s.source_row
FROM _st_ok s
