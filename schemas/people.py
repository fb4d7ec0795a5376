"""One vocabulary for people (DESIGN.md section 5): every source's demographics map to these values.

The maps are data: ``VOCABULARY`` rows (dimension, spelling as found, harmonised value, band) are loaded
into ``ref.people_vocabulary`` and applied in SQL with the ``harmonise(dimension, value)`` and
``harmonise_band(dimension, value)`` macros. "Not stated" / "Prefer not to say" / unknown stay as their
own values, never dropped; a spelling nobody mapped becomes 'Unmapped: <value>' so it is visible.
"""

from __future__ import annotations

import re
from typing import Literal

import duckdb

Dimension = Literal["age_band", "sex", "gender_identity", "ethnicity", "disability", "carer",
                    "sexual_orientation", "religion"]  # fmt: skip

AGE_BANDS = ("Under 16", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
NOT_STATED = "Not stated"
PREFER_NOT = "Prefer not to say"
UNKNOWN = "Unknown"

# ONS 2021 19 groups: (NHS Data Dictionary ethnic category code, group, 5-band)
ETHNICITY = (
    ("A", "White: English, Welsh, Scottish, Northern Irish or British", "White"),
    ("B", "White: Irish", "White"),
    ("C", "White: Gypsy or Irish Traveller", "White"),
    ("C", "White: Roma", "White"),
    ("C", "White: Any other White background", "White"),
    ("D", "Mixed: White and Black Caribbean", "Mixed"),
    ("E", "Mixed: White and Black African", "Mixed"),
    ("F", "Mixed: White and Asian", "Mixed"),
    ("G", "Mixed: Any other Mixed or multiple ethnic background", "Mixed"),
    ("H", "Asian or Asian British: Indian", "Asian"),
    ("J", "Asian or Asian British: Pakistani", "Asian"),
    ("K", "Asian or Asian British: Bangladeshi", "Asian"),
    ("R", "Asian or Asian British: Chinese", "Asian"),
    ("L", "Asian or Asian British: Any other Asian background", "Asian"),
    ("N", "Black, Black British, Caribbean or African: African", "Black"),
    ("M", "Black, Black British, Caribbean or African: Caribbean", "Black"),
    ("P", "Black, Black British, Caribbean or African: Any other Black background", "Black"),
    ("S", "Other ethnic group: Arab", "Other"),
    ("S", "Other ethnic group: Any other ethnic group", "Other"),
)
ETHNICITY_BANDS = ("White", "Mixed", "Asian", "Black", "Other")


def normalise_spelling(value: str) -> str:
    """How raw values are compared: lower case, punctuation and spacing folded."""
    value = value.replace("\xa0", " ").lower().strip()
    value = re.sub(r"[^a-z0-9+<>]+", " ", value)
    return re.sub(r"\s+", " ", value).strip()


def _rows() -> list[tuple[str, str, str, str | None]]:
    rows: list[tuple[str, str, str, str | None]] = []

    def add(dimension: str, spellings: list[str], value: str, band: str | None = None) -> None:
        for spelling in spellings:
            rows.append((dimension, normalise_spelling(spelling), value, band))

    for dimension in ("age_band", "sex", "gender_identity", "ethnicity", "disability", "carer",
                      "sexual_orientation", "religion"):  # fmt: skip
        add(
            dimension,
            ["not stated", "not known", "unknown", "not recorded", "missing", "blank", "z", "9", "x"],
            NOT_STATED,
            NOT_STATED,
        )
        add(
            dimension,
            ["prefer not to say", "prefer not to answer", "refused", "declined"],
            PREFER_NOT,
            PREFER_NOT,
        )
    # Age bands: GPPS bands, and common alternative spellings / finer bands rolled up.
    bands = {
        "Under 16": ["under 16", "0-15", "<16", "0 15", "under 18", "0-17", "children", "child"],
        "16-24": ["16-24", "16 to 24", "18-24", "16-17", "18 to 24", "17-24", "young adult"],
        "25-34": ["25-34", "25 to 34"],
        "35-44": ["35-44", "35 to 44"],
        "45-54": ["45-54", "45 to 54"],
        "55-64": ["55-64", "55 to 64"],
        "65-74": ["65-74", "65 to 74"],
        "75-84": ["75-84", "75 to 84"],
        "85+": ["85+", "85 or over", "85 and over", "85 plus", "over 85"],
    }
    for band, spellings in bands.items():
        add("age_band", spellings, band, band)
    add("sex", ["male", "m", "man", "1"], "Male", "Male")
    add("sex", ["female", "f", "woman", "2"], "Female", "Female")
    add("sex", ["intersex", "other"], "Other", "Other")
    add("gender_identity", ["male", "man", "m"], "Man", "Man")
    add("gender_identity", ["female", "woman", "f"], "Woman", "Woman")
    add("gender_identity", ["non-binary", "non binary", "nonbinary"], "Non-binary", "Non-binary")
    add(
        "gender_identity",
        ["other", "in another way", "prefer to self-describe", "prefer to self describe"],
        "Other",
        "Other",
    )
    add("gender_identity", ["trans", "transgender", "trans woman", "trans man"], "Trans", "Trans")
    for code, group, band in ETHNICITY:
        short = group.split(": ", 1)[1]
        add(
            "ethnicity",
            [group, code, f"{band} - {short}", f"{band}: {short}", f"{band} {short}"],
            group,
            band,
        )
    add("ethnicity", ["white british", "british", "white english", "english"], ETHNICITY[0][1], "White")
    add("ethnicity", ["irish"], ETHNICITY[1][1], "White")
    add("ethnicity", ["any other white background", "other white", "white other"], ETHNICITY[4][1], "White")
    add("ethnicity", ["indian"], ETHNICITY[9][1], "Asian")
    add("ethnicity", ["pakistani"], ETHNICITY[10][1], "Asian")
    add("ethnicity", ["bangladeshi"], ETHNICITY[11][1], "Asian")
    add("ethnicity", ["chinese"], ETHNICITY[12][1], "Asian")
    add("ethnicity", ["other asian", "any other asian background"], ETHNICITY[13][1], "Asian")
    add("ethnicity", ["african", "black african"], ETHNICITY[14][1], "Black")
    add("ethnicity", ["caribbean", "black caribbean"], ETHNICITY[15][1], "Black")
    add("ethnicity", ["other black", "any other black background"], ETHNICITY[16][1], "Black")
    add("ethnicity", ["arab"], ETHNICITY[17][1], "Other")
    add("ethnicity", ["other", "any other ethnic group", "other ethnic group"], ETHNICITY[18][1], "Other")
    add("ethnicity", ["white", "white (all)"], "White (not specified)", "White")
    add("ethnicity", ["mixed", "mixed or multiple ethnic groups"], "Mixed (not specified)", "Mixed")
    add("ethnicity", ["asian", "asian or asian british"], "Asian (not specified)", "Asian")
    add(
        "ethnicity",
        ["black", "black or black british", "black, black british, caribbean or african"],
        "Black (not specified)",
        "Black",
    )
    for dimension in ("disability", "carer"):
        add(dimension, ["yes", "y", "true", "1"], "Yes", "Yes")
        add(dimension, ["no", "n", "false", "0"], "No", "No")
    add("disability", ["yes, limited a lot", "limited a lot"], "Yes", "Yes")
    add("disability", ["yes, limited a little", "limited a little"], "Yes", "Yes")
    add(
        "sexual_orientation",
        ["heterosexual", "straight", "heterosexual or straight"],
        "Heterosexual or straight",
        "Heterosexual or straight",
    )
    add("sexual_orientation", ["gay", "lesbian", "gay or lesbian"], "Gay or lesbian", "LGB+")
    add("sexual_orientation", ["bisexual"], "Bisexual", "LGB+")
    add(
        "sexual_orientation",
        ["other", "other sexual orientation", "pansexual", "asexual", "queer"],
        "Other sexual orientation",
        "LGB+",
    )
    for religion in (
        "No religion",
        "Christian",
        "Buddhist",
        "Hindu",
        "Jewish",
        "Muslim",
        "Sikh",
        "Any other religion",
    ):
        add("religion", [religion, religion.removeprefix("Any ")], religion, religion)
    add("religion", ["none", "atheist", "no religion or belief"], "No religion", "No religion")
    add(
        "religion",
        ["christianity", "church of england", "catholic", "roman catholic"],
        "Christian",
        "Christian",
    )
    add("religion", ["islam"], "Muslim", "Muslim")
    add("religion", ["other", "other religion"], "Any other religion", "Any other religion")
    # First spelling wins where two values claim one (e.g. 'other' in several dimensions is per dimension).
    seen: set[tuple[str, str]] = set()
    unique = []
    for row in rows:
        if (row[0], row[1]) not in seen:
            seen.add((row[0], row[1]))
            unique.append(row)
    return unique


VOCABULARY: tuple[tuple[str, str, str, str | None], ...] = tuple(_rows())

_MACROS = r"""
CREATE OR REPLACE MACRO normalise_spelling(v) AS
    trim(regexp_replace(regexp_replace(lower(replace(CAST(v AS VARCHAR), chr(160), ' ')), '[^a-z0-9+<>]+', ' ', 'g'), '\s+', ' ', 'g'));
CREATE OR REPLACE MACRO harmonise(dim, v) AS
    CASE WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN 'Not stated'
         ELSE coalesce((SELECT any_value(value) FROM ref.people_vocabulary
                        WHERE dimension = dim AND raw_value = normalise_spelling(v)),
                       'Unmapped: ' || trim(CAST(v AS VARCHAR))) END;
CREATE OR REPLACE MACRO harmonise_band(dim, v) AS
    CASE WHEN v IS NULL OR trim(CAST(v AS VARCHAR)) = '' THEN 'Not stated'
         ELSE coalesce((SELECT any_value(band) FROM ref.people_vocabulary
                        WHERE dimension = dim AND raw_value = normalise_spelling(v)),
                       'Unmapped') END;
"""


def ensure_people_vocabulary(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)load ``ref.people_vocabulary`` and create the ``harmonise`` macros in this database."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    con.execute(
        "CREATE OR REPLACE TABLE ref.people_vocabulary (dimension VARCHAR, raw_value VARCHAR, value VARCHAR, band VARCHAR)"
    )
    # One statement with list parameters: executemany costs milliseconds a row, and this runs in every
    # asset that writes comments.
    columns = [list(column) for column in zip(*VOCABULARY, strict=True)]
    con.execute(
        "INSERT INTO ref.people_vocabulary SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        columns,
    )
    con.execute(
        "COMMENT ON TABLE ref.people_vocabulary IS 'How each source''s spellings of age, sex, ethnicity … map to the shared vocabulary.'"
    )
    for column, text in {
        "dimension": "people dimension: age_band, sex, ethnicity, disability …",
        "raw_value": "a spelling found in a source, lower-cased and trimmed",
        "value": "the shared vocabulary value it maps to (DESIGN.md section 5)",
        "band": "the broader band of that value (e.g. the 5 ethnic group bands), or the value itself",
    }.items():
        con.execute(f"COMMENT ON COLUMN ref.people_vocabulary.{column} IS '{text}'")
    con.execute(_MACROS)


def harmonise(dimension: str, value: str | None) -> str:
    """Python twin of the SQL macro, for small frames and tests."""
    if value is None or not str(value).strip():
        return NOT_STATED
    key = normalise_spelling(str(value))
    for dim, raw, harmonised, _band in VOCABULARY:
        if dim == dimension and raw == key:
            return harmonised
    return f"Unmapped: {str(value).strip()}"
