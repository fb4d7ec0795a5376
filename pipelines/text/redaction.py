"""Offline PII redaction of patient comments: personal data goes before anything else reads the text.

Every comment passes through :func:`redact` before it is stored, modelled or shown. Each detected item
is replaced by a placeholder naming its kind, e.g. ``[NHS_NUMBER]``; the result also lists the kinds
found (one entry per redaction, in order of appearance in the original text), never the values.
Everything here is regular expressions plus the ``phonenumbers`` library: no network, no model files.

What IS caught (always on)
--------------------------
- ``[NHS_NUMBER]``: 10 digits, contiguous or 3-3-4 with spaces or hyphens, that pass the modulus-11
  check (weights 10..2 on digits 1-9, check = 11 - (sum mod 11), 11 -> 0, 10 -> invalid). Ten-digit
  numbers failing the check are left alone (they are usually order or reference numbers).
- ``[POSTCODE]``: UK postcodes in the BS 7666 shapes (A9, A99, A9A, AA9, AA99, AA9A outward codes, with the
  positional letter rules), any case, with or without the space; ``GIR 0AA``; ZZ99 pseudo-postcodes
  (e.g. ``ZZ99 3VZ``). The postcode is not checked against a list of live postcodes.
- ``[PHONE]``: UK numbers (national ``0...``, ``+44``, ``0044``, with spaces, hyphens, brackets) that
  ``phonenumbers`` (region GB, leniency VALID) accepts. A cheap regex finds candidates first because
  ``phonenumbers`` costs ~100 us per call. Invalid numbers, e.g. the Ofcom drama mobile range
  07700 900xxx, are not redacted; nor are numbers without a leading 0/+44 (e.g. "1134960123").
- ``[EMAIL]``: ``local@domain.tld`` addresses.
- ``[URL]``: anything starting ``http://``, ``https://`` or ``www.`` up to whitespace (trailing
  punctuation is kept out; a link inside brackets, as Markdown writes it, ends at the closing bracket), and
  bare domains with or without a path, port or query (``nhs.uk/conditions``, ``example.org/page``,
  ``111.nhs.uk``, ``bit.ly/3xYz``, ``GOV.UK/BLUE-BADGE``) whose last label is one of com, org, net, uk,
  gov, edu, info, biz, io, ly, co, eu, ie. Abbreviations and run-on sentences ("e.g.", "i.e.", "Dr.Smith",
  "N.Tees", "a.m.", "ward.It") end in no listed domain and are left alone.
- ``[NI_NUMBER]``: National Insurance numbers: two prefix letters (first not D F I Q U V; second not
  D F I O Q U V; not BG GB KN NK NT TN ZZ), six digits, suffix A-D, optional single spaces between the
  groups, any case (lowercase common English two-letter words such as "at"/"on" are not taken as a prefix).
- ``[DATE_OF_BIRTH]``: a date after a birth cue ("DOB", "D.O.B.", "d/o/b", "DoB", "date of birth",
  "date-of-birth", "born", "birthday", "birth date"), with or without a space, a colon, brackets or up to
  four linking words in between ("is", "was", "on the", "recorded as", "should be" ...); or a date before
  its cue when the cue is in brackets ("3.3.61 (DOB)") or follows "is/was <whose>" ("03/03/1961 is my date
  of birth"; not "birthday", which names the day of a party). Dates as 01/02/1980, 1-2-80, 1.2.80,
  "3 / 3 / 1961", 1961-03-03, 03031961, 1 February 1980, 1st Feb 1980, 1st of Feb '80, 03-Mar-61,
  03MAR1961, February 1st 1980. Only the date is replaced ("DOB [DATE_OF_BIRTH]"), so the cue stays
  readable.

What is NOT caught (by design or limitation)
--------------------------------------------
- Dates outside a birth cue (appointment dates, "on 12/03/2024"), a date before "birthday" ("12/03/2024
  was my birthday"), birth dates without a year ("my birthday is 3rd May") and a year alone ("born in
  1980").
- Domains under other top-level domains (``example.de``, ``example.me``) unless written with ``http`` or
  ``www``.
- Times, prices, dosages, ward/bed numbers, years, percentages, counts: deliberately left alone.
- Hospital numbers / MRNs, NHS numbers split in other shapes (e.g. 3-4-3), foreign phone numbers,
  street addresses without a postcode, and names (unless ``names=True``).

Optional names (``names=True``, off by default)
-----------------------------------------------
No offline English NER model is published on the package registry by its own authors (spaCy's models
are not there), so names are found by pattern only, and recall is limited:

- a title or role followed by one or two Capitalised words: Dr / Doctor / Mr / Mrs / Ms / Miss / Mx /
  Prof / Professor / Nurse / Sister / Matron / Midwife (the title itself is kept: "Dr [NAME]");
- one or two Capitalised words after "my name is", "I am called", "called", "named", "name's".

A stop-list stops family words (Mum, Dad...), services and acronyms (NHS, GP, COVID, A&E...), days,
months, common ward names (Oak, Willow...), role words ("Nurse Practitioner") and pronouns from being
taken as names. NOT caught: names without a title or cue ("Sarah was lovely"), lowercase names
("dr smith"), first names after "nurse" that are also stop-listed words, and names in other scripts.
Expect some false positives on capitalised non-name words after "called".

Speed: regexes are compiled once at import. ``redact`` returns at once (no allocation beyond the
result) for texts with no digit, no "@", no "www"/"http" and no listed top-level domain after a dot when
``names=False`` — most comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import phonenumbers

__all__ = [
    "PII_KINDS",
    "PLACEHOLDERS",
    "RedactionResult",
    "is_valid_nhs_number",
    "nhs_check_digit",
    "redact",
    "redact_many",
    "rescan_for_pii",
]

NHS_NUMBER = "NHS_NUMBER"
POSTCODE = "POSTCODE"
PHONE = "PHONE"
EMAIL = "EMAIL"
URL = "URL"
NI_NUMBER = "NI_NUMBER"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
NAME = "NAME"

#: Every kind this module can emit. All but NAME are always on; NAME only with ``names=True``.
PII_KINDS: tuple[str, ...] = (NHS_NUMBER, POSTCODE, PHONE, EMAIL, URL, NI_NUMBER, DATE_OF_BIRTH, NAME)

#: The text that replaces each kind.
PLACEHOLDERS: dict[str, str] = {kind: f"[{kind}]" for kind in PII_KINDS}

# When two detections overlap, the one starting first wins, then the longer one, then this order.
# Containers (URL, email) come first so digits inside them are not double-reported.
_PRIORITY: dict[str, int] = {
    kind: i
    for i, kind in enumerate((URL, EMAIL, NI_NUMBER, PHONE, NHS_NUMBER, DATE_OF_BIRTH, POSTCODE, NAME))
}


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """A redacted text and the kinds that were replaced (in order of appearance, one per redaction)."""

    text: str
    kinds: tuple[str, ...] = ()


# A span is (start, end, kind) on the original text.
_Span = tuple[int, int, str]

# ---------------------------------------------------------------------------------------------------------
# NHS number
# ---------------------------------------------------------------------------------------------------------

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def nhs_check_digit(first_nine: str) -> int | None:
    """Return the modulus-11 check digit for the first nine digits of an NHS number.

    Returns None when the remainder gives 10, which means no valid NHS number starts with these digits.
    """
    if len(first_nine) != 9 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError("expected exactly nine ASCII digits")
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """True when ``value`` (10 digits, spaces/hyphens allowed) passes the NHS modulus-11 check."""
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


# Not glued to other word characters or to a decimal/longer digit group on either side, so parts of
# longer numbers ("12345678901234"), decimals and other 3-3-4 look-alikes inside longer runs are skipped.
# The look-behinds sit after the first digit (so they see the character before it): a pattern that begins
# with a digit lets the regex engine skip ahead to digits, 5x faster than one that begins with a look-behind.
_NHS_RE = re.compile(r"(\d(?<![\w,/-]\d)(?<!\d\.\d)\d\d)([ -]?)(\d{3})\2(\d{4})(?![\w/]|[.,:-]\d)")


def _find_nhs(text: str) -> Iterator[_Span]:
    for m in _NHS_RE.finditer(text):
        if is_valid_nhs_number(m.group(1) + m.group(3) + m.group(4)):
            yield m.start(), m.end(), NHS_NUMBER


# ---------------------------------------------------------------------------------------------------------
# Postcode (BS 7666 shapes). Letter classes follow the Royal Mail positional rules, which keeps look-alikes
# such as vitamin "B12" or "COVID19" out; IGNORECASE makes the classes match lowercase too.
# ---------------------------------------------------------------------------------------------------------

_PC_A1 = "[A-PR-UWYZ]"  # first letter: not Q V X
_PC_A2 = "[A-HK-Y]"  # second letter: not I J Z
_PC_A3 = "[A-HJKPSTUW]"  # third position in A9A
_PC_A4 = "[ABEHMNPRVWXY]"  # fourth position in AA9A
_PC_IN = "[ABD-HJLNP-UW-Z]"  # inward letters: not C I K M O V
_POSTCODE_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?:"
    rf"GIR ?0AA"
    rf"|ZZ99 ?\d[A-Z]{{2}}"
    rf"|(?:{_PC_A1}{_PC_A2}\d{_PC_A4}|{_PC_A1}{_PC_A2}\d\d?|{_PC_A1}\d{_PC_A3}|{_PC_A1}\d\d?)"
    rf" ?(?P<inward>\d{_PC_IN}{{2}})"
    rf")(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# "B3 2nd floor", "a4 4th" have postcode shape; real inward codes spelled in lowercase as ordinals are rare.
_ORDINAL_INWARD = frozenset({"1st", "2nd", "3rd"} | {f"{d}th" for d in (0, 4, 5, 6, 7, 8, 9)})


def _find_postcodes(text: str) -> Iterator[_Span]:
    for m in _POSTCODE_RE.finditer(text):
        inward = m.group("inward")
        if inward is not None and not inward.isupper() and inward.lower() in _ORDINAL_INWARD:
            continue
        yield m.start(), m.end(), POSTCODE


# ---------------------------------------------------------------------------------------------------------
# Phone. phonenumbers is authoritative but slow, so a regex finds runs that start like a UK number (0, +44,
# 0044, optionally bracketed) and have enough digits; only those reach phonenumbers.parse + is_valid_number
# (half the cost of its PhoneNumberMatcher, which re-finds the number in the run). Each alternative's
# look-behind sits after its first character, so the engine can skip ahead to "+", "0" or "(".
# ---------------------------------------------------------------------------------------------------------

_PHONE_CANDIDATE_RE = re.compile(
    r"(?:\+(?<![\w+]\+) ?44|0(?<![\w+]0)044|\((?<![\w,/]\()(?<!\d[.:]\()0|0(?<![\w,/]0)(?<!\d[.:]0))"
    r"[\d ()\-.]{7,18}\d"
)


def is_gb_phone_number(candidate: str) -> bool:
    """True when phonenumbers parses ``candidate`` as a valid number in the GB numbering plan (or +44)."""
    try:
        number = phonenumbers.parse(candidate, "GB")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number)


def _find_phones(text: str) -> Iterator[_Span]:
    for m in _PHONE_CANDIDATE_RE.finditer(text):
        start, end = m.span()
        # The candidate regex is greedy: "Tel 0113 496 0356 2 months" takes the "2" too, and phonenumbers
        # rejects the whole run. Drop trailing digit groups (at most two) until it accepts one.
        for _ in range(3):
            candidate = text[start:end]
            if sum(c.isdigit() for c in candidate) < 9:  # UK numbers have 9-12 significant digits
                break
            if is_gb_phone_number(candidate):
                # "(0113) 496 0000": the closing bracket belongs to the number.
                if candidate.startswith("(") and end < len(text) and text[end] == ")":
                    end += 1
                yield start, end, PHONE
                break
            cut = candidate.rstrip().rfind(" ")
            if cut <= 0:
                break
            end = start + cut


# ---------------------------------------------------------------------------------------------------------
# Email and URL
# ---------------------------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_URL_RE = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>\"'\[\]]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)'\"’”"

# Bare domains ("nhs.uk/conditions", "example.org/page", "bit.ly/x"): a dotted host ending in a top-level
# domain from this list. The list is what keeps ordinary text out: "e.g.", "i.e.", "Dr.Smith", "N.Tees",
# "a.m." and run-on sentences ("the ward.It was") end in no listed domain. Two-letter country codes that
# are also English words (it, me, no, so, my, in, us, be, to, at, am, is ...) are left out on purpose.
_BARE_TLDS = "com|org|net|uk|gov|edu|info|biz|io|ly|co|eu|ie"
_BARE_DOMAIN_RE = re.compile(
    r"(?<![\w@.\-/:])"  # not inside an email, a longer host, or a URL the scheme rule already took
    r"(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+"
    rf"(?:{_BARE_TLDS})(?![\w\-])"
    r"(?::\d{1,5})?(?:/[^\s<>\"'\[\]]*)?",
    re.IGNORECASE,
)
# Cheap gate for the bare-domain rule (begins with a literal, so the engine skips ahead): a listed
# top-level domain after a dot, on the lower-cased text.
_BARE_TLD_GATE_RE = re.compile(rf"\.(?:{_BARE_TLDS})\b")


def _find_emails(text: str) -> Iterator[_Span]:
    for m in _EMAIL_RE.finditer(text):
        yield m.start(), m.end(), EMAIL


def _find_urls(text: str) -> Iterator[_Span]:
    for m in _URL_RE.finditer(text):
        url = m.group()
        # A link in brackets, as Markdown writes it ("![Image](https://...png)The"), ends at the bracket.
        if m.start() > 0 and text[m.start() - 1] == "(" and ")" in url:
            url = url[: url.index(")")]
        url = url.rstrip(_URL_TRAILING)
        # "www." alone (e.g. "www.") is not a URL.
        if len(url) > 4 and not url.lower().endswith(("://", "www")):
            yield m.start(), m.start() + len(url), URL


def _find_bare_domains(text: str) -> Iterator[_Span]:
    for m in _BARE_DOMAIN_RE.finditer(text):
        url = m.group().rstrip(_URL_TRAILING)
        yield m.start(), m.start() + len(url), URL


def _word_set(*lines: str) -> frozenset[str]:
    """Lower-cased words of whitespace-separated ``lines`` (keeps the stop-list readable)."""
    return frozenset(w.lower() for line in lines for w in line.split())


# ---------------------------------------------------------------------------------------------------------
# National Insurance number
# ---------------------------------------------------------------------------------------------------------

_NI_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r"(?P<sep> ?)\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Lowercase English words that have a valid NI prefix shape; "at 12 34 56 a" is not an NI number.
_NI_WORD_PREFIXES = _word_set(
    "am an as at aw be by eh em en er ex go ha he hm ma me mm my no of oh ok on or ow pa pm re so to up us",
    "we ye yo",
)


def _find_ni(text: str) -> Iterator[_Span]:
    for m in _NI_RE.finditer(text):
        prefix = m.group("prefix")
        if m.group("sep") and prefix.islower() and prefix in _NI_WORD_PREFIXES:
            continue
        yield m.start(), m.end(), NI_NUMBER


# ---------------------------------------------------------------------------------------------------------
# Date of birth, only after a birth cue: dates on their own are usually appointments and must survive.
# ---------------------------------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY_NUM = r"(?:[12]\d|3[01]|0?[1-9])"
_DAY = rf"{_DAY_NUM}(?:st|nd|rd|th)?"
_MONTH_NUM = r"(?:1[0-2]|0?[1-9])"
_YEAR = r"(?:(?:19|20)\d{2}|'?\d{2})"
_NUM_SEP = r"\s?[/.\-]\s?"  # 3/3/61, 03.03.61, 3-3-1961, "3 / 3 / 1961"
_DATE = (
    rf"(?:{_DAY_NUM}(?P<sep>{_NUM_SEP}){_MONTH_NUM}(?P=sep)(?:(?:19|20)\d{{2}}|\d{{2}})"  # 01/02/1980
    rf"|(?:19|20)\d{{2}}-{_MONTH_NUM}-{_DAY_NUM}"  # ISO 1980-02-01
    rf"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d{{2}}"  # 01021980, as typed into forms
    rf"|{_DAY}(?:\s+of)?(?:\s+|[\-/]|(?=[a-z])){_MONTH}(?:,?\s+|[\-/]|(?=['\d])){_YEAR}"  # 1st Feb 1980, 03-Mar-61
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR})"  # February 1st, 1980
)
# "DOB", "D.O.B.", "d/o/b", "DoB", "date of birth", "date-of-birth", "born", "birthday", "birth date".
_DOB_CUE = (
    r"(?:\bd\s?[./]?\s?o\s?[./]?\s?b(?![a-z])\.?|\bdate[\s\-]+of[\s\-]+birth|\bborn|\bbirth\s?(?:day|date))"
)
# Words that may stand between the cue and the date: "DOB is", "born on the", "date of birth was given as",
# "DOB recorded as", "date of birth should be".
_DOB_GLUE = (
    r"(?:is|was|on|of|the|as|being|given|listed|recorded|shown|put|down|written|entered|should|be|says"
    r"|said|reads|stated|still|wrong|correct|actually|=)"
)
_DOB_RE = re.compile(
    rf"{_DOB_CUE}(?:(?:\s*[:=,\-–—(\[]){{1,3}}\s*|\s+|(?=\d))(?:{_DOB_GLUE}\s+){{0,4}}"
    rf"(?P<date>{_DATE})(?![\w/])",
    re.IGNORECASE,
)
# The date before its cue: "03/03/1961 is my date of birth", "3.3.61 (DOB)". Only with "is/was <whose>"
# or the cue in brackets, and not "birthday" or "born" ("12/03/2024 was my birthday" is the day of a
# party, and "on 12/03/2024 my birthday was ruined" an appointment-like date).
_DOB_AFTER_CUE = r"(?:\bd\s?[./]?\s?o\s?[./]?\s?b(?![a-z])\.?|\bdate[\s\-]+of[\s\-]+birth|\bbirth\s?date)"
_DOB_AFTER_RE = re.compile(
    rf"(?<![\w/])(?P<date>{_DATE})"
    rf"(?:\s*[(\[]\s*{_DOB_AFTER_CUE}\s*[)\]]"
    rf"|,?\s+(?:is|was|being)\s+(?:my|his|her|their|our|the\s+patient'?s|\w+['’]s)\s+{_DOB_AFTER_CUE})",
    re.IGNORECASE,
)


def _find_dob(text: str) -> Iterator[_Span]:
    for regex in (_DOB_RE, _DOB_AFTER_RE):
        for m in regex.finditer(text):
            yield m.start("date"), m.end("date"), DATE_OF_BIRTH


# ---------------------------------------------------------------------------------------------------------
# Names (optional)
# ---------------------------------------------------------------------------------------------------------

# A Capitalised word: Smith, McDonald, O'Neill, Smith-Jones. ASCII only on purpose (see docstring).
_NAME_TOKEN = r"(?:[A-Z]['’][A-Z][a-z]+|[A-Z][a-z]+(?:[A-Z][a-z]+)?)(?:-[A-Z][a-z]+)?\b"
_TITLE_NAME_RE = re.compile(
    r"\b(?i:dr|doctor|mr|mrs|ms|miss|mx|prof|professor|nurse|sister|matron|midwife)\b\.?\s+"
    rf"(?P<first>{_NAME_TOKEN})(?:\s+(?P<second>{_NAME_TOKEN}))?"
)
_CUE_NAME_RE = re.compile(
    r"\b(?i:my\s+name\s+is|i\s+am\s+called|called|named|name's)\s+"
    rf"(?P<first>{_NAME_TOKEN})(?:\s+(?P<second>{_NAME_TOKEN}))?"
)


_NAME_STOP = _word_set(
    # family and generic people
    "Mum Mother Mom Mummy Dad Father Daddy Nan Nana Nanny Gran Grandma Grandad Grandpa Husband Wife",
    "Son Daughter Brother Sister Partner Family Baby Aunt Auntie Uncle Friend Carer Patient Patients",
    # services, acronyms and places in health care
    "NHS Nhs GP Gp Covid Corona Coronavirus Hospital Surgery Practice Clinic Ward Unit Department Team",
    "Reception Receptionist Pharmacy Pharmacist Ambulance Paramedic Emergency Outpatients Maternity",
    "Radiology Physio Physiotherapy Triage Security Services Service Trust Health Care Centre Center",
    "Helpline Direct Online App Doctor Doctors Nurse Nurses Consultant Consultants Sister Matron Midwife",
    # role words that follow a title ("Nurse Practitioner", "Sister Ward")
    "Practitioner Manager Specialist Associate Led Station Staff Lead Assistant Registrar Houseman",
    # days and months
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today Tomorrow Yesterday Weekend",
    "January February March April May June July August September October November December",
    # ward names commonly taken from trees, colours and places
    "Oak Ash Elm Maple Willow Cedar Beech Birch Larch Pine Sycamore Rowan Chestnut Acorn Cherry Lime",
    "Blue Green Red Yellow Orange Purple Sunflower Bluebell Daffodil Primrose Poppy Lavender",
    # pronouns, determiners and other sentence glue that gets capitalised
    "I The A An It It's They We He She You My Our Your Their His Her This That These Those There Here",
    "Me Him Them Us And But So Then When What Who Why How If Not No Yes Ok Okay Please Thanks Thank",
    "Back Again Up Out In On At For To Of Him Someone Somebody Everyone Anyone Nobody",
)


def _name_spans(m: re.Match[str]) -> Iterator[_Span]:
    first = m.group("first")
    if first.lower() in _NAME_STOP:
        return
    end = m.end("first")
    second = m.group("second")
    if second is not None and second.lower() not in _NAME_STOP:
        end = m.end("second")
    yield m.start("first"), end, NAME


def _find_names(text: str) -> Iterator[_Span]:
    for regex in (_TITLE_NAME_RE, _CUE_NAME_RE):
        for m in regex.finditer(text):
            yield from _name_spans(m)


# ---------------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------------

# Every always-on kind needs a digit, an "@", or "www"/"http": most comments have none, and return at
# once. A one-class regex plus two substring tests on the lower-cased text is 2.5x cheaper than one
# regex with the three alternatives (the engine cannot skip ahead on an alternation).
_DIGIT_OR_AT_RE = re.compile(r"[0-9@]")


def _may_hold_pii(text: str) -> bool:
    if _DIGIT_OR_AT_RE.search(text) is not None:
        return True
    lowered = text.lower()
    return "www" in lowered or "http" in lowered or _has_bare_tld(lowered)


def _has_bare_tld(lowered: str) -> bool:
    """True when the lower-cased text has a listed top-level domain after a dot ("nhs.uk", ".org/")."""
    return "." in lowered and _BARE_TLD_GATE_RE.search(lowered) is not None


# Cheap gates for the slow path. The detector regexes begin with look-behinds, which stop the regex engine
# from skipping ahead by first character, so each costs ~10 us on a 250-character comment; these gates
# begin with a literal or a character class and are scanned far faster.
# - NHS numbers, phone numbers and NI numbers all contain three digit pairs with at most one separator
#   between pairs (3-3-4, 4-3-4, 3-4-4, 2-2-2 spacings all do).
_SIX_DIGITS_RE = re.compile(r"\d\d[ \-]?\d\d[ \-]?\d\d")
# - an NI number ends in three digit pairs and a letter A-D (a pattern that begins with a digit is
#   scanned fast; the full NI pattern begins with a look-behind).
_NI_TAIL_RE = re.compile(r"\d\d ?\d\d ?\d\d ?[A-Da-d](?![A-Za-z0-9])")
# - every postcode ends in an inward code: a digit and two letters.
_INWARD_RE = re.compile(r"\d[A-Za-z]{2}")
# - a date of birth needs its cue (run on the lower-cased text).
_DOB_CUE_RE = re.compile(r"d\s?[./]?\s?o\s?[./]?\s?b|birth|born")


def _find_spans(text: str, names: bool) -> list[_Span]:
    """All non-overlapping PII spans on ``text``, sorted by position."""
    spans: list[_Span] = []
    if _may_hold_pii(text):
        lowered = text.lower()
        if "@" in text:
            spans.extend(_find_emails(text))
        if "www" in lowered or "http" in lowered:
            spans.extend(_find_urls(text))
        if _has_bare_tld(lowered):
            spans.extend(_find_bare_domains(text))
        if _SIX_DIGITS_RE.search(text) is not None:
            spans.extend(_find_nhs(text))
            spans.extend(_find_phones(text))
            if _NI_TAIL_RE.search(text) is not None:
                spans.extend(_find_ni(text))
        if _INWARD_RE.search(text) is not None:
            spans.extend(_find_postcodes(text))
        if _DOB_CUE_RE.search(lowered) is not None:
            spans.extend(_find_dob(text))
    if names:
        spans.extend(_find_names(text))
    if len(spans) <= 1:
        return spans
    # Earliest start wins, then the longest, then the kind priority; later overlapping spans are dropped.
    spans.sort(key=lambda s: (s[0], -s[1], _PRIORITY[s[2]]))
    kept: list[_Span] = []
    last_end = -1
    for span in spans:
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    return kept


def redact(text: str, names: bool = False) -> RedactionResult:
    """Replace PII in ``text`` with ``[KIND]`` placeholders.

    Args:
        text: one free-text comment.
        names: also replace names found by title/cue patterns (off by default; see module docstring).

    Returns:
        The redacted text and the kinds replaced, one per redaction, in order of appearance.
    """
    if not names and not _may_hold_pii(text):
        return RedactionResult(text)
    spans = _find_spans(text, names)
    if not spans:
        return RedactionResult(text)
    parts: list[str] = []
    pos = 0
    for start, end, kind in spans:
        parts.append(text[pos:start])
        parts.append(PLACEHOLDERS[kind])
        pos = end
    parts.append(text[pos:])
    return RedactionResult("".join(parts), tuple(kind for _, _, kind in spans))


def redact_many(texts: Iterable[str], names: bool = False) -> list[RedactionResult]:
    """Redact each text in ``texts`` (see :func:`redact`), preserving order."""
    return [redact(t, names) for t in texts]


def rescan_for_pii(text: str, names: bool = False) -> list[str]:
    """Kinds of PII still present in ``text`` (e.g. already-redacted output), one per occurrence.

    Placeholders themselves are never reported, so on correctly redacted text this returns ``[]``.
    """
    return [kind for _, _, kind in _find_spans(text, names)]
