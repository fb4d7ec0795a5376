"""The keyword-topic scan: one combined regex must find exactly what each topic's own rule finds."""

from __future__ import annotations

import pytest

from pipelines.text import framework
from pipelines.text.framework import KEYWORD_TOPICS, keyword_matches, keyword_topics

SENTENCES = [
    "There was no interpreter and I am deaf",
    "They respected my privacy and dignity",
    "I was bullied and the nurse ignored the abuse",
    "Restraint was used on my autistic son, no reasonable adjustments, and his privacy ignored",
    "DISCRIMINATION because of my RELIGION",
    "Lovely staff, nothing to improve",
    "The nurse was deafening loud",  # 'deaf' is a word-start stem: it matches 'deafening' by design
    "Transport was fine; the trans patient was misgendered",
    "easy reading room",
    "",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_combined_scan_equals_each_topics_own_rule(text: str) -> None:
    expected = [topic for topic in KEYWORD_TOPICS if keyword_matches(text, topic)]
    assert keyword_topics(text) == expected


def test_several_topics_in_one_comment() -> None:
    assert keyword_topics("No interpreter, no privacy, and they were abusive") == list(KEYWORD_TOPICS)


def test_overlapping_stems_across_topics_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # With one combined scan a match of one topic would hide the other's at the same place.
    monkeypatch.setattr(framework, "KEYWORD_TOPICS", {"A": ("wheel",), "B": ("wheelchair access",)})
    framework._keyword_regex.cache_clear()
    try:
        with pytest.raises(ValueError, match="overlap across topics"):
            framework._keyword_regex()
    finally:
        framework._keyword_regex.cache_clear()
