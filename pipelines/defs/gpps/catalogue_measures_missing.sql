-- Catalogue measures not found in a loaded GPPS results file of their survey year and series (check
-- catalogue_measures_found_in_files).
WITH files AS (SELECT DISTINCT survey_year, source_file, series FROM staged.gpps_results),
     found AS (SELECT DISTINCT source_file, question FROM staged.gpps_results)
SELECT f.survey_year, f.source_file, m.measure_id, m.question FROM files f
JOIN ref.gpps_measures m ON m.survey_year = f.survey_year AND m.series = f.series
WHERE NOT EXISTS (SELECT 1 FROM found x WHERE x.source_file = f.source_file
                  AND x.question = m.question)
