"""NHS Qualitative Data Categorisation (QDC) framework v7 as plain data, plus label maps and keyword topics.

The framework is the one published by Nottinghamshire Healthcare / the Strategy Unit ("pxtextmining",
funded by NHS England): 32 sub-categories in 10 categories.  The public labelled data uses the older v6
label set (49 labels) and the phase-1 Care Opinion / trust data uses a still older short-code scheme, so
this module also holds the maps from those schemes to v7.  A map target of ``None`` means "no sound v7
equivalent": the label is dropped (the comment may still carry other labels).

Topics that v7 does not code - above all Equality, Diversity & Inclusion, which matters most for
inequalities work - are found by transparent keyword rules rather than by a model, because the labelled
examples are far too few (25 EDI comments in the v6 data) to learn from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

FRAMEWORK_VERSION = "v7"

# Category -> sub-categories, in the order of the published framework.
FRAMEWORK_V7: dict[str, tuple[str, ...]] = {
    "General": (
        "Positive experience & gratitude",
        "Organisation & efficiency",
        "Funding & use of financial resources",
        "Feeling safe",
        "Labelling not possible",
    ),
    "Staff": (
        "Staff manner & personal attributes",
        "Competence & training",
        "Staffing levels & responsiveness",
    ),
    "Access to medical care & support": (
        "Contacting services",
        "Appointment arrangements",
        "Appointment method",
        "Timeliness of care",
    ),
    "Communication & involvement": (
        "Unspecified communication",
        "Staff listening, understanding & involving patients",
        "Information directly from staff during care",
        "Information provision & guidance",
        "Being kept informed, clarity & consistency of information",
        "Interaction with family/ carers",
    ),
    "Mental Health specifics": ("Mental Health Act",),
    "Patient journey & service coordination": (
        "Continuity of care",
        "Discharge",
    ),
    "Medication & pain": (
        "Supplying & understanding medication",
        "Pain management",
    ),
    "Activities": (
        "Activities & access to fresh air",
        "Electronic entertainment",
    ),
    "Environment, equipment & catering": (
        "Cleanliness, tidiness & infection control",
        "Sensory experience",
        "Environment, facilities & equipment",
        "Food & drink provision & facilities",
    ),
    "Service location, travel & transport": (
        "Service location",
        "Transport to/ from services",
        "Parking",
    ),
}

V7_LABELS: tuple[str, ...] = tuple(sub for subs in FRAMEWORK_V7.values() for sub in subs)
SUBCATEGORY_TO_CATEGORY: dict[str, str] = {sub: cat for cat, subs in FRAMEWORK_V7.items() for sub in subs}

# The label an empty / non-substantive comment gets without consulting any model.
EMPTY_LABEL = "Labelling not possible"

# v6 -> v7.  Every column of v6framework_train.csv is listed so that an unmapped label is an error, not a
# silent drop.  Merges follow the v7 framework (e.g. the two staffing labels became one).
V6_TO_V7: dict[str, str | None] = {
    # General
    "Positive experience & gratitude": "Positive experience & gratitude",
    # v7 has no general "negative" sub-category; the negativity is carried by the sentiment score.
    "Negative experience & dissatisfaction": None,
    # "Not assigned" comments are "N/A", "No.", "Don't know", "Test" ... - exactly what v7 calls
    # "Labelling not possible".
    "Not assigned": "Labelling not possible",
    "Labelling not possible": "Labelling not possible",
    "Organisation & efficiency": "Organisation & efficiency",
    "Funding & use of financial resources": "Funding & use of financial resources",
    "Feeling safe": "Feeling safe",
    # A safeguarding concern is a concern about someone's safety.
    "Safeguarding concerns?": "Feeling safe",
    "Learning organisation": None,
    # Staff
    "Staff manner & personal attributes": "Staff manner & personal attributes",
    "Competence & training": "Competence & training",
    "Number & deployment of staff": "Staffing levels & responsiveness",
    "Staff responsiveness": "Staffing levels & responsiveness",
    "Staff continuity": "Continuity of care",
    # Access
    "Contacting services": "Contacting services",
    "Appointment arrangements": "Appointment arrangements",
    "Appointment method": "Appointment method",
    "Timeliness of care": "Timeliness of care",
    "Psychological therapy arrangements": None,
    "Existence of services": None,
    "Choice of services": None,
    "Out of hours support (community services)": None,
    # Communication & involvement
    "Unspecified communication": "Unspecified communication",
    "Staff listening, understanding & involving patients": "Staff listening, understanding & involving patients",
    "Information directly from staff during care": "Information directly from staff during care",
    "Information provision & guidance": "Information provision & guidance",
    "Being kept informed, clarity & consistency of information": (
        "Being kept informed, clarity & consistency of information"
    ),
    "Interaction with family/ carers": "Interaction with family/ carers",
    # Mental health
    "Mental Health Act": "Mental Health Act",
    # Patient journey
    "Referals & continuity of care": "Continuity of care",
    "Discharge": "Discharge",
    "Diagnosis & triage": None,
    "Admission": None,
    "Care plans": None,
    "Patient records": None,
    "Impact of treatment/ care": None,
    # Medication & pain
    "Supplying & understanding medication": "Supplying & understanding medication",
    "Pain management": "Pain management",
    # Activities
    "Activities & access to fresh air": "Activities & access to fresh air",
    "Electronic entertainment": "Electronic entertainment",
    # Environment
    "Cleanliness, tidiness & infection control": "Cleanliness, tidiness & infection control",
    "Sensory experience": "Sensory experience",
    "Environment & Facilities": "Environment, facilities & equipment",
    "Provision of medical equipment": "Environment, facilities & equipment",
    "Food & drink provision & facilities": "Food & drink provision & facilities",
    # Location & travel
    "Service location": "Service location",
    "Transport to/ from services": "Transport to/ from services",
    "Parking": "Parking",
    # Not a v7 sub-category: found by the keyword topic of the same name instead (see KEYWORD_TOPICS).
    "Equality, Diversity & Inclusion": None,
    "Patient appearance & grooming": None,
}

# Phase-1 short codes (README_phase_1.md) -> v7.  Only codes whose meaning is contained in a single v7
# sub-category are mapped; broad codes ("Care received", "Staff: General", "Communication", "Advice and
# support" ...) straddle several v7 labels and are left unmapped rather than guessed.
PHASE1_TO_V7: dict[str, str | None] = {
    "xn": "Positive experience & gratitude",  # "Nothing to improve": v6 codes "Nothing" to "improve?" so
    "sa": "Staff manner & personal attributes",  # Attitude of staff
    "sp": "Competence & training",  # Professionalism/competence of staff
    "sl": "Staffing levels & responsiveness",
    "ml": "Staff listening, understanding & involving patients",  # Listening
    "dp": "Staff listening, understanding & involving patients",  # Involvement of service users/patients
    "dc": "Interaction with family/ carers",  # Involvement of family and carers
    "cf": "Interaction with family/ carers",  # Carer support
    "ef": "Food & drink provision & facilities",
    "ec": "Cleanliness, tidiness & infection control",
    "ee": "Environment, facilities & equipment",
    "eq": "Environment, facilities & equipment",
    "ca": "Activities & access to fresh air",
    "cm": "Supplying & understanding medication",
    "tc": "Continuity of care",
    "tx": "Discharge",  # Transition and discharge
    "wa": "Timeliness of care",  # Waiting for first appointment / referral / service
    "wb": "Timeliness of care",  # Waiting between appointments
    "al": "Service location",
    "ds": "Feeling safe",  # Feeling safe including bullying
    "xl": "Mental Health Act",  # Leave under the MHA
    "xf": "Funding & use of financial resources",
    "ep": None,  # Parking/transport - split by keyword in phase1_labels()
    # Broad or v7-less codes.
    "cc": None,
    "ss": None,
    "cs": None,
    "mi": None,
    "xe": None,
    "mm": None,
    "cr": None,
    "ap": None,
    "ce": None,
    "cp": None,
    "aa": None,
    "co": None,
    "da": None,
    "ti": None,
    "cl": None,
    "ct": None,
    "dd": None,
    "xm": None,
    "tt": None,
    "xg": None,
    "xs": None,
}

_PARKING = re.compile(r"\bpark", re.IGNORECASE)
_TRANSPORT = re.compile(r"transport|\bbus(es)?\b|taxi|\btravel|ambulance|\btrain\b|\bcar\b", re.IGNORECASE)


def phase1_labels(code: str, text: str = "") -> list[str]:
    """v7 labels for one phase-1 short code (case-insensitive); empty list when there is no sound map.

    "ep" (Parking/transport) is split on the comment's own words, because v7 keeps the two apart.
    """
    code = str(code).strip().lower()
    if code == "ep":
        out = []
        if _PARKING.search(text or ""):
            out.append("Parking")
        if _TRANSPORT.search(text or ""):
            out.append("Transport to/ from services")
        return out
    target = PHASE1_TO_V7.get(code)
    return [target] if target else []


def v6_to_v7(labels: list[str] | tuple[str, ...]) -> list[str]:
    """Map v6 label names to sorted unique v7 names; raises KeyError for a label not in the v6 set."""
    out = {V6_TO_V7[lab] for lab in labels}
    out.discard(None)
    return sorted(out)  # type: ignore[arg-type]


# Keyword-rule topics.  Each pattern is a word-start stem (matched with \b on the left, anything on the
# right) or a phrase; they are deliberately readable so an analyst can audit why a comment was flagged.
KEYWORD_TOPICS: dict[str, tuple[str, ...]] = {
    # Pruned against the v6 human EDI label: bare "wheelchair", "disabled", "accessible", "faith",
    # "language" flagged mostly routine mentions (transport help, "bad language", "no faith in them"),
    # so only their EDI senses are kept ("disabilit", "first language", "inaccessible" ...).
    "Equality, diversity & inclusion": (
        "inaccessib",
        "not accessible",
        "wheelchair access",
        "reasonable adjustment",
        "adjustments",
        "autis",
        "asperger",
        "neurodiver",
        "learning disab",
        "learning difficult",
        "deaf",
        "hard of hearing",
        "sign language",
        "bsl",
        "blind",
        "partially sighted",
        "visually impaired",
        "braille",
        "easy read",
        "disabilit",
        "discriminat",
        "prejudic",
        "interpreter",
        "translat",
        "first language",
        "language barrier",
        "speak english",
        "non-english",
        "racis",
        "racial",
        "ethnic",
        "religio",
        "cultur",
        "my faith",
        "their faith",
        "muslim",
        "halal",
        "kosher",
        "gender",
        "transgender",
        "trans ",
        "non-binary",
        "lgbt",
        "gay",
        "lesbian",
        "sexuality",
        "homophob",
        "dyslex",
        "equality",
        "diversity",
        "inclusi",
        "ageis",
        "too old",
        "pensioner",
    ),
    "Privacy & dignity": (
        "privacy",
        "private room",
        "dignity",
        "dignified",
        "undignified",
        "confidential",
        "overheard",
        "humiliat",
        "degrading",
        "modesty",
    ),
    "Safeguarding & abuse": (
        "safeguard",
        "abuse",
        "abusive",
        "neglect",
        "assault",
        "bullied",
        "bullying",
        "harass",
        "exploit",
        "restrain",
        "restraint",
    ),
}


@cache
def _topic_regex(topic: str) -> re.Pattern[str]:
    """One compiled alternation per topic (cached: rules are matched for every comment)."""
    stems = sorted(KEYWORD_TOPICS[topic], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + ")", re.IGNORECASE)


def _stem_trie(stems: Iterable[str]) -> str:
    """A regex matching any of ``stems``, factored by common prefix ("de(?:af|gradin)...").

    Python's regex engine tries every branch of a flat alternation at every word start; a trie lets it
    reject a position on its first character (4.5x faster over the comments of a nightly run).
    """
    trie: dict[str, dict] = {}
    for stem in stems:
        node = trie
        for ch in stem:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        if "" in node:  # a stem ends here; stems match word starts, so longer ones add nothing
            return ""
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(trie)


def _word_starts(stem: str) -> list[str]:
    """The stem from each of its word starts: where a regex \\b could begin another match inside it."""
    return [stem[i:] for i in range(len(stem)) if stem[i].isalnum() and (i == 0 or not stem[i - 1].isalnum())]


@cache
def _keyword_regex() -> re.Pattern[str]:
    """Every topic's stems in one lower-case trie regex, one named group per topic.

    One scan finds all topics.  That is exact only when no match of one topic can start inside or at the
    same place as another topic's, so such overlapping stems are refused here rather than missed later.
    """
    topics = list(KEYWORD_TOPICS)
    for a, stems_a in KEYWORD_TOPICS.items():
        for b, stems_b in KEYWORD_TOPICS.items():
            if a == b:
                continue
            for s in stems_a:
                for tail in _word_starts(s.lower()):
                    clash = [t for t in stems_b if t.lower().startswith(tail) or tail.startswith(t.lower())]
                    if clash:
                        raise ValueError(
                            f"keyword stems overlap across topics: {a!r} {s!r} vs {b!r} {clash[0]!r}"
                        )
    groups = "|".join(
        f"(?P<t{i}>{_stem_trie(s.lower() for s in KEYWORD_TOPICS[t])})" for i, t in enumerate(topics)
    )
    return re.compile(r"\b(?:" + groups + ")")


def keyword_topic_patterns() -> dict[str, str]:
    """Each topic's rule as an RE2 pattern for DuckDB's ``regexp_matches(lower(text), pattern)``.

    The same stem trie as :func:`keyword_topics`; RE2 has no look-behind and an ASCII-only ``\\b``, so a
    word start is "start of text or a character that is not a letter, digit or underscore" - Python's
    Unicode ``\\b`` before a word.  The text stage matches in SQL: ~5x cheaper than Python's ``re``.
    """
    return {
        topic: r"(?:^|[^\pL\pN_])" + _stem_trie(s.lower() for s in stems).replace("\\ ", " ")
        for topic, stems in KEYWORD_TOPICS.items()
    }


def keyword_topics(text: str | None) -> list[str]:
    """Keyword topics whose rule matches ``text`` (in KEYWORD_TOPICS order)."""
    if not text:
        return []
    found = {m.lastgroup for m in _keyword_regex().finditer(text.lower())}
    return [topic for i, topic in enumerate(KEYWORD_TOPICS) if f"t{i}" in found]


def keyword_matches(text: str | None, topic: str) -> list[str]:
    """The matched words for one topic - shown next to a flag so a reader can see why it was raised."""
    if not text:
        return []
    return [m.group(0) for m in _topic_regex(topic).finditer(text)]


def category_of(subcategory: str) -> str:
    """The v7 category of a sub-category (KeyError when not a v7 sub-category)."""
    return SUBCATEGORY_TO_CATEGORY[subcategory]


def all_labels() -> tuple[str, ...]:
    """The full label set a coding can carry: the 32 v7 sub-categories, then the keyword topics."""
    return V7_LABELS + tuple(KEYWORD_TOPICS)
