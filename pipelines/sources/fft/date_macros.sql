-- Macros reading a day/month/year date written either way round (common.resolve_date_texts): the parts of a
-- d/m/Y-or-m/d/Y text (a, b, y), an ISO date (with or without a time), and a two- or four-digit year.
-- Real exports mix the two orders (the public labelled FFT set has 30/09/2021 beside 1/18/2022).
CREATE OR REPLACE MACRO chorus_date_parts(v) AS
    regexp_extract(trim(replace(CAST(v AS VARCHAR), chr(160), ' ')),
                   '^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})', ['a', 'b', 'y']);
CREATE OR REPLACE MACRO chorus_iso_date(v) AS
    try_strptime(left(trim(CAST(v AS VARCHAR)), 10), '%Y-%m-%d')::DATE;
CREATE OR REPLACE MACRO chorus_year(y) AS
    CASE WHEN length(y) = 2 THEN 2000 + CAST(y AS INTEGER) ELSE CAST(y AS INTEGER) END;
