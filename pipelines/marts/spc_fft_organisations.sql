-- The ICB of every organisation in the FFT (its latest month's), as fft_estimates.sql places it.
CREATE OR REPLACE TEMP VIEW _fft_organisation_icb AS
SELECT f.level AS geography_level, f.organisation_code AS geography_code,
       arg_max(coalesce(f.icb_code, t.icb_code), f.period) AS icb_code
FROM staged.fft_scores f
LEFT JOIN ref.nhs_trusts t ON t.trust_code = coalesce(f.trust_code, left(f.organisation_code, 3))
WHERE f.organisation_code IS NOT NULL AND coalesce(f.icb_code, t.icb_code) IS NOT NULL
GROUP BY ALL
