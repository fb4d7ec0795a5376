"""Keyword topics: the combined Python scan, each topic's own rule and the SQL (RE2) rule must agree."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.text import framework
from pipelines.text.framework import KEYWORD_TOPICS, keyword_matches, keyword_topic_patterns, keyword_topics

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


def _sql_topics(texts: list[str]) -> list[list[str]]:
    """What the text stage's SQL rule finds for each text (DuckDB RE2 on lower(text))."""
    con = duckdb.connect()
    con.register("_t", pd.DataFrame({"i": range(len(texts)), "text": texts}))
    patterns = keyword_topic_patterns()
    hits = con.execute(
        "SELECT i, "
        + ", ".join(f"regexp_matches(lower(text), ${k + 1})" for k in range(len(patterns)))
        + " FROM _t ORDER BY i",
        list(patterns.values()),
    ).fetchall()
    return [[topic for topic, hit in zip(patterns, row[1:], strict=True) if hit] for row in hits]


def test_sql_rule_agrees_with_python_on_hand_written_sentences() -> None:
    texts = [*SENTENCES, "ñdeaf and _privacy are not word starts", "Über-racist remark", "(deaf) [abuse]"]
    assert _sql_topics(texts) == [keyword_topics(t) for t in texts]


def test_sql_rule_agrees_with_python_on_real_comments(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "pxtextmining" / "v6framework_train.csv", usecols=["FFT answer"])
    texts = frame["FFT answer"].dropna().astype(str).tolist()
    python = [keyword_topics(t) for t in texts]
    assert sum(bool(p) for p in python) > 50  # the rule fires on real comments, so agreement means something
    assert _sql_topics(texts) == python
