-- Geography as of a date, said once (docs/ARCHITECTURE.md, "Geography as of a date").
-- A practice is placed on date d by the one version of it that applies on d: the version in force on d, its
-- first version for earlier dates and its last for later ones (ref.practice_geography_versions.applies_from /
-- applies_to). A NULL date means today: the practice's last version.
CREATE OR REPLACE TEMP MACRO practice_geography_applies(on_date, span_from, span_to) AS
    CASE WHEN on_date IS NULL THEN span_to IS NULL
         ELSE (span_from IS NULL OR on_date >= span_from) AND (span_to IS NULL OR on_date < span_to) END;

-- A row rule, not a placement: is a practice listed in the geography of survey year y? Listed when one of its
-- versions overlaps the year, or the year is older than every extract (no extract can say otherwise).
CREATE OR REPLACE TEMP MACRO practice_listed_in_year(y, version_from, version_to) AS
    (version_from <= make_date(y, 12, 31) AND (version_to IS NULL OR version_to > make_date(y, 1, 1)))
    OR (version_from = (SELECT min(v.valid_from) FROM ref.practice_geography_versions v)
        AND make_date(y, 1, 1) < version_from);
