-- The share of an age slice [slice_from, slice_to] that falls in the band [band_from, band_to] (NULL upper end:
-- open, e.g. 95+ or 85+), patients spread evenly over the single years of a closed slice: NHS Digital's quinary
-- 15-19 gives 4/5 of its patients to 16-24 and 1/5 to Under 16. An open slice lies wholly in the band holding
-- its first age. The same rule takes the European Standard Population's five-year bands to the numerator's bands.
CREATE OR REPLACE TEMP MACRO age_overlap(slice_from, slice_to, band_from, band_to) AS
    CASE WHEN slice_to IS NULL
         THEN CASE WHEN slice_from >= band_from AND (band_to IS NULL OR slice_from <= band_to) THEN 1.0 ELSE 0.0 END
         ELSE greatest(0, least(slice_to, coalesce(band_to, slice_to)) - greatest(slice_from, band_from) + 1)
              / (slice_to - slice_from + 1) END;
