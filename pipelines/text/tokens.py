"""What the theme/sentiment model reads in a comment: its words, their count and the question it answers.

One tokeniser serves training (``WORD_RE`` on one comment) and prediction (``batch_tokens`` on a whole
batch in one pass); both give the same tokens. Comments that are no answer at all ("Did not answer",
"n/a", blank) are recognised here so they can be coded by rule instead of by the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

QUESTION_TYPES: tuple[str, ...] = ("improve", "good", "why", "describe", "other", "unknown")
QUESTION_TYPE_INDEX: dict[str, int] = {q: k for k, q in enumerate(QUESTION_TYPES)}

WORD_RE = re.compile(r"[^\W_]+")
# Answers that mean "no answer" - coded without asking the model (and they carry no sentiment).
_NO_ANSWER_RE = re.compile(r"^\s*(?:did not answer|no answer|n/?a|-+|\.+)?\s*[.!]*\s*$", re.IGNORECASE)

# Word-count buckets: very short answers mean different things to different questions.
LENGTH_BUCKET_CUTS = np.array([0, 1, 2, 5, 10, 25])
LENGTH_BUCKET_NAMES: tuple[str, ...] = ("0", "1", "2", "3-5", "6-10", "11-25", "26+")

# Separator between comments when a batch is tokenised in one regex pass (a private-use character).
COMMENT_SEP = "\ue000"
_TOKEN_SEP_RE = re.compile(r"[^\W_]+|\ue000")
# For ASCII text ``WORD_RE`` means "runs of [A-Za-z0-9]": one bytes.translate (lower-case letters and
# digits kept, everything else a space) and a split give the same tokens, several times faster than the
# regex. \x01 marks the comment boundaries on that path.
_ASCII_SEP = "\x01"
_ASCII_TOKEN_TABLE = (
    bytes((b | 0x20) if chr(b).isalpha() else b if (chr(b).isdigit() or b == 1) else 0x20 for b in range(128))
    + b" " * 128
)

# Non-word characters that make most non-ASCII comments non-ASCII (curly quotes, dashes, bullets, £):
# replaced by a space, which leaves the tokens as they were, such a comment can take the fast path.
_COMMON_NON_ASCII_PUNCTUATION = "\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u2022\u00a3"


def question_type(question: str | None) -> str:
    """Coarse type of the survey question a comment answers.

    The type, not the wording, is the feature: trusts phrase the same FFT follow-up question many ways.
    """
    if question is None or (isinstance(question, float) and math.isnan(question)):
        return "unknown"
    q = str(question).lower()
    if not q.strip():
        return "unknown"
    if "improve" in q or "better" in q or "could we do" in q or "change" in q:
        return "improve"
    if "good" in q or "best" in q or "like" in q or "well" in q:
        return "good"
    if "satisfied" in q or "describe" in q or "tell us" in q:
        return "describe"
    if "why" in q or "reason" in q:
        return "why"
    if re.search(r"\bq\d+\b", q):  # opaque codes such as "Trust A - Q1" say nothing about the question
        return "unknown"
    return "other"


def is_empty_comment(text: str | None) -> bool:
    """True for missing, blank or "did not answer"-style comments."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return True
    return bool(_NO_ANSWER_RE.match(str(text)))


def _ascii_punctuated(text: str) -> str:
    for ch in _COMMON_NON_ASCII_PUNCTUATION:
        if ch in text:
            text = text.replace(ch, " ")
    return text


def batch_tokens(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Tokens of ``texts`` as ``WORD_RE`` finds them in the lower-cased text, comments separated by
    ``COMMENT_SEP``, and the index of the text each separated group belongs to (ASCII texts come first)."""
    texts = [t if t.isascii() else _ascii_punctuated(t) for t in texts]
    is_ascii = [t.isascii() and _ASCII_SEP not in t for t in texts]
    ascii_texts = [t for t, a in zip(texts, is_ascii, strict=True) if a]
    other = [t for t, a in zip(texts, is_ascii, strict=True) if not a]
    order = np.fromiter(
        (i for a in (True, False) for i, k in enumerate(is_ascii) if k is a), dtype=np.int64, count=len(texts)
    )
    toks: list[str] = []
    if ascii_texts:
        joined = f" {_ASCII_SEP} ".join(ascii_texts).encode("ascii").translate(_ASCII_TOKEN_TABLE)
        toks = joined.decode("ascii").replace(_ASCII_SEP, COMMENT_SEP).split()
    if other:
        joined = COMMENT_SEP.join(other)
        if joined.count(COMMENT_SEP) != len(other) - 1:  # a text holding the separator itself: drop it
            joined = COMMENT_SEP.join(t.replace(COMMENT_SEP, " ") for t in other)
        if toks:
            toks.append(COMMENT_SEP)
        toks += _TOKEN_SEP_RE.findall(joined.lower())
    return toks, order


def length_bucket(n_words: int) -> str:
    """Word-count bucket (``LENGTH_BUCKET_NAMES``) of a comment of ``n_words`` words."""
    for cut, name in ((0, "0"), (1, "1"), (2, "2"), (5, "3-5"), (10, "6-10"), (25, "11-25")):
        if n_words <= cut:
            return name
    return "26+"
