"""Tests for pipelines.text.redaction: modulus 11, per-kind precision/recall on the PII corpus, look-alikes."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

# The repo is not installed into the venv and tests/ has no conftest, so make the repo root importable
# when pytest is run as `.venv/bin/pytest` from anywhere.
_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from pipelines.text import redaction  # noqa: E402
from pipelines.text.redaction import (  # noqa: E402
    PII_KINDS,
    PLACEHOLDERS,
    RedactionResult,
    is_valid_nhs_number,
    nhs_check_digit,
    redact,
    redact_many,
    rescan_for_pii,
)

try:  # tests/text may or may not become a package; support both import styles.
    from . import pii_corpus  # type: ignore[import-not-found]
except ImportError:
    import pii_corpus  # type: ignore[import-not-found, no-redef]

CORPUS = pii_corpus.CORPUS
NAME_CASES = pii_corpus.NAME_CASES

# Required floors per kind (issue 21: recall >= 0.99 per kind, precision >= 0.95; identifiers with a
# checkable shape are held to exact).
_RECALL_FLOOR = 0.99
_PRECISION_FLOORS: dict[str, float] = {
    "NHS_NUMBER": 1.0,
    "EMAIL": 1.0,
    "NI_NUMBER": 1.0,
    "POSTCODE": 1.0,
    "PHONE": 0.95,
    "URL": 0.95,
    "DATE_OF_BIRTH": 0.95,
}
_FLOORS = _PRECISION_FLOORS


def _expected_kinds(entry: pii_corpus.Entry) -> tuple[str, ...]:
    return tuple(kind for kind, _ in entry[1])


# ---------------------------------------------------------------------------------------------------------
# Modulus 11
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_nine", "expected"),
    [
        ("999000001", 8),  # 9*10+9*9+9*8+1*2 = 245; 245 mod 11 = 3; 11-3 = 8
        ("999000005", 0),  # remainder 0 -> 11 -> 0
        ("999000014", None),  # remainder 1 -> 10 -> no valid number
        ("943476591", 9),  # the published example 943 476 5919
        ("999000001", pii_corpus._check_digit("999000001")),
    ],
)
def test_nhs_check_digit(first_nine: str, expected: int | None) -> None:
    assert nhs_check_digit(first_nine) == expected


def test_nhs_check_digit_agrees_with_independent_oracle() -> None:
    # Sweep a block of test numbers; the corpus module's oracle is written independently.
    for i in range(2000):
        first_nine = f"999{i:06d}"
        assert nhs_check_digit(first_nine) == pii_corpus._check_digit(first_nine), first_nine


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678a", "", "１２３４５６７８９"])
def test_nhs_check_digit_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        nhs_check_digit(bad)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9990000018", True),
        ("9434765918", False),  # wrong check digit
        ("9990000140", False),  # check would be 10: never valid
        ("9990000141", False),
        ("943476591", False),  # too short
        ("94347659190", False),  # too long
        ("943 476 591X", False),
    ],
)
def test_is_valid_nhs_number(value: str, valid: bool) -> None:
    assert is_valid_nhs_number(value) is valid


# ---------------------------------------------------------------------------------------------------------
# Corpus: shape, per-kind precision and recall
# ---------------------------------------------------------------------------------------------------------


def test_corpus_is_big_and_well_formed() -> None:
    assert len(CORPUS) >= 200
    for text, pii in CORPUS:
        for kind, value in pii:
            assert kind in PII_KINDS
            assert value in text, (text, value)
    kinds = Counter(kind for _, pii in CORPUS for kind, _ in pii)
    assert all(kinds[k] >= 15 for k in _FLOORS), kinds
    assert sum(1 for _, pii in CORPUS if not pii) >= 50  # plenty of look-alikes


def _per_kind_counts() -> dict[str, Counter[str]]:
    """tp/fp/fn per kind, matching predicted and expected kinds by count within each sentence."""
    counts: dict[str, Counter[str]] = {k: Counter() for k in _FLOORS}
    for entry in CORPUS:
        expected = Counter(_expected_kinds(entry))
        predicted = Counter(redact(entry[0]).kinds)
        for kind in _FLOORS:
            tp = min(expected[kind], predicted[kind])
            counts[kind]["tp"] += tp
            counts[kind]["fp"] += predicted[kind] - tp
            counts[kind]["fn"] += expected[kind] - tp
    return counts


@pytest.mark.parametrize("kind", list(_FLOORS))
def test_precision_and_recall_per_kind(kind: str) -> None:
    c = _per_kind_counts()[kind]
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
    assert precision >= _PRECISION_FLOORS[kind], (kind, dict(c), precision)
    assert recall >= max(_RECALL_FLOOR, _PRECISION_FLOORS[kind]), (kind, dict(c), recall)


@pytest.mark.parametrize("entry", CORPUS, ids=lambda e: e[0][:50])
def test_corpus_entry(entry: pii_corpus.Entry) -> None:
    text, pii = entry
    result = redact(text)
    assert result.kinds == _expected_kinds(entry)
    for kind, value in pii:
        assert PLACEHOLDERS[kind] in result.text
        assert value not in result.text
    # Redacted output must be clean on a second pass: no placeholder-free PII survives.
    assert rescan_for_pii(result.text) == []
    if not pii:
        assert result.text == text  # look-alikes come back byte-for-byte


def test_kinds_never_carry_values() -> None:
    for text, pii in CORPUS:
        result = redact(text)
        for kind, value in pii:
            assert all(value not in k for k in result.kinds), (text, kind)


# ---------------------------------------------------------------------------------------------------------
# API behaviour
# ---------------------------------------------------------------------------------------------------------


def test_redact_many_matches_redact() -> None:
    texts = [text for text, _ in CORPUS]
    assert redact_many(texts) == [redact(t) for t in texts]
    assert redact_many(iter(texts[:3])) == [redact(t) for t in texts[:3]]


def test_fast_path_returns_input_unchanged() -> None:
    text = "The nurses were lovely but the food was cold."
    result = redact(text)
    assert result == RedactionResult(text, ())
    assert result.text is text


def test_empty_and_placeholder_text() -> None:
    assert redact("") == RedactionResult("", ())
    already = " ".join(PLACEHOLDERS.values())
    assert redact(already, names=True).text == already
    assert rescan_for_pii(already, names=True) == []


def test_rescan_reports_surviving_pii_in_order() -> None:
    text = f"call 0113 496 0123 re {pii_corpus.nhs('999000001')} at LS1 4AP"
    assert rescan_for_pii(text) == ["PHONE", "NHS_NUMBER", "POSTCODE"]


def test_overlaps_report_one_kind() -> None:
    # A phone number inside a URL, and an NHS-shaped run after +44, are each one item.
    assert redact("https://example.com/ref/01134960123").kinds == ("URL",)
    assert redact("+44 113 496 0123").kinds == ("PHONE",)
    assert redact("jo@www.example.com").kinds == ("EMAIL",)


def test_phone_spans_keep_their_brackets_and_stop_at_the_number() -> None:
    # Brackets stay with the number they enclose; a trailing unrelated number is not part of it.
    assert redact("call (01134960000) today").text == "call [PHONE] today"
    assert redact("ring (0113) 496 0000.").text == "ring [PHONE]."
    assert redact("Tel 01134960203 2 years ago").text == "Tel [PHONE] 2 years ago"
    assert redact("on +44 (0)113 496 0000 or 0113-496-0001").kinds == ("PHONE", "PHONE")


def test_names_off_by_default() -> None:
    assert redact("Dr Smith was very kind").text == "Dr Smith was very kind"


@pytest.mark.parametrize("entry", NAME_CASES, ids=lambda e: e[0][:50])
def test_optional_names(entry: pii_corpus.Entry) -> None:
    text, pii = entry
    result = redact(text, names=True)
    assert result.kinds == _expected_kinds(entry)
    for _, value in pii:
        assert value not in result.text
    if not pii:
        assert result.text == text


def test_names_keep_title_and_combine_with_other_kinds() -> None:
    result = redact("Dr Smith rang me on 0113 496 0123", names=True)
    assert result.text == "Dr [NAME] rang me on [PHONE]"
    assert result.kinds == ("NAME", "PHONE")


# ---------------------------------------------------------------------------------------------------------
# Real comments (../shared/data/pxtextmining): the URL and date-of-birth rules must not eat ordinary words
# ---------------------------------------------------------------------------------------------------------


def _real_comments(shared_data: Path) -> list[str]:
    import pandas as pd

    folder = shared_data / "pxtextmining"
    texts = pd.read_csv(folder / "v6framework_train.csv", usecols=["FFT answer"])["FFT answer"].tolist()
    for name in ("phase_1__text_data.csv", "phase_1__co.csv", "phase_1__co_multi_label.csv"):
        texts += pd.read_csv(folder / name, usecols=["feedback"])["feedback"].tolist()
    return list(dict.fromkeys(str(t) for t in texts if isinstance(t, str)))


def test_url_and_birth_date_rules_are_precise_on_real_comments(shared_data: Path) -> None:
    # Every URL found in 14k real comments is a link (checked by hand: Care Opinion image links and one
    # bare "pinterest.co.uk/..." source); none of the real comments' "e.g.", "i.e.", "N.Tees", "Dr.X" or
    # run-on sentences ("brIllIant.XXXX") is taken for a domain; none of their 50-odd "born"/"birth"
    # sentences ("born 6 weeks premature", "my 18th birthday") has a date of birth.
    texts = _real_comments(shared_data)
    assert len(texts) > 10_000
    urls: list[str] = []
    dobs: list[str] = []
    for text in texts:
        for start, end, kind in redaction._find_spans(text, False):
            if kind == "URL":
                urls.append(text[start:end])
            elif kind == "DATE_OF_BIRTH":
                dobs.append(text[start:end])
    checked_bare_links = {"pinterest.co.uk/nickfire/vintage-fireworks/"}  # the bare domain in the data
    assert checked_bare_links <= set(urls)
    links = [
        u for u in urls if u.lower().startswith(("http://", "https://", "www.")) or u in checked_bare_links
    ]
    assert len(links) / len(urls) >= 0.95, sorted(set(urls) - set(links))
    assert all(not u.endswith(")") and ")" not in u.split("/")[-1] for u in urls), urls  # Markdown links end
    assert dobs == []


@pytest.mark.parametrize(
    "ordinary",
    [
        "e.g. the car park",
        "i.e. parking",
        "Dr.Smith",
        "N.Tees",
        "a.m.",
        "Mr.Jones",
        "ward.It was",
        "No.1",
        "U.K.",
    ],
)
def test_bare_domain_rule_leaves_ordinary_abbreviations(ordinary: str) -> None:
    assert redact(ordinary).text == ordinary
