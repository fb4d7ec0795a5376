-- The reviews that passed the row rules, placed (_hwrev_ok): the geography of the service's ODS code on the
-- review date (shared/geography.code_geography_sql), else of the local authority (lookup.la_join).
-- Slots: {{rows}} (the passing reviews with practice / trust code and geo_sub_icb_code / geo_icb_code),
-- {{la_join}} (the LEFT JOIN of the local authority lookup, as la).
CREATE OR REPLACE TEMP TABLE _hwrev_ok AS
SELECT g.*, 'healthwatch_reviews:' || g.review_id AS comment_id,
       la.local_authority_code, coalesce(g.geo_sub_icb_code, la.sub_icb_code) AS sub_icb_code,
       coalesce(g.geo_icb_code, la.icb_code) AS icb_code
FROM ({{rows}}) g
{{la_join}}
