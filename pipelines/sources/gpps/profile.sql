-- Respondent composition per organisation and year, from the composition columns of both grammars,
-- in the shared people vocabulary. Rebuilt whole from staged.gpps_results.
CREATE OR REPLACE TABLE staged.gpps_respondent_profile AS
SELECT r.survey_year, r.series, r.level, r.org_code, o.org_name,
       c.dimension, r.option_code,
       c.raw_label,
       CASE WHEN c.dimension = 'ethnicity_band' THEN c.raw_label
            -- q112 offers Non-binary / self-describe: outside the sex vocabulary, inside gender identity's.
            WHEN c.dimension = 'sex' AND harmonise('sex', c.raw_label) LIKE 'Unmapped%'
                THEN harmonise('gender_identity', c.raw_label)
            ELSE harmonise(c.dimension, c.raw_label) END AS value,
       CASE WHEN c.dimension = 'ethnicity' THEN harmonise_band('ethnicity', c.raw_label)
            WHEN c.dimension = 'ethnicity_band' THEN c.raw_label END AS ethnicity_band,
       r.weighted_count AS respondents_weighted,
       r.weighted_proportion AS share,
       r.unweighted_base AS question_base_unweighted,
       r.suppressed,
       r.source_file
FROM staged.gpps_results r
LEFT JOIN staged.gpps_organisations o USING (source_file, source_row)
JOIN ref.gpps_composition_codes c
  ON c.grammar = CASE WHEN r.series = '2024+' THEN 'dot' ELSE 'qn' END
 AND c.question = r.question AND c.option_code = r.option_code;
