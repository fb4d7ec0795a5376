-- Each distinct date text of a table read as a date (_date_texts: date_text, resolved_date, date_ambiguous,
-- date_order, and the grouping column when given), by common.resolve_date_texts, which says the rule.
-- Macros: date_macros.sql. Slots: {{table}} (the table read), {{date_text}} (SQL over its columns: the text),
-- and, for a batch of files read by file, {{group}} ('<column>, ' or empty), {{group_by}} ('GROUP BY <column>'
-- or empty), {{group_column}} ('nums.<column>, ' or empty) and {{majority_join}} (joining each text to its
-- file's majority order: 'JOIN majority m USING (<column>)', or ', majority m' for one file).
CREATE OR REPLACE TEMP TABLE _date_texts AS
WITH texts AS (
    SELECT {{group}}{{date_text}} AS date_text, count(*) AS n FROM {{table}} GROUP BY ALL
), parts AS (
    SELECT *, chorus_iso_date(date_text) AS iso, chorus_date_parts(date_text) AS p
    FROM texts WHERE date_text IS NOT NULL
), nums AS (
    SELECT {{group}}date_text, n, iso, try_cast(nullif(p.a, '') AS INTEGER) AS a,
           try_cast(nullif(p.b, '') AS INTEGER) AS b,
           CASE WHEN p.y <> '' THEN chorus_year(p.y) END AS y
    FROM parts
), majority AS (
    SELECT {{group}}coalesce(sum(CASE WHEN b > 12 THEN n ELSE 0 END), 0)
           > coalesce(sum(CASE WHEN a > 12 THEN n ELSE 0 END), 0) AS month_first
    FROM nums {{group_by}}
)
SELECT {{group_column}}date_text,
       coalesce(iso,
           CASE WHEN a > 12 OR (b <= 12 AND NOT m.month_first) THEN try(make_date(y, b, a))
                ELSE try(make_date(y, a, b)) END) AS resolved_date,
       iso IS NULL AND a IS NOT NULL AND a <= 12 AND b <= 12 AND a <> b AS date_ambiguous,
       CASE WHEN iso IS NOT NULL THEN 'iso' WHEN a > 12 THEN 'd/m/Y' WHEN b > 12 THEN 'm/d/Y'
            WHEN a IS NULL THEN NULL WHEN m.month_first THEN 'm/d/Y (file majority)'
            ELSE 'd/m/Y (file majority)' END AS date_order
FROM nums {{majority_join}}
