"""What several sources' suites share: plausible years and the people vocabulary as regexes (code shapes are
in ``pipelines/sources/shared/codes.py``)."""

import duckdb

from pipelines.validation.expectations import Expect, RowCountRule, in_set, matches, one_of
from schemas.people import AGE_BANDS, NOT_STATED, PREFER_NOT, VOCABULARY

# Feedback in Chorus is this century's: FFT began in 2013, Care Opinion in 2005, Healthwatch in 2013.
YEARS = (2000, 2035)

PEOPLE_COLUMNS = ("age_band", "sex", "gender_identity", "ethnicity", "disability", "carer",
                  "sexual_orientation", "religion")  # fmt: skip


def _values(dimension: str) -> set[str]:
    values = {value for dim, _raw, value, _band in VOCABULARY if dim == dimension}
    return values | {NOT_STATED, PREFER_NOT}


def vocabulary(dimension: str) -> str:
    """Regex: a harmonised value of ``dimension`` or 'Unmapped: <as written>' (visible, never dropped)."""
    values = _values(dimension)
    if dimension == "age_band":
        values |= set(AGE_BANDS)
    return one_of(sorted(values), unmapped=True)


def ethnicity_bands() -> list[str]:
    """The five bands, the two non-answers and 'Unmapped' (what ``harmonise_band`` returns)."""
    bands = {band for dim, _raw, _value, band in VOCABULARY if dim == "ethnicity" and band}
    return sorted(bands | {NOT_STATED, PREFER_NOT, "Unmapped"})


def people(*columns: str) -> tuple[Expect, ...]:
    """Each demographic column holds the shared vocabulary (``ethnicity_band`` its bands)."""
    out = []
    for column in columns:
        if column == "ethnicity_band":
            out.append(in_set(column, ethnicity_bands()))
        else:
            out.append(matches(column, vocabulary(column)))
    return tuple(out)


def incremental_rows(high: int) -> RowCountRule:
    """Rows a file of an incremental export may put in a table: 0 only when it read no rows at all.

    A header-only export (nothing new since the last one) loads 0 rows and passes; a file whose every row
    was quarantined still fails (a sound-looking file must never publish nothing without saying so).
    """

    def rule(con: duckdb.DuckDBPyConnection, table: str, source_file: str) -> tuple[int, int]:
        row = con.execute(
            "SELECT count(*) FROM quarantine.rows WHERE source_file = ?", [source_file]
        ).fetchone()
        return (1 if row and row[0] else 0), high

    return rule
