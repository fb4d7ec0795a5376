-- _tri_comments with no rows (no coded comments): the columns triangulation_comments.sql makes.
CREATE OR REPLACE TEMP TABLE _tri_comments (
    comment_id VARCHAR, source VARCHAR, channel VARCHAR, icb_code VARCHAR, sub_icb_code VARCHAR, comment_date DATE,
    is_negative BOOLEAN, sentiment_confidence DOUBLE, text_length BIGINT, text_key_start UBIGINT,
    text_key_end UBIGINT, overall VARCHAR, age_band VARCHAR, sex VARCHAR, ethnicity_band VARCHAR, ethnicity VARCHAR,
    disability VARCHAR, deprivation_quintile VARCHAR, category VARCHAR, theme_probability DOUBLE,
    theme_by_keyword BOOLEAN, first_theme BOOLEAN
);
