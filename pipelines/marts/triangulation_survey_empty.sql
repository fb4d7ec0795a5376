-- _tri_survey with no rows (no GPPS catalogue loaded): the columns triangulation_survey.sql makes.
CREATE OR REPLACE TEMP TABLE _tri_survey (
    geography_level VARCHAR, geography_code VARCHAR, dimension VARCHAR, group_value VARCHAR, theme VARCHAR,
    survey_measures BIGINT, survey_measures_worse BIGINT, survey_metric_id VARCHAR, survey_worst_gap DOUBLE,
    survey_z DOUBLE, survey_n_eff DOUBLE, survey_worse_998 BOOLEAN, joined_by_keyword BOOLEAN
);
