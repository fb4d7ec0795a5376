-- What the row rules of loading.STORY_RULES test that _st does not hold (_st_flags, one row per story): its key
-- count and the ODS codes of its services that are not in the ODS reference.
-- Inputs (temp): _st (the staged stories), _st_services (their services).
-- Slots: {{key_count}} (the policy's duplicate-key count), {{unknown_organisation}} (true for a code not in
-- the reference, ods.unknown_organisation_sql over v.organisation_code).
CREATE OR REPLACE TEMP TABLE _st_flags AS
SELECT s.source_row, {{key_count}},
       (SELECT string_agg(v.organisation_code, ', ' ORDER BY v.service_no) FROM _st_services v
        WHERE v.source_row = s.source_row AND {{unknown_organisation}})
       AS unknown_services
FROM _st s
