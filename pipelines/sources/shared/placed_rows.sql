-- Rows placed in the geography of their date (geography.geography_sql): each row of a relation with
-- practice_code, trust_code and geo_date, plus geo_sub_icb_code and geo_icb_code: the practice's version in
-- force on geo_date (the practice_geography_applies macro of geography.sql), else its trust's ICB.
-- Inputs (temp views): _practice_geo, _trust_geo (geography.ensure_geography_views).
-- Slots: {{rows}} (the relation, used twice), {{key}} (its unique key column; every row is returned once).
SELECT r.*, pg.sub_icb_code AS geo_sub_icb_code, coalesce(pg.icb_code, tg.icb_code) AS geo_icb_code
FROM {{rows}} r
LEFT JOIN (
    SELECT r2.{{key}} AS k, any_value(g.sub_icb_code) AS sub_icb_code, any_value(g.icb_code) AS icb_code
    FROM {{rows}} r2 JOIN _practice_geo g ON g.practice_code = r2.practice_code
     AND practice_geography_applies(r2.geo_date, g.applies_from, g.applies_to)
    GROUP BY 1
) pg ON pg.k = r.{{key}}
LEFT JOIN _trust_geo tg ON tg.trust_code = r.trust_code
