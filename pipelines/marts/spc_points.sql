-- The points of the control charts (marts.spc): each organisation's published monthly FFT share positive and
-- quarterly complaints rate, from marts.metric_by_group (published figures only; a suppressed period is no
-- point), with the ICB the organisation belongs to. Only series with at least $min_points points are charted.
-- Inputs (temp): _practice_geo (sources/shared/geography.py), _fft_organisation_icb (spc_fft_organisations.sql).
WITH points AS (
    SELECT geography_level, geography_code, metric_id, metric_name, source, period, period_start, period_end,
           period_kind, value, higher_is_better
    FROM marts.metric_by_group
    WHERE dimension = 'overall' AND NOT suppressed AND value IS NOT NULL
      AND ((source = 'fft' AND metric_id LIKE 'fft_positive_%' AND period_kind = 'month'
            AND geography_level IN ('trust', 'site', 'practice'))
        OR (source = 'complaints' AND metric_id = 'complaints_per_10k'
            AND period_kind IN ('financial_year_quarter', 'calendar_quarter') AND geography_level = 'practice'))
    QUALIFY count(*) OVER (PARTITION BY geography_level, geography_code, metric_id, source, period_kind) >= $min_points
), practices AS (
    SELECT practice_code AS geography_code, any_value(icb_code) AS icb_code
    FROM _practice_geo WHERE valid_to IS NULL AND icb_code IS NOT NULL
    GROUP BY ALL
)
SELECT coalesce(f.icb_code, p.icb_code) AS icb_code, points.*
FROM points
LEFT JOIN _fft_organisation_icb f
       ON points.source = 'fft' AND f.geography_level = points.geography_level
      AND f.geography_code = points.geography_code
LEFT JOIN practices p ON points.geography_level = 'practice' AND p.geography_code = points.geography_code
