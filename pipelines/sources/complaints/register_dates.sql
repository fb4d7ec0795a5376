-- A complaints register's rows with their dates resolved and their subjects split into a list.
-- Inputs (temp): _reg_fields (the register's fields, cleaned), _reg_received (resolve_dates of date received)
-- and _dates (resolve_dates of date closed), both keyed by source_row.
CREATE OR REPLACE TEMP TABLE _reg_typed AS
SELECT r.*, upper(r.organisation_code) AS org, rc.resolved_date AS received_date, cl.resolved_date AS closed_date,
       coalesce(rc.date_ambiguous, FALSE) OR coalesce(cl.date_ambiguous, FALSE) AS date_ambiguous,
       list_filter(list_transform(regexp_split_to_array(coalesce(r.subjects, ''), '\s*[;|]\s*'), lambda s: trim(s)),
                   lambda s: s <> '') AS subject_list
FROM _reg_fields r
LEFT JOIN _reg_received rc ON rc.key = r.source_row
LEFT JOIN _dates cl ON cl.key = r.source_row
