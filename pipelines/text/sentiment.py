"""The sentiment scales, and the inputs of the sentiment context head.

Sentiment is a 5-point score (1 very positive ... 5 very negative) and a 3-class reading of it
(positive / neutral / negative). The context head re-reads the 3-class head's logits with the question
type and the rating the source gave with the comment (FFT score, review stars), because words such as
"Nothing" or "Not bad" do not settle the sentiment on their own. Format 5 models' head also reads the
comment's theme probabilities and the logits x question type.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipelines.text.tokens import QUESTION_TYPES

SENTIMENT_CLASSES: tuple[int, ...] = (1, 2, 3, 4, 5)
SENTIMENT3_NAMES: tuple[str, ...] = ("positive", "neutral", "negative")

# Context head inputs: the 3-class head's logits, question type, rating (0 = none, 1-5) and rating x question;
# format 5 adds the logits x question type and the comment's theme probabilities (``sentiment_context_size``).
_N_RATINGS = 6
SENTIMENT_CONTEXT_SIZE = 3 + len(QUESTION_TYPES) + _N_RATINGS + _N_RATINGS * len(QUESTION_TYPES)


def sentiment3(score: int | float | None) -> str | None:
    """5-point sentiment (1 very positive ... 5 very negative) to positive / neutral / negative."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    s = int(score)
    return "positive" if s <= 2 else ("neutral" if s == 3 else "negative")


def sentiment_context_size(n_labels: int | None) -> int:
    """Inputs of the context head: the base block, plus logits x question type and ``n_labels`` theme
    probabilities when ``n_labels`` is given (format 5)."""
    if n_labels is None:
        return SENTIMENT_CONTEXT_SIZE
    return SENTIMENT_CONTEXT_SIZE + 3 * len(QUESTION_TYPES) + n_labels


def rating_index(ratings: Sequence[Any] | None, n: int) -> np.ndarray:
    """Ratings as 0 (none, or outside 1-5 such as FFT "don't know") or 1-5 (1 very positive ... 5 very
    negative).  Accepts numbers, numeric strings, None, NaN and pandas.NA."""
    if ratings is None:
        return np.zeros(n, np.int64)
    if len(ratings) != n:
        raise ValueError(f"{len(ratings)} ratings for {n} texts")
    return np.fromiter(map(_rating_value, ratings), dtype=np.int64, count=n)


def _rating_value(rating: Any) -> int:
    if rating is None:  # the common cases first: DuckDB gives None or int
        return 0
    if type(rating) is int:
        return rating if 1 <= rating <= 5 else 0
    try:
        v = float(rating)
    except (TypeError, ValueError):
        return 0
    return int(v) if v in SENTIMENT_CLASSES else 0


def sentiment_context_logits(
    logits3: np.ndarray,
    qtype_index: np.ndarray,
    rating: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    theme_proba: np.ndarray | None = None,
) -> np.ndarray:
    """``sentiment_context(...) @ coef + intercept`` by row gathers: the one-hot blocks pick rows of
    ``coef``, and the 3 logits are 3 scaled rows.  No BLAS call, so no BLAS threads spinning on the other
    core (the matrix product cost more CPU than it took wall time).  A head with theme inputs (format 5,
    more rows in ``coef``) needs ``theme_proba``."""
    nq = len(QUESTION_TYPES)
    out = (
        intercept
        + coef[3 + qtype_index]
        + coef[3 + nq + rating]
        + coef[3 + nq + _N_RATINGS + rating * nq + qtype_index]
    )
    for k in range(3):
        out += logits3[:, k : k + 1] * coef[k]
    if len(coef) > SENTIMENT_CONTEXT_SIZE:
        if theme_proba is None:
            raise ValueError("this sentiment context head reads theme probabilities: pass theme_proba")
        base = SENTIMENT_CONTEXT_SIZE
        for k in range(3):
            out += logits3[:, k : k + 1] * coef[base + 3 * qtype_index + k]
        # einsum's own loop, not BLAS, for the same reason as above.
        out += np.einsum("nl,lc->nc", theme_proba, coef[base + 3 * nq :], optimize=False)
    return out


def sentiment_context(
    logits3: np.ndarray, qtype_index: np.ndarray, rating: np.ndarray, theme_proba: np.ndarray | None = None
) -> np.ndarray:
    """Dense inputs of the sentiment context head (n x ``sentiment_context_size``), float32."""
    n, nq = len(logits3), len(QUESTION_TYPES)
    F = np.zeros(
        (n, sentiment_context_size(None if theme_proba is None else theme_proba.shape[1])), np.float32
    )
    F[:, :3] = logits3
    r = np.arange(n)
    F[r, 3 + qtype_index] = 1.0
    F[r, 3 + nq + rating] = 1.0
    F[r, 3 + nq + _N_RATINGS + rating * nq + qtype_index] = 1.0
    if theme_proba is not None:
        # Logits x question type: how far to trust the words depends on what was asked.
        base = SENTIMENT_CONTEXT_SIZE
        for k in range(3):
            F[r, base + 3 * qtype_index + k] = logits3[:, k]
        F[:, base + 3 * nq :] = theme_proba
    return F
