-- ref.gpps_measures, made empty: one row per survey year and question of the GPPS catalogue (measures.csv,
-- stems_2024plus.csv), filled by catalogue.load_catalogue.
CREATE OR REPLACE TABLE ref.gpps_measures (
    measure_id VARCHAR NOT NULL, survey_year INTEGER NOT NULL, question VARCHAR NOT NULL,
    question_number VARCHAR, wording VARCHAR, positive_codes VARCHAR[], evaluative_codes VARCHAR[],
    summary_code VARCHAR, series VARCHAR, comparable_from INTEGER, comparable_to INTEGER,
    theme VARCHAR, sub_theme VARCHAR, stem_confirmed BOOLEAN NOT NULL, stem_source VARCHAR,
    options VARCHAR[], higher_is_better BOOLEAN NOT NULL
)
