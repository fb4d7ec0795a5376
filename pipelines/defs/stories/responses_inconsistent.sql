-- Stories whose feedback-loop columns disagree with staged.story_responses (check responses_consistent):
-- responded is not (response count > 0), the count is not the rows there, or a response predates the story.
SELECT s.story_id, s.responded, s.response_count, count(r.response_no) AS responses,
       s.published_date, min(r.response_date) AS first_response
FROM staged.stories s LEFT JOIN staged.story_responses r USING (story_id)
GROUP BY ALL
HAVING s.responded IS DISTINCT FROM (s.response_count > 0) OR s.response_count <> responses
    OR first_response < s.published_date
