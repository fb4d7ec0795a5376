-- Each file the register describes, with its geography from the local authority (a code or a name, through
-- the lookup; an English LAD code the lookup lacks is kept as the code); a query used inside the report
-- loader's statements. A file described differently by two rows appears twice (ambiguous).
-- Slot: {{la_join}} (the LEFT JOIN of the local authority lookup, as la).
-- Parameter: $english_lad_code (the English local authority district code pattern).
SELECT r.file_key, r.local_healthwatch, r.local_authority,
       coalesce(la.local_authority_code,
                CASE WHEN regexp_full_match(upper(trim(r.local_authority)), $english_lad_code)
                     THEN upper(trim(r.local_authority)) END) AS local_authority_code,
       coalesce(la.local_authority_name, r.local_authority) AS local_authority_name,
       la.sub_icb_code, la.icb_code, r.publication_date, r.service_type, r.title,
       r.source_file AS register_file
FROM staged.healthwatch_register r {{la_join}}
