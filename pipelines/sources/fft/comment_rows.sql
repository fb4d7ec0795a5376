-- A batch of FFT comment exports' rows, typed in one pass: _fc_batch (file_no, source_row + the FIELDS of
-- comments.py, as written), _fc_files (file_no → namespace) and _date_texts (resolve_date_texts over the
-- cleaned date, per file) → _fc_rows: one row per row read, with all the row rules, raw.comment_text,
-- staged.comments and the details need, and whether it passes the row rules (worked out once, here, for the
-- three tables written from it). Slot: {{passes}} (the row rules' passing predicate, comments.COMMENT_RULES).
-- Macros (comments.ensure_comment_macros): fft_clean_text (spaces folded, '' → NULL), fft_ods_code (an
-- ODS practice / trust / site code, upper-cased, else NULL), fft_practice_code (true for a practice code).
CREATE OR REPLACE TEMP TABLE _fc_rows AS
SELECT *, {{passes}} AS passes FROM (
WITH base AS (
    SELECT c.* EXCLUDE (record_id), fft_clean_text(c.record_id) AS record_id, fft_clean_text(c.date) AS date_text,
           coalesce(fft_ods_code(c.organisation_code), fft_ods_code(c.organisation), fft_ods_code(c.location_1),
                    fft_ods_code(c.location_2)) AS org_code
    FROM _fc_batch c
), coded AS (
    SELECT b.*, d.resolved_date AS comment_date, coalesce(d.date_ambiguous, FALSE) AS date_ambiguous, d.date_order,
           CASE WHEN NOT fft_practice_code(b.org_code) THEN left(b.org_code, 3) END AS trust_code,
           CASE WHEN fft_practice_code(b.org_code) THEN b.org_code END AS practice_code
    FROM base b LEFT JOIN _date_texts d ON d.file_no = b.file_no AND d.date_text = b.date_text
)
SELECT c.*,
    (c.file_no::BIGINT << 32) + c.source_row AS batch_row,  -- a row's key across the batch's files
    c.comment_date AS geo_date,
    -- Ids are unique per source and path: without an organisation, the file's path is the namespace.
    'fft:' || coalesce(c.trust_code, c.org_code, fft_clean_text(c.organisation), f.namespace) || ':' || c.record_id
        AS comment_id,
    row_number() OVER (PARTITION BY c.file_no, c.record_id, coalesce(c.org_code, c.organisation)
                       ORDER BY c.source_row) AS occurrence,
    fft_clean_text(c.comment) AS comment_text  -- once: raw.comment_text and is_substantive both read it
FROM coded c JOIN _fc_files f USING (file_no)
)
