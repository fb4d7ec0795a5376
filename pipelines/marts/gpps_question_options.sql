-- marts.gpps_question_options: the published share of every answer option of every catalogued GPPS question,
-- per organisation and survey year, with the base it is a share of. Never re-derived: each share is the file's
-- own option percentage (2017-2023: qN_kpct, on the evaluative base qN_<codes>base for an option inside it, else
-- on the full base qNbase; 2024+: <stem>_k.pct, on the full weighted base <stem>.basefullw).
-- Only measure-years whose stem the catalogue confirms are published, as in gpps_published_estimates.sql (whose
-- geography level names this repeats). Disclosure (docs/DESIGN.md section 8, the survey rule of
-- marts.metric_by_group): a share on fewer than $min_base respondents, or on no published base, is withheld
-- (small_base), and so is one the file itself withheld (suppressed_at_source); the unweighted base is rounded to
-- the nearest $round_to (halves away from zero, as methods/disclosure.round_to_base) except on the national
-- publication's England row, which is published as Ipsos published it.
WITH options AS (
    SELECT
        CASE r.level WHEN 'practice' THEN 'practice' WHEN 'pcn' THEN 'pcn' WHEN 'ccg' THEN 'sub_icb'
                     WHEN 'ics' THEN 'icb' WHEN 'stp' THEN 'icb' WHEN 'region' THEN 'region'
                     WHEN 'national' THEN 'england' ELSE r.level END AS geography_level,
        r.org_code AS geography_code,
        r.survey_year,
        r.series,
        m.measure_id AS metric_id,
        r.question,
        m.question_number,
        m.wording AS question_wording,
        r.option_code,
        m.options[CAST(r.option_code AS INTEGER)] AS option_label,
        list_contains(m.positive_codes, r.option_code) AS is_positive,
        list_contains(m.evaluative_codes, r.option_code) AS in_evaluative_base,
        CASE WHEN r.series = '2017-2023' AND list_contains(m.evaluative_codes, r.option_code)
             THEN 'evaluative_base' ELSE 'full_base' END AS share_of,
        r.weighted_proportion AS share,
        r.unweighted_base,
        r.weighted_base,
        CASE WHEN NOT coalesce(r.unweighted_base >= $min_base, FALSE) THEN 'small_base'
             WHEN r.weighted_proportion IS NULL THEN 'suppressed_at_source'
             ELSE '' END AS suppression_reason
    FROM staged.gpps_results r
    JOIN ref.gpps_measures m
      ON m.question = r.question AND m.survey_year = r.survey_year AND m.stem_confirmed
    -- Single options only: the combined summaries (qN_12, .counteval) are marts.metric_by_group's rows.
    WHERE TRY_CAST(r.option_code AS INTEGER) BETWEEN 1 AND len(m.options)
    QUALIFY row_number() OVER (PARTITION BY r.level, r.org_code, r.survey_year, r.question, r.option_code
                               ORDER BY r.source_file) = 1
)
SELECT
    geography_level, geography_code,
    CAST(survey_year AS VARCHAR) AS period,
    make_date(survey_year, $start_month, 1) AS period_start,
    last_day(make_date(survey_year, $end_month, 1)) AS period_end,
    'gpps_survey_year' AS period_kind,
    series, metric_id, question, question_number, question_wording, option_code, option_label, is_positive,
    in_evaluative_base, share_of,
    CASE WHEN suppression_reason = '' THEN share END AS share,
    CASE WHEN suppression_reason <> '' THEN NULL
         WHEN geography_level = 'england' THEN unweighted_base
         ELSE sign(unweighted_base) * floor(abs(unweighted_base) / $round_to + 0.5) * $round_to END AS unweighted_base,
    CASE WHEN suppression_reason = '' THEN weighted_base END AS weighted_base,
    suppression_reason <> '' AS suppressed,
    suppression_reason
FROM options
