-- Eight coded comments for the comment_themes asset's metadata: redacted text, themes and sentiment.
-- The eight are picked first: joining every comment before the LIMIT took seconds at a million comments, on
-- every run, changed or not.
WITH picked AS (SELECT comment_id, sentiment_class FROM staged.comment_sentiment
                ORDER BY hash(comment_id) LIMIT 8)
SELECT t.text_redacted, string_agg(DISTINCT m.label, '; ') AS themes, p.sentiment_class
FROM picked p JOIN staged.comment_text t USING (comment_id)
JOIN staged.comment_themes m USING (comment_id)
GROUP BY t.comment_id, t.text_redacted, p.sentiment_class ORDER BY hash(t.comment_id)
