-- The records of a table without exactly one staged.comments row and, through its text_ref, exactly one
-- raw.comment_text row (asset_checks.comment_with_text_check), with how many of each they have.
-- Slots: {{table}}, {{record_id}} and {{comment_id}} (its record and comment id columns), {{condition}}
-- (' WHERE ...' restricting the records, or empty).
SELECT r.{{record_id}}, count(DISTINCT c.comment_id) AS comments,
       count(t.comment_id) AS texts
FROM {{table}} r
LEFT JOIN staged.comments c ON c.comment_id = r.{{comment_id}}
LEFT JOIN raw.comment_text t ON t.comment_id = c.text_ref{{condition}}
GROUP BY 1 HAVING comments <> 1 OR texts <> 1
