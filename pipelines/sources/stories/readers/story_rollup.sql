-- The geography of each story just placed, from its services (_st_rollup): its first service's organisation,
-- practice and trust, and the sub-ICB / ICB only when every matched service agrees.
-- Inputs (temp): _st_geo (the services placed by loading.apply_story_geography).
CREATE OR REPLACE TEMP TABLE _st_rollup AS
SELECT story_id, arg_min(organisation_code, service_no) AS organisation_code,
       arg_min(practice_code, service_no) FILTER (WHERE practice_code IS NOT NULL) AS practice_code,
       arg_min(trust_code, service_no) FILTER (WHERE trust_code IS NOT NULL) AS trust_code,
       -- A trust has no sub-ICB: a story naming one is not placed in the practice's sub-ICB.
       CASE WHEN count(DISTINCT sub_icb_code) = 1 AND count(sub_icb_code) = count(*)
            THEN any_value(sub_icb_code) END AS sub_icb_code,
       CASE WHEN count(DISTINCT icb_code) = 1 THEN any_value(icb_code) END AS icb_code,
       count(DISTINCT icb_code) AS icbs
FROM staged.story_services WHERE story_id IN (SELECT story_id FROM _st_geo) GROUP BY 1
