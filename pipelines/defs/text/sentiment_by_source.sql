-- The comment_sentiment asset's metadata: per source, comments, how many were read with a rating (FFT score,
-- review stars) beside the words, and the sentiment classes.
SELECT c.source, count(*) AS comments, count(c.rating) AS with_rating,
       count(*) FILTER (WHERE s.sentiment_class = 'positive') AS positive,
       count(*) FILTER (WHERE s.sentiment_class = 'neutral') AS neutral,
       count(*) FILTER (WHERE s.sentiment_class = 'negative') AS negative
FROM staged.comment_sentiment s JOIN staged.comments c USING (comment_id, file_sha256)
GROUP BY 1 ORDER BY 2 DESC
