-- FFT % positive and % negative per organisation and month, and summed to ICB from organisations
-- (counts can be summed; the workbook's own England/ICB rows stay in staged.fft_aggregate_scores).
WITH orgs AS (
    SELECT level AS geography_level, organisation_code AS geography_code, strftime(period, '%Y-%m') AS period,
           setting, coalesce(very_good, 0) + coalesce(good, 0) AS positive,
           coalesce(poor, 0) + coalesce(very_poor, 0) AS negative, total_responses AS responses,
           coalesce(f.icb_code, t.icb_code) AS icb_code
    FROM staged.fft_scores f
    LEFT JOIN ref.nhs_trusts t ON t.trust_code = coalesce(f.trust_code, left(f.organisation_code, 3))
    WHERE total_responses IS NOT NULL AND NOT is_suppressed AND organisation_code IS NOT NULL
), placed AS (
    SELECT geography_level, geography_code, period, setting, positive, negative, responses FROM orgs
    WHERE geography_level IN ('trust', 'practice', 'site')
    UNION ALL
    SELECT 'icb', icb_code, period, setting, positive, negative, responses FROM orgs
    WHERE icb_code IS NOT NULL AND geography_level IN ('trust', 'practice')
), summed AS (
    SELECT geography_level, geography_code, period, setting, sum(positive) AS positive,
           sum(negative) AS negative, sum(responses) AS responses
    FROM placed GROUP BY ALL
)
SELECT geography_level, geography_code, period, 'fft_positive_' || setting AS metric_id,
       'FFT: share of responses very good or good (' || setting || ')' AS metric_name, 'fft' AS source,
       'overall' AS dimension, 'All' AS group_value, positive AS numerator, responses AS denominator,
       responses AS unweighted_n, responses AS n_eff, NULL::DOUBLE AS value, NULL::DOUBLE AS lower_95,
       NULL::DOUBLE AS upper_95, TRUE AS count_based, TRUE AS higher_is_better
FROM summed
UNION ALL
SELECT geography_level, geography_code, period, 'fft_negative_' || setting,
       'FFT: share of responses poor or very poor (' || setting || ')', 'fft', 'overall', 'All', negative,
       responses, responses, responses, NULL, NULL, NULL, TRUE, FALSE
FROM summed
