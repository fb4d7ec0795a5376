-- The GPPS parsing macros: whether a published cell is a suppression marker (gpps_sentinel), a cell as a
-- number with the sentinel codes made NULL (gpps_num), and whether a cell is neither a number nor a
-- marker (gpps_bad). Slots: {{suppression_text}}, {{suppression_codes}} (common.SUPPRESSION_TEXT_SQL / SENTINELS).
CREATE OR REPLACE MACRO gpps_sentinel(v) AS
    v IS NOT NULL AND (trim(v) IN {{suppression_text}} OR try_cast(trim(v) AS DOUBLE) IN {{suppression_codes}});
CREATE OR REPLACE MACRO gpps_num(v) AS
    CASE WHEN try_cast(trim(v) AS DOUBLE) IN {{suppression_codes}} THEN NULL ELSE try_cast(trim(v) AS DOUBLE) END;
CREATE OR REPLACE MACRO gpps_bad(v) AS
    v IS NOT NULL AND trim(v) NOT IN {{suppression_text}} AND try_cast(trim(v) AS DOUBLE) IS NULL;
