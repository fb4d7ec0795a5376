"""Organisation and area code shapes (ODS, ONS), said once: every reader, row rule, macro and suite takes
its pattern from here.

Each pattern is unanchored, the form DuckDB's ``regexp_full_match`` and Python's ``re.fullmatch`` take.
The validation suites search (Great Expectations and the SQL runner both use a partial match), so they
wrap a pattern with :func:`anchored`. A pattern with alternatives keeps them in a group, so anchoring it
anchors every alternative.

Where two places check the same kind of code differently, both shapes are here, each named for what it
accepts (an English local authority or any UK one; an ODS trust as ``etr.csv`` lists it or as an FFT
export names one).
"""

from __future__ import annotations

# --- organisations (ODS) ------------------------------------------------------------------------------

# GP practice: a letter and five digits (A81001).
PRACTICE_CODE = "[A-Z][0-9]{5}"
# NHS trust as FFT exports name one: R and two capitals or digits (RXL).
NHS_TRUST_CODE = "R[A-Z0-9]{2}"
# A site of an NHS trust: the trust's code and two more capitals or digits (RXL01).
TRUST_SITE_CODE = "R[A-Z0-9]{2}[A-Z0-9]{2}"
# What an FFT comment row may name its organisation by: a practice, a trust's site or a trust.
PRACTICE_SITE_OR_TRUST_CODE = (
    "(?:" + "|".join(f"(?:{code})" for code in (PRACTICE_CODE, TRUST_SITE_CODE, NHS_TRUST_CODE)) + ")"
)
# What a complaints return may name its organisation by: a practice, a trust or its site, or any other
# provider code of 3 to 5 capitals or digits.
COMPLAINT_ORGANISATION_CODE = f"({PRACTICE_CODE}|{NHS_TRUST_CODE}([A-Z0-9]{{2}})?|[A-Z0-9]{{3,5}})"
# A trust code as ODS etr.csv lists it: any three capitals or digits (not only R codes).
ETR_TRUST_CODE = "[A-Z0-9]{3}"
# The organisation code in epraccur's first field: 3 to 8 capitals or digits (practices and other settings).
EPRACCUR_ORGANISATION_CODE = "[A-Z0-9]{3,8}"
# Any ODS organisation code a staged table may hold: practice A12345, trust RXX, site RXX01, independent
# provider NT4 / AXG12 ...
ODS_CODE = "[A-Z0-9]{3,9}"
# An organisation or aggregate code in an FFT data sheet's code column (ICB QXX ... practice A81001).
FFT_SHEET_CODE = "[A-Z0-9]{3,6}"
# The characters of any ODS code, whatever its length (capitals and digits).
ODS_CHARACTERS = "[A-Z0-9]+"

# --- NHS geography (ODS) --------------------------------------------------------------------------------

# CCG / sub-ICB location: 3 characters (00K), or 5 for the 2020/21 mergers (W2U3Z).
SUB_ICB_CODE = "([0-9A-Z]{3}|[0-9A-Z]{5})"
# ICB / STP: Q and two characters (QHM).
ICB_CODE = "Q[A-Z0-9]{2}"
# NHS England region: Y and two characters (Y56; the synthetic sample uses YZ9).
REGION_CODE = "Y[0-9A-Z]{2}"

# --- areas (ONS) ---------------------------------------------------------------------------------------

# Any UK local authority district: E, W, S or N and eight digits.
LAD_CODE = "[EWSN][0-9]{8}"
# An English local authority district as the ONS LAD → ICB lookup holds them: E06 / E07 / E08 / E09 and six
# digits (unitary, non-metropolitan, metropolitan, London borough).
ENGLISH_LAD_CODE = "E0[6-9][0-9]{6}"
# LSOA (2011): E01 / W01 and six digits (E01000001), as the suite checks it.
LSOA_CODE = "[EW]01[0-9]{6}"
# Any England / Wales area code of the E0 / W0 families and seven digits (output areas E00, LSOAs E01,
# MSOAs E02, LADs E06-E09 …): the looser shape the LSOA reader's row rule has always checked.
ENGLAND_WALES_AREA_CODE = "[EW]0[0-9]{7}"
# A postcode's outward code only (never a full postcode: that would identify a household).
POSTCODE_DISTRICT = "[A-Z]{1,2}[0-9][0-9A-Z]?"


def anchored(pattern: str) -> str:
    """``pattern`` anchored at both ends (``^…$``), for the suites, whose regex checks search."""
    return f"^{pattern}$"
