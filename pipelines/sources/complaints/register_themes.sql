-- Each kept complaint's subjects through ref.complaint_subject_themes, in the order recorded: its framework
-- categories and subcategories; a subject with no row there stays visible as 'Unmapped: <subject>'.
-- Inputs (temp): _reg_keep (the register rows that passed the row rules, with their geography).
CREATE OR REPLACE TEMP TABLE _reg_themes AS
SELECT u.source_row, list(coalesce(t.category, 'Unmapped: ' || u.subject) ORDER BY u.i) AS categories,
       list(coalesce(t.subcategory, 'Unmapped: ' || u.subject) ORDER BY u.i) AS subcategories
FROM (SELECT source_row, unnest(subject_list) AS subject, generate_subscripts(subject_list, 1) AS i
      FROM _reg_keep) u
LEFT JOIN ref.complaint_subject_themes t ON t.subject_key = lower(u.subject)
GROUP BY u.source_row
