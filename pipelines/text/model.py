"""Multi-label theme coding (QDC framework v7) and sentiment for free-text patient comments.

Design choices, and why:

* Cheap linear models over sparse TF-IDF features (word 1-2 grams, char 2-5 grams inside words, and
  question-type x word interactions).  Themes: one-vs-rest logistic regression with class weights
  (balanced, raised to the power 1.5; it beat LinearSVC, NB-SVM and their mixes on grouped
  out-of-fold macro-F1 at equal micro-F1; a second-stage stacker on first-stage probabilities and down-weighting phase-1 data did not help).  Sentiment: a one-vs-rest LinearSVC 3-class head (softmax temperature fitted out-of-fold)
  decides positive / neutral / negative and a multinomial LR 5-class head splits each class into points.
  A small context head then re-reads the 3-class head's logits with the question type and the rating
  the source gave with the comment (FFT score, review stars): "Nothing" with a top FFT score is praise.
  It is stacked (fitted on out-of-fold logits) because the same rating columns added to the sparse
  features were drowned by them (held-out 3-class accuracy, mean of five splits: 0.840 -> 0.860).  Since
  format 5 it also reads the comment's theme probabilities (out-of-fold in training) and the logits x
  question type: 0.860 -> 0.863.
* l2 normalisation gives every comment length 1: a long comment's words (2.2 themes over 40 words, 56%
  of them found) are each diluted, a short comment's few are each strong.  The word and char blocks are
  pivot-normalised instead (``FeatureSpace.norm_power``): held-out micro-F1 0.712 -> 0.718, macro-F1
  0.575 -> 0.590 over five splits, F1 up at every comment length, most over 40 words.
* Features are built per batch in one regex pass; each distinct word's unigram + char n-gram row is
  cached in a word table.  The char block is a sum of per-word vectors normalised by the words' own
  norms, so it is linear in the words: prediction scores each table word once ((words x features) @
  weights, cached) and a comment's char score is one product of its word counts with that table - the
  n-grams, ~80% of the features, are never built per comment (2x faster than summing n-gram counts per
  comment, at equal held-out quality on two seeds).
* The shipped model is plain arrays + JSON (``vocabulary.json``, ``weights.npz``, ``model.json``): no
  pickle, so loading a model file can never execute code, and nothing is downloaded at run time.
  Inference needs numpy + scipy only; scikit-learn is used for training.
* The question is a feature: "Nothing" answering "What could we do better?" is praise, answering "What
  was good?" it is a complaint.  A linear model cannot flip a word's meaning with an additive question
  flag, so words are also emitted conjoined with the question type ("improve|nothing").
* Per-label thresholds are tuned on out-of-fold predictions (folds grouped by respondent), because a
  single 0.5 cut-off badly under-predicts rare labels - on exhaustively coded rows only: phase-1 rows
  carry one code each, so a code they lack is a weak negative (weight 0.1 in the fits).  Those rows have
  no usable question, so the exhaustively coded rows are also trained on a second time with the question
  unknown; otherwise "question unknown" would mean "phase-1 comment" to the model.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from pipelines.text.framework import (
    EMPTY_LABEL,
    FRAMEWORK_VERSION,
    KEYWORD_TOPICS,
    SUBCATEGORY_TO_CATEGORY,
    V7_LABELS,
    keyword_topics,
)

DEFAULT_MODEL_DIR = Path(__file__).with_name("model")
# 2: the char block is a sum of per-word vectors with a per-word norm (see FeatureSpace._parts).
# 3: adds the optional sentiment context head (sentiment_context_* arrays); format 2 still loads.
# 4: pivoted length normalisation (features.norm_power / norm_pivot); formats 2-3 load as plain l2.
FORMAT_VERSION = 5
READABLE_FORMATS = (2, 3, 4, 5)

SENTIMENT_CLASSES: tuple[int, ...] = (1, 2, 3, 4, 5)
SENTIMENT3_NAMES: tuple[str, ...] = ("positive", "neutral", "negative")
QUESTION_TYPES: tuple[str, ...] = ("improve", "good", "why", "describe", "other", "unknown")

_WORD_RE = re.compile(r"[^\W_]+")
# Answers that mean "no answer" - coded without asking the model (and they carry no sentiment).
_NO_ANSWER_RE = re.compile(r"^\s*(?:did not answer|no answer|n/?a|-+|\.+)?\s*[.!]*\s*$", re.IGNORECASE)


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


_LENGTH_CUTS = np.array([0, 1, 2, 5, 10, 25])
_LENGTH_BUCKETS: tuple[str, ...] = ("0", "1", "2", "3-5", "6-10", "11-25", "26+")
# Separator between comments when a batch is tokenised in one regex pass (a private-use character).
_SEP = "\ue000"
_TOKEN_SEP_RE = re.compile(r"[^\W_]+|\ue000")
# For ASCII text ``_WORD_RE`` means "runs of [A-Za-z0-9]": one bytes.translate (lower-case letters and
# digits kept, everything else a space) and a split give the same tokens 2.5x faster than the regex.
# \x01 marks the comment boundaries on that path.
_ASCII_SEP = "\x01"
_ASCII_TOKEN_TABLE = (
    bytes((b | 0x20) if chr(b).isalpha() else b if (chr(b).isdigit() or b == 1) else 0x20 for b in range(128))
    + b" " * 128
)


# Non-word characters that make most non-ASCII comments non-ASCII (curly quotes, dashes, bullets, £):
# replaced by a space, which leaves the tokens as they were, such a comment can take the fast path.
_COMMON_NON_ASCII_PUNCTUATION = "\u2019\u2018\u201c\u201d\u2013\u2014\u2026\u2022\u00a3"


def _ascii_punctuated(text: str) -> str:
    for ch in _COMMON_NON_ASCII_PUNCTUATION:
        if ch in text:
            text = text.replace(ch, " ")
    return text


def _batch_tokens(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Tokens of ``texts`` as ``_WORD_RE`` finds them in the lower-cased text, comments separated by
    ``_SEP``, and the index of the text each separated group belongs to (ASCII texts come first)."""
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
        toks = joined.decode("ascii").replace(_ASCII_SEP, _SEP).split()
    if other:
        joined = _SEP.join(other)
        if joined.count(_SEP) != len(other) - 1:  # a text holding the separator itself: drop it
            joined = _SEP.join(t.replace(_SEP, " ") for t in other)
        if toks:
            toks.append(_SEP)
        toks += _TOKEN_SEP_RE.findall(joined.lower())
    return toks, order


def _length_bucket(n_words: int) -> str:
    """Word-count bucket: very short answers mean different things to different questions."""
    for cut, name in ((0, "0"), (1, "1"), (2, "2"), (5, "3-5"), (10, "6-10"), (25, "11-25")):
        if n_words <= cut:
            return name
    return "26+"


def sentiment3(score: int | float | None) -> str | None:
    """5-point sentiment (1 very positive ... 5 very negative) to positive / neutral / negative."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return None
    s = int(score)
    return "positive" if s <= 2 else ("neutral" if s == 3 else "negative")


def is_empty_comment(text: str | None) -> bool:
    """True for missing, blank or "did not answer"-style comments."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return True
    return bool(_NO_ANSWER_RE.match(str(text)))


# --------------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------------


# Context head inputs: the 3-class head's logits, question type, rating (0 = none, 1-5) and rating x question;
# format 5 adds the logits x question type and the comment's theme probabilities (``sentiment_context_size``).
_N_RATINGS = 6
SENTIMENT_CONTEXT_SIZE = 3 + len(QUESTION_TYPES) + _N_RATINGS + _N_RATINGS * len(QUESTION_TYPES)


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


_QTYPE_INDEX = {q: k for k, q in enumerate(QUESTION_TYPES)}


def sentiment_context_logits(
    logits3: np.ndarray,
    qtype_index: np.ndarray,
    rating: np.ndarray,
    coef: np.ndarray,
    intercept: np.ndarray,
    theme_proba: np.ndarray | None = None,
) -> np.ndarray:
    """``sentiment_context(...) @ coef + intercept`` by row gathers: the one-hot blocks pick rows of
    ``coef``, and the 3 logits are 3 scaled rows.  No BLAS call, so no BLAS threads spinning on 2 cores
    (the matrix product cost 10% more CPU per comment end to end than it took wall time).  A head with
    theme inputs (format 5, more rows in ``coef``) needs ``theme_proba``."""
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


class _IntMap:
    """Non-negative int64 keys -> int values, looked up for a whole array at once.

    An open-addressing hash table (multiplicative hash, linear probing, load <= 1/3): looking up the
    ~40 adjacent word pairs of every comment against the bigram vocabulary is a few vectorised passes,
    ~4x cheaper than a binary search over the sorted keys.
    """

    def __init__(self, keys: Sequence[int], values: Sequence[int]) -> None:
        self._bits = max(4, int(math.ceil(math.log2(3 * max(len(keys), 1)))))
        size = 1 << self._bits
        table_keys = [-1] * size
        table_values = [-1] * size
        slots = self._slots(np.asarray(keys, dtype=np.int64)).tolist()
        for key, value, slot in zip(keys, values, slots, strict=True):
            while table_keys[slot] != -1 and table_keys[slot] != key:
                slot = (slot + 1) & (size - 1)
            table_keys[slot], table_values[slot] = key, value
        self._keys = np.array(table_keys, dtype=np.int64)
        self._values = np.array(table_values, dtype=np.int64)
        self._n = len(set(keys))

    def __len__(self) -> int:
        return self._n

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        hashed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # wraps mod 2**64 by design
        return (hashed >> np.uint64(64 - self._bits)).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key, -1 where the key is absent."""
        out = np.full(len(keys), -1, np.int64)
        slot = self._slots(keys)
        pending = np.arange(len(keys))
        mask = len(self._keys) - 1
        while len(pending):
            at = slot[pending]
            stored = self._keys[at]
            hit = stored == keys[pending]
            out[pending[hit]] = self._values[at[hit]]
            pending = pending[~hit & (stored != -1)]  # an empty slot ends the probe: the key is absent
            slot[pending] = (slot[pending] + 1) & mask
        return out


BLOCKS: tuple[str, ...] = ("word", "char", "qword", "qtype")
_CHAR_BLOCK = BLOCKS.index("char")


@dataclass
class FeatureSpace:
    """Fixed-vocabulary TF-IDF over four blocks, each normalised then weighted (see ``_parts``).

    Implemented in pure Python + numpy (not sklearn) so that it is (a) rebuilt exactly from JSON,
    (b) fast: char n-grams are computed once per distinct word and cached, so the per-comment cost is a
    handful of dict look-ups per word.
    """

    vocab: dict[str, list[str]]
    idf: dict[str, np.ndarray]
    block_weights: dict[str, float]
    char_ngram: tuple[int, int] = (2, 5)
    # Pivoted length normalisation of the word and char blocks: a block is divided by
    # norm ** power x pivot ** (1 - power), pivot = the training comments' median norm of that block.
    # power 1 is plain l2.  Below 1 a long comment keeps more weight per word, so the several themes
    # of a long comment are not each diluted below their threshold (see TrainSettings.length_norm_power).
    norm_power: float = 1.0
    norm_pivot: dict[str, float] = field(default_factory=dict)
    _index: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    _offsets: dict[str, int] = field(default_factory=dict, repr=False)
    _char_cache: dict[str, int] = field(default_factory=dict, repr=False)  # word -> row of the word table

    # Words the word table may learn at prediction time before it is reset (bounds memory).
    MAX_EXTRA_WORDS = 300_000

    def __post_init__(self) -> None:
        off = 0
        for b in BLOCKS:
            self._index[b] = {t: i + off for i, t in enumerate(self.vocab[b])}
            self._offsets[b] = off
            off += len(self.vocab[b])
        self.n_features = off
        self._block_of_col = np.zeros(off, dtype=np.int8)
        idf_all = np.ones(off, dtype=np.float32)
        w_all = np.ones(len(BLOCKS), dtype=np.float32)
        for k, b in enumerate(BLOCKS):
            s = self._offsets[b]
            self._block_of_col[s : s + len(self.vocab[b])] = k
            idf_all[s : s + len(self.vocab[b])] = self.idf[b]
            w_all[k] = self.block_weights.get(b, 1.0)
        self._idf_all = idf_all
        self._block_w = w_all
        self._build_tables()

    # -- tokenisation ------------------------------------------------------------------------------
    @staticmethod
    def tokens(text: str, qtype: str, char_ngram: tuple[int, int]) -> dict[str, list[str]]:
        """All raw tokens of one comment by block (used to build the vocabulary)."""
        words = _WORD_RE.findall(text.lower())
        out: dict[str, list[str]] = {"word": [], "char": [], "qword": [], "qtype": [qtype]}
        out["word"] = words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]
        lo, hi = char_ngram
        for w in set(words):
            p = " " + w + " "
            for n in range(lo, hi + 1):
                out["char"].extend(p[i : i + n] for i in range(len(p) - n + 1))
        bucket = "len=" + _length_bucket(len(words))
        out["qword"] = [bucket, qtype + "|" + bucket]
        if qtype != "unknown":
            out["qword"].extend(qtype + "|" + w for w in words)
        return out

    # -- vectorised transform ----------------------------------------------------------------------
    # A comment's features are a sum over its words of that word's *row* in a word table (its unigram
    # column and its char n-gram columns), plus bigram, question x word, length and question-type
    # columns found by integer look-ups.  Python touches each distinct word once (to build its row);
    # every per-token step is a numpy gather, so the cost per comment is close to the regex's.

    def _word_row(self, word: str) -> list[int]:
        g = self._index["char"].get
        p = " " + word + " "
        lo, hi = self.char_ngram
        ids = [
            j for n in range(lo, hi + 1) for i in range(len(p) - n + 1) if (j := g(p[i : i + n])) is not None
        ]
        j = self._index["word"].get(word)
        if j is not None:
            ids.append(j)
        return ids

    def _build_tables(self) -> None:
        words: set[str] = set()
        bigrams: list[tuple[str, str, int]] = []
        for t, j in self._index["word"].items():
            if " " in t:
                a, b = t.split(" ", 1)
                bigrams.append((a, b, j))
                words.update((a, b))
            else:
                words.add(t)
        qtypes = {q: k for k, q in enumerate(QUESTION_TYPES)}
        qwords: list[tuple[int, str, int]] = []
        for t, j in self._index["qword"].items():
            q, sep, w = t.partition("|")
            if sep and q in qtypes and not w.startswith("len="):
                qwords.append((qtypes[q], w, j))
                words.add(w)
        table = sorted(words)
        self._wtab0 = {w: i for i, w in enumerate(table)}
        self._n_pre = len(table)
        rows = [self._word_row(w) for w in table]
        self._tab_ptr0 = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
        self._tab_ind0 = np.fromiter(
            (j for r in rows for j in r), dtype=np.int32, count=int(self._tab_ptr0[-1])
        )
        self._reset_table()
        n_pre = max(self._n_pre, 1)
        self._bigrams = _IntMap(
            [self._wtab0[a] * n_pre + self._wtab0[b] for a, b, _ in bigrams], [j for _, _, j in bigrams]
        )
        nq = len(QUESTION_TYPES) + 1  # last row: a question type the model does not know
        self._qword = np.full((nq, n_pre), -1, np.int32)
        for k, w, j in qwords:
            self._qword[k, self._wtab0[w]] = j
        buckets = _LENGTH_BUCKETS
        qi, ti = self._index["qword"].get, self._index["qtype"].get
        self._len_col = np.array([qi("len=" + b, -1) for b in buckets], np.int32)
        self._qlen_col = np.array(
            [[qi(q + "|len=" + b, -1) for b in buckets] for q in QUESTION_TYPES] + [[-1] * len(buckets)],
            np.int32,
        )
        self._qtype_col = np.array([ti(q, -1) for q in QUESTION_TYPES] + [-1], np.int32)
        self._qtype_index = qtypes

    def reset_cache(self) -> None:
        """Forget the words learnt at prediction time (a cold cache, for benchmarks)."""
        self._reset_table()

    def _reset_table(self) -> None:
        self._word_tabs: tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray] | None = None
        self._score_cache: tuple[np.ndarray, np.ndarray] | None = None
        self._char_cache = dict(self._wtab0)
        self._char_cache[_SEP] = -2
        self._tab_ptr = self._tab_ptr0
        self._tab_ind = self._tab_ind0

    def _add_words(self, new: Iterable[str]) -> None:
        new = sorted(set(new))
        if len(self._char_cache) - self._n_pre + len(new) > self.MAX_EXTRA_WORDS:
            self._reset_table()
        base = len(self._tab_ptr) - 1
        rows = [self._word_row(w) for w in new]
        for k, w in enumerate(new):
            self._char_cache[w] = base + k
        ptr = np.cumsum([len(r) for r in rows], dtype=np.int64) + self._tab_ptr[-1]
        self._tab_ptr = np.concatenate([self._tab_ptr, ptr])
        self._tab_ind = np.concatenate([self._tab_ind, np.fromiter((j for r in rows for j in r), np.int32)])

    def _word_tables(self) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """Per word-table row: its unigram column (Tu), its char block (Tc) and Tc's squared row norms.

        Tc holds (1 + log count of the n-gram in the word) x idf. Built for new rows only as words are
        learnt, and rebuilt after the table is reset.
        """
        ntab = len(self._tab_ptr) - 1
        done = 0 if self._word_tabs is None else self._word_tabs[0].shape[0]
        if done < ntab:
            lo = int(self._tab_ptr[done])
            # scipy sorts and prunes index arrays in place: every matrix gets its own copy of them.
            ptr, ind = self._tab_ptr[done:] - lo, self._tab_ind[lo:].copy()
            T = sp.csr_matrix((np.ones(len(ind), np.float32), ind, ptr), shape=(ntab - done, self.n_features))
            T.sum_duplicates()  # an n-gram twice in one word ("banana": "an", "na") counts 2
            is_char = self._block_of_col[T.indices] == _CHAR_BLOCK
            char_values = np.where(is_char, (1.0 + np.log(T.data)) * self._idf_all[T.indices], 0.0)
            Tc = sp.csr_matrix(
                (char_values, T.indices.copy(), T.indptr.copy()), shape=T.shape, dtype=np.float32
            )
            Tu = sp.csr_matrix(
                (np.where(is_char, 0.0, T.data), T.indices.copy(), T.indptr.copy()),
                shape=T.shape,
                dtype=np.float32,
            )
            Tc.eliminate_zeros()
            Tu.eliminate_zeros()
            n2 = np.asarray(Tc.multiply(Tc).sum(axis=1), dtype=np.float32).ravel()
            if self._word_tabs is not None:
                old_u, old_c, old_n2 = self._word_tabs
                Tu, Tc, n2 = sp.vstack([old_u, Tu], "csr"), sp.vstack([old_c, Tc], "csr"), np.r_[old_n2, n2]
            self._word_tabs = (Tu, Tc, n2)
        return self._word_tabs  # type: ignore[return-value]

    def _word_scores(self, W: np.ndarray) -> np.ndarray:
        """Tc @ W: each table word's char-block contribution to every output, extended as words are learnt."""
        _, Tc, _ = self._word_tables()
        cached = self._score_cache
        if cached is None or cached[0] is not W or cached[1].shape[0] > Tc.shape[0]:
            cached = (W, np.zeros((0, W.shape[1]), np.float32))
        S = cached[1]
        if S.shape[0] < Tc.shape[0]:
            S = np.vstack([S, np.asarray(Tc[S.shape[0] :] @ W, dtype=np.float32)])
        self._score_cache = (W, S)
        return S

    def _counts(self, texts: Sequence[str], qtypes: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(C, X2): comment x word-table counts, and raw counts of the bigram, question x word, length and
        question-type columns."""
        n = len(texts)
        toks, order = _batch_tokens(texts)
        if self._char_cache.get(_SEP) != -2:  # the cache was cleared from outside
            self._reset_table()
        tab = self._char_cache
        ids = np.fromiter(map(tab.get, toks, repeat(-1)), dtype=np.int64, count=len(toks))
        miss = np.flatnonzero(ids == -1)
        if len(miss):
            self._add_words(toks[i] for i in miss)
            tab = self._char_cache
            ids[miss] = [tab[toks[i]] for i in miss]
            if (ids == -1).any():  # the table was reset while adding: look everything up again
                ids = np.fromiter(map(tab.get, toks), dtype=np.int64, count=len(toks))
        is_sep = ids == -2
        # Comment index of every token (separators belong to the next comment), in the caller's order.
        doc = order[np.cumsum(is_sep)] if len(ids) else np.zeros(0, np.int64)
        word = ~is_sep
        wid, wdoc = ids[word], doc[word]
        n_words = np.bincount(wdoc, minlength=n)
        qt = np.fromiter(
            (self._qtype_index.get(q, len(QUESTION_TYPES)) for q in qtypes), dtype=np.int64, count=n
        )
        C = sp.csr_matrix((np.ones(len(wid), np.float32), (wdoc, wid)), shape=(n, len(self._tab_ptr) - 1))
        C.sum_duplicates()
        cols: list[np.ndarray] = []
        docs: list[np.ndarray] = []
        n_pre = self._n_pre
        # Bigrams of adjacent words in the same comment, both in the pre-built table.
        if len(ids) > 1 and len(self._bigrams):
            a, b = ids[:-1], ids[1:]
            ok = (a >= 0) & (b >= 0) & (a < n_pre) & (b < n_pre)
            found = self._bigrams.get(a[ok] * max(n_pre, 1) + b[ok])
            hit = found >= 0
            cols.append(found[hit])
            docs.append(doc[:-1][ok][hit])
        # Question type x word.
        known = wid < n_pre
        qc = np.full(len(wid), -1, np.int64)
        qc[known] = self._qword[qt[wdoc[known]], wid[known]]
        cols.append(qc)
        docs.append(wdoc)
        # Length bucket, question type x length bucket, question type.
        bucket = np.searchsorted(_LENGTH_CUTS, n_words, side="left")
        r = np.arange(n)
        cols += [
            self._len_col[bucket].astype(np.int64),
            self._qlen_col[qt, bucket].astype(np.int64),
            self._qtype_col[qt].astype(np.int64),
        ]
        docs += [r, r, r]
        c, d = np.concatenate(cols), np.concatenate(docs)
        keep = c >= 0
        X2 = sp.csr_matrix(
            (np.ones(int(keep.sum()), np.float32), (d[keep], c[keep])), shape=(n, self.n_features)
        )
        return C, X2

    def _raw_parts(
        self, texts: Sequence[str], qtypes: Sequence[str]
    ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, sp.csr_matrix, np.ndarray]:
        """(X, key, block norms (n x blocks), G, char norms) before normalisation.

        X is sublinear tf x idf of the word, question and question-type blocks (``key``: comment x block
        of each stored value), G the comment x word-table (1 + log count) matrix of the char block."""
        C, X2 = self._counts(texts, qtypes)
        Tu, _, n2 = self._word_tables()
        n = len(texts)
        X = (C @ Tu + X2).tocsr()  # unigram counts; X2 shares no column with them
        # Sublinear tf (1 + log tf) stops one repeated word dominating a long comment.
        X.data = (1.0 + np.log(X.data)) * self._idf_all[X.indices]
        nb = len(BLOCKS)
        key = np.repeat(np.arange(0, n * nb, nb), np.diff(X.indptr))
        key += self._block_of_col[X.indices]
        norms = np.sqrt(np.bincount(key, weights=np.square(X.data, dtype=np.float64), minlength=n * nb))
        G = C
        G.data = 1.0 + np.log(G.data)
        char_norm = np.sqrt(np.asarray(G.multiply(G) @ n2, dtype=np.float64).ravel())
        return X, key, norms.reshape(n, nb), G, char_norm

    def _parts(
        self, texts: Sequence[str], qtypes: Sequence[str]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """(X, G, char_scale): the features are X + diag(char_scale) @ G @ Tc.

        X holds the word, question and question-type blocks (sublinear tf x idf, l2-normalised per block -
        the word block's norm pivoted, see ``norm_power`` - times the block weight). The char block is a
        sum over the comment's distinct words of (1 + log count) x the word's char vector, scaled by the
        block weight over sqrt(sum of those words' squared norms) (pivoted too) - a norm that treats words
        as orthogonal - so a comment's char block is linear in per-word vectors and prediction can score
        each distinct word once (``scores``).
        """
        X, key, norms, G, char_norm = self._raw_parts(texts, qtypes)
        # Each block is normalised separately, so long comments' many words cannot drown the question
        # features, then weighted.
        norms = np.maximum(norms, 1e-30)
        char_norm = np.maximum(char_norm, 1e-30)
        if self.norm_power != 1.0:
            p = self.norm_power
            if "word" in self.norm_pivot:
                k = BLOCKS.index("word")
                norms[:, k] = norms[:, k] ** p * self.norm_pivot["word"] ** (1.0 - p)
            if "char" in self.norm_pivot:
                char_norm = char_norm**p * self.norm_pivot["char"] ** (1.0 - p)
        scale = (self._block_w[None, :] / norms).astype(np.float32).ravel()
        X.data *= scale[key]
        char_scale = (self._block_w[_CHAR_BLOCK] / char_norm).astype(np.float32)
        return X, G, char_scale

    def transform(self, texts: Sequence[str], qtypes: Sequence[str]) -> sp.csr_matrix:
        """Sparse float32 feature matrix (n_texts x n_features), as training sees it."""
        n = len(texts)
        if len(qtypes) != n:
            raise ValueError(f"{len(qtypes)} question types for {n} texts")
        if n == 0:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        X, G, char_scale = self._parts(texts, qtypes)
        _, Tc, _ = self._word_tables()
        return (X + sp.diags(char_scale) @ (G @ Tc)).tocsr().astype(np.float32)

    def scores(self, texts: Sequence[str], qtypes: Sequence[str], W: np.ndarray) -> np.ndarray:
        """``transform(texts, qtypes) @ W`` without building the char block (~80% of the features).

        The char block's contribution is (G @ (Tc @ W)) scaled per comment, and Tc @ W is computed once
        per word the table holds, so the per-comment cost is the words, not their n-grams.
        """
        n = len(texts)
        if len(qtypes) != n:
            raise ValueError(f"{len(qtypes)} question types for {n} texts")
        if n == 0:
            return np.zeros((0, W.shape[1]), np.float32)
        X, G, char_scale = self._parts(texts, qtypes)
        return np.asarray(X @ W) + char_scale[:, None] * np.asarray(G @ self._word_scores(W))

    # -- fitting / persistence --------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        qtypes: Sequence[str],
        *,
        min_df: dict[str, int] | None = None,
        max_features: dict[str, int] | None = None,
        block_weights: dict[str, float] | None = None,
        char_ngram: tuple[int, int] = (2, 5),
        norm_power: float = 1.0,
    ) -> FeatureSpace:
        """Build vocabularies (document frequency >= min_df, most frequent max_features) and idf, and with
        ``norm_power`` below 1 the word and char blocks' pivots (their median norms over ``texts``)."""
        min_df = {"word": 2, "char": 3, "qword": 3, "qtype": 1, **(min_df or {})}
        max_features = {"word": 40_000, "char": 60_000, "qword": 15_000, "qtype": 100, **(max_features or {})}
        block_weights = {"word": 1.0, "char": 1.0, "qword": 0.5, "qtype": 0.3, **(block_weights or {})}
        df: dict[str, dict[str, int]] = {b: {} for b in BLOCKS}
        for text, qtype in zip(texts, qtypes, strict=True):
            for b, toks in cls.tokens(text, qtype, char_ngram).items():
                d = df[b]
                for t in set(toks):
                    d[t] = d.get(t, 0) + 1
        n = len(texts)
        vocab: dict[str, list[str]] = {}
        idf: dict[str, np.ndarray] = {}
        for b in BLOCKS:
            items = [(t, c) for t, c in df[b].items() if c >= min_df[b]]
            items.sort(key=lambda tc: (-tc[1], tc[0]))  # deterministic: by frequency, then text
            items = items[: max_features[b]]
            items.sort(key=lambda tc: tc[0])
            vocab[b] = [t for t, _ in items]
            counts = np.array([c for _, c in items], dtype=np.float64)
            # sklearn's smoothed idf, so figures are comparable with TfidfVectorizer baselines.
            idf[b] = (np.log((1.0 + n) / (1.0 + counts)) + 1.0).astype(np.float32)
        space = cls(vocab=vocab, idf=idf, block_weights=block_weights, char_ngram=char_ngram)
        if norm_power == 1.0 or not texts:
            return space
        _, _, norms, _, char_norm = space._raw_parts(texts, qtypes)
        word_norm = norms[:, BLOCKS.index("word")]
        pivot = {
            "word": float(np.median(word_norm[word_norm > 0])) if (word_norm > 0).any() else 1.0,
            "char": float(np.median(char_norm[char_norm > 0])) if (char_norm > 0).any() else 1.0,
        }
        return cls(
            vocab=vocab,
            idf=idf,
            block_weights=block_weights,
            char_ngram=char_ngram,
            norm_power=norm_power,
            norm_pivot=pivot,
        )

    def settings(self) -> dict[str, Any]:
        """JSON-able settings (the vocabulary itself goes to vocabulary.json, idf to weights.npz)."""
        return {
            "blocks": list(BLOCKS),
            "block_sizes": {b: len(self.vocab[b]) for b in BLOCKS},
            "block_weights": self.block_weights,
            "char_ngram": list(self.char_ngram),
            "word_ngram": [1, 2],
            "token_pattern": _WORD_RE.pattern,
            "tf": "1+log(tf)",
            "idf": "log((1+n)/(1+df))+1",
            "normalisation": "l2 per block, then block weight; the word and char blocks' norms are pivoted: "
            "norm ** norm_power x norm_pivot ** (1 - norm_power)",
            "norm_power": self.norm_power,
            "norm_pivot": self.norm_pivot,
            "char_block": "sum over distinct words of (1+log count) x word vector ((1+log n-gram count in the "
            "word) x idf), over sqrt(sum of the words' squared norms)",
            "question_types": list(QUESTION_TYPES),
        }


# --------------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coding:
    """The coding of one comment."""

    themes: tuple[str, ...]  # v7 sub-categories, most probable first; never empty
    categories: tuple[str, ...]  # their v7 categories, de-duplicated
    topics: tuple[str, ...]  # keyword-rule topics (e.g. "Equality, diversity & inclusion")
    theme_probabilities: dict[str, float]  # every v7 sub-category
    sentiment: int | None  # 1 very positive ... 5 very negative; None for an empty comment
    sentiment3: str | None  # "positive" / "neutral" / "negative"
    sentiment_probabilities: tuple[float, ...]  # P(1) ... P(5)
    question_type: str


@dataclass
class Predictions:
    """Batched predictions as arrays (rows align with the input texts)."""

    labels: tuple[str, ...]
    theme_proba: np.ndarray  # (n, n_labels) float32
    theme_mask: np.ndarray  # (n, n_labels) bool: label assigned (thresholds + at-least-one rule)
    sentiment_proba: np.ndarray  # (n, 5) float32
    sentiment: np.ndarray  # (n,) int8, 1..5 (0 for an empty comment)
    sentiment3: np.ndarray  # (n,) int8: 0 positive, 1 neutral, 2 negative, -1 empty
    empty: np.ndarray  # (n,) bool


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class ThemeSentimentModel:
    """Linear multi-label theme model + 5-class sentiment model over one FeatureSpace.

    Theme probability for label k is the mean over the ensemble members m of
    ``sigmoid(a_mk * (x . w_mk + b_mk) + c_mk)`` (a=1, c=0 for logistic regression; Platt-scaled for
    margin classifiers), so every member is just a weight matrix.
    """

    def __init__(
        self,
        features: FeatureSpace,
        labels: Sequence[str],
        theme_coef: np.ndarray,  # (members, n_features, n_labels)
        theme_intercept: np.ndarray,  # (members, n_labels)
        theme_platt: np.ndarray,  # (members, 2, n_labels): scale a, shift c
        thresholds: np.ndarray,  # (n_labels,)
        sentiment_coef: np.ndarray,  # (n_features, 5)
        sentiment_intercept: np.ndarray,  # (5,)
        meta: dict[str, Any] | None = None,
        sentiment3_coef: np.ndarray | None = None,  # (n_features, 3): positive / neutral / negative head
        sentiment3_intercept: np.ndarray | None = None,  # (3,)
        sentiment_context_coef: np.ndarray | None = None,  # (sentiment_context_size(...), 3): context head
        sentiment_context_intercept: np.ndarray | None = None,  # (3,)
    ) -> None:
        self.features = features
        self.labels = tuple(labels)
        self.theme_coef = np.ascontiguousarray(theme_coef, dtype=np.float32)
        self.theme_intercept = np.asarray(theme_intercept, dtype=np.float32)
        self.theme_platt = np.asarray(theme_platt, dtype=np.float32)
        self.thresholds = np.asarray(thresholds, dtype=np.float32)
        self.sentiment_coef = np.ascontiguousarray(sentiment_coef, dtype=np.float32)
        self.sentiment_intercept = np.asarray(sentiment_intercept, dtype=np.float32)
        self.meta = dict(meta or {})
        self._fingerprint: str | None = None  # set by load() from the files; else computed from the arrays
        self.sentiment3_coef = (
            None if sentiment3_coef is None else np.ascontiguousarray(sentiment3_coef, dtype=np.float32)
        )
        self.sentiment3_intercept = (
            None if sentiment3_intercept is None else np.asarray(sentiment3_intercept, dtype=np.float32)
        )
        self.sentiment_context_coef = (
            None if sentiment_context_coef is None else np.asarray(sentiment_context_coef, dtype=np.float32)
        )
        self.sentiment_context_intercept = (
            None
            if sentiment_context_intercept is None
            else np.asarray(sentiment_context_intercept, dtype=np.float32)
        )
        if self.sentiment_context_coef is not None:
            sizes = (SENTIMENT_CONTEXT_SIZE, sentiment_context_size(len(self.labels)))
            if len(self.sentiment_context_coef) not in sizes:
                raise ValueError(
                    f"sentiment context head has {len(self.sentiment_context_coef)} inputs; expected one of "
                    f"{sizes} for {len(self.labels)} labels"
                )
        # One stacked matrix so prediction is a single sparse x dense product.
        m = self.theme_coef.shape[0]
        extra = [] if self.sentiment3_coef is None else [self.sentiment3_coef]
        self._W = np.ascontiguousarray(
            np.concatenate([self.theme_coef[i] for i in range(m)] + [self.sentiment_coef] + extra, axis=1)
        )

    @property
    def fingerprint(self) -> str:
        """SHA-256 naming exactly this model: of its files when loaded from disk, else of its arrays."""
        if self._fingerprint is None:
            digest = hashlib.sha256(json.dumps(self.features.vocab, sort_keys=True).encode())
            for array in (
                self._W,
                self.theme_intercept,
                self.theme_platt,
                self.thresholds,
                self.sentiment_intercept,
                *(() if self.sentiment3_intercept is None else (self.sentiment3_intercept,)),
                *(
                    ()
                    if self.sentiment_context_coef is None
                    else (self.sentiment_context_coef, self.sentiment_context_intercept)
                ),
            ):
                digest.update(np.ascontiguousarray(array).tobytes())
            digest.update(json.dumps(self.features.settings(), sort_keys=True).encode())
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    # -- prediction --------------------------------------------------------------------------------
    def predict_arrays(
        self,
        texts: Sequence[str | None],
        questions: Sequence[str | None] | None = None,
        ratings: Sequence[Any] | None = None,
    ) -> Predictions:
        """Batched prediction: theme probability matrix, assigned-label mask and sentiment arrays.

        ``ratings``: the score the source gave with each comment, 1 very positive ... 5 very negative
        (FFT order; None where there is none); the sentiment context head reads it with the question.
        """
        n = len(texts)
        if questions is None:
            questions = [None] * n
        elif len(questions) != n:
            raise ValueError(f"{len(questions)} questions for {n} texts")
        memo: dict[Any, str] = {}  # a batch answers a handful of distinct questions
        qtypes = [memo[q] if q in memo else memo.setdefault(q, question_type(q)) for q in questions]
        empty = np.array([is_empty_comment(t) for t in texts], dtype=bool)
        clean = ["" if e else str(t) for t, e in zip(texts, empty, strict=True)]
        # Identical (text, question type) pairs are common ("Nothing", "No") - score each once.
        uniq: dict[tuple[str, str], int] = {}
        inverse = np.empty(n, dtype=np.int64)
        for i, key in enumerate(zip(clean, qtypes, strict=True)):
            inverse[i] = uniq.setdefault(key, len(uniq))
        keys = list(uniq)
        Z = self.features.scores([k[0] for k in keys], [k[1] for k in keys], self._W)
        L = len(self.labels)
        m = self.theme_coef.shape[0]
        P = np.zeros((len(keys), L), dtype=np.float32)
        for i in range(m):
            z = Z[:, i * L : (i + 1) * L] + self.theme_intercept[i]
            P += _sigmoid(self.theme_platt[i, 0] * z + self.theme_platt[i, 1])
        P /= m
        S = _softmax(Z[:, m * L : m * L + 5] + self.sentiment_intercept)[inverse]
        P = P[inverse]
        if self.sentiment3_coef is not None:
            # The 3-class head decides positive / neutral / negative; the 5-class head splits each
            # class's mass between its points (1 vs 2, 4 vs 5), so both scales always agree.
            logits3 = (Z[:, m * L + 5 :] + self.sentiment3_intercept)[inverse]
            if self.sentiment_context_coef is not None:
                # Per comment, not per distinct text: the same words can come with different ratings.
                qidx = np.fromiter((_QTYPE_INDEX[q] for q in qtypes), dtype=np.int64, count=n)
                logits3 = sentiment_context_logits(
                    logits3,
                    qidx,
                    rating_index(ratings, n),
                    self.sentiment_context_coef,
                    self.sentiment_context_intercept,
                    theme_proba=P,
                )
            S3 = _softmax(logits3)
            g_pos, g_neg = S[:, :2].sum(1, keepdims=True), S[:, 3:].sum(1, keepdims=True)
            S = np.concatenate(
                [
                    S[:, :2] / np.maximum(g_pos, 1e-12) * S3[:, :1],
                    S3[:, 1:2],
                    S[:, 3:] / np.maximum(g_neg, 1e-12) * S3[:, 2:],
                ],
                axis=1,
            )
        S = S.astype(np.float32)
        mask = self.thresholds <= P
        if EMPTY_LABEL in self.labels:
            # "Labelling not possible" means no other label applies: it is dropped beside any label that
            # passes its threshold ("Nothing." to "FFT Why?" was coded both ways by the v6 coders, and the
            # model used to print both).  Held-out, five splits: micro-F1 +0.004, macro-F1 -0.003.
            e = self.labels.index(EMPTY_LABEL)
            mask[mask.sum(axis=1) - mask[:, e] > 0, e] = False
        # A comment no label reaches still gets its most probable label: every comment is coded.
        none = ~mask.any(axis=1)
        mask[none, P[none].argmax(axis=1)] = True
        if empty.any():
            e_idx = self.labels.index(EMPTY_LABEL)
            P[empty] = 0.0
            P[empty, e_idx] = 1.0
            mask[empty] = False
            mask[empty, e_idx] = True
        s3 = np.stack([S[:, 0] + S[:, 1], S[:, 2], S[:, 3] + S[:, 4]], axis=1).argmax(axis=1).astype(np.int8)
        # The 5-point score is the most probable point inside the chosen 3-class group.
        sent = np.choose(s3, [S[:, :2].argmax(1) + 1, np.full(len(S), 3), S[:, 3:].argmax(1) + 4]).astype(
            np.int8
        )
        sent[empty] = 0
        s3[empty] = -1
        return Predictions(self.labels, P, mask, S, sent, s3, empty)

    def predict(
        self,
        texts: Sequence[str | None],
        questions: Sequence[str | None] | None = None,
        ratings: Sequence[Any] | None = None,
    ) -> list[Coding]:
        """Code each comment: v7 themes, keyword topics and sentiment (``ratings`` as for predict_arrays)."""
        pr = self.predict_arrays(texts, questions, ratings)
        qs = questions if questions is not None else [None] * len(texts)
        out: list[Coding] = []
        for i, text in enumerate(texts):
            idx = np.flatnonzero(pr.theme_mask[i])
            idx = idx[np.argsort(-pr.theme_proba[i, idx], kind="stable")]
            themes = tuple(self.labels[j] for j in idx)
            cats = tuple(dict.fromkeys(SUBCATEGORY_TO_CATEGORY[t] for t in themes))
            empty = bool(pr.empty[i])
            out.append(
                Coding(
                    themes=themes,
                    categories=cats,
                    topics=tuple(keyword_topics(None if empty else str(text))),
                    theme_probabilities={
                        lab: round(float(p), 4) for lab, p in zip(self.labels, pr.theme_proba[i], strict=True)
                    },
                    sentiment=None if empty else int(pr.sentiment[i]),
                    sentiment3=None if empty else SENTIMENT3_NAMES[int(pr.sentiment3[i])],
                    sentiment_probabilities=tuple(round(float(p), 4) for p in pr.sentiment_proba[i]),
                    question_type=question_type(qs[i]),
                )
            )
        return out

    @property
    def label_set(self) -> tuple[str, ...]:
        """Everything a coding can carry: the trained v7 labels then the keyword topics."""
        return self.labels + tuple(KEYWORD_TOPICS)

    # -- persistence -------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write vocabulary.json, weights.npz (float16 weights, compressed) and model.json to ``path``."""
        d = Path(path)
        d.mkdir(parents=True, exist_ok=True)
        (d / "vocabulary.json").write_text(
            json.dumps(self.features.vocab, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
        # float16 halves the size; weights are O(1) and probabilities move by < 1e-3.
        np.savez_compressed(
            d / "weights.npz",
            theme_coef=self.theme_coef.astype(np.float16),
            theme_intercept=self.theme_intercept,
            theme_platt=self.theme_platt,
            thresholds=self.thresholds,
            sentiment_coef=self.sentiment_coef.astype(np.float16),
            sentiment_intercept=self.sentiment_intercept,
            **(
                {}
                if self.sentiment3_coef is None
                else {
                    "sentiment3_coef": self.sentiment3_coef.astype(np.float16),
                    "sentiment3_intercept": self.sentiment3_intercept,
                }
            ),
            **(
                {}
                if self.sentiment_context_coef is None
                else {
                    "sentiment_context_coef": self.sentiment_context_coef,
                    "sentiment_context_intercept": self.sentiment_context_intercept,
                }
            ),
            **{f"idf_{b}": self.features.idf[b] for b in BLOCKS},
        )
        meta = {
            "format_version": FORMAT_VERSION,
            "framework": FRAMEWORK_VERSION,
            "labels": list(self.labels),
            "keyword_topics": list(KEYWORD_TOPICS),
            "thresholds": {
                lab: round(float(t), 4) for lab, t in zip(self.labels, self.thresholds, strict=True)
            },
            "sentiment_classes": list(SENTIMENT_CLASSES),
            **(
                {}
                if self.sentiment_context_coef is None
                else {
                    "sentiment_context": {
                        "inputs": "3-class head logits (positive, neutral, negative); question type one-hot; "
                        "rating one-hot (none, 1-5); rating x question type one-hot"
                        + (
                            ""
                            if len(self.sentiment_context_coef) == SENTIMENT_CONTEXT_SIZE
                            else "; logits x question type (question-major); theme probabilities (label order)"
                        ),
                        "question_types": list(QUESTION_TYPES),
                        "ratings": "0 none, 1 very positive ... 5 very negative (FFT order)",
                    }
                }
            ),
            "features": self.features.settings(),
            **{k: v for k, v in self.meta.items() if k not in {"labels", "thresholds", "features"}},
        }
        (d / "model.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return d

    @classmethod
    def load(cls, path: str | Path | None = None) -> ThemeSentimentModel:
        """Load a model directory (default: the model shipped inside the package); never unpickles."""
        d = Path(path) if path is not None else DEFAULT_MODEL_DIR
        meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
        if meta.get("format_version") not in READABLE_FORMATS:
            raise ValueError(
                f"unsupported model format {meta.get('format_version')!r} in {d} (this Chorus reads formats "
                f"{', '.join(map(str, READABLE_FORMATS))}): retrain it with `chorus text train`"
            )
        vocab = json.loads((d / "vocabulary.json").read_text(encoding="utf-8"))
        with np.load(d / "weights.npz", allow_pickle=False) as w:
            arrays = {k: w[k] for k in w.files}
        fs = meta["features"]
        features = FeatureSpace(
            vocab={b: vocab[b] for b in BLOCKS},
            idf={b: arrays[f"idf_{b}"] for b in BLOCKS},
            block_weights={k: float(v) for k, v in fs["block_weights"].items()},
            char_ngram=tuple(fs["char_ngram"]),  # type: ignore[arg-type]
            norm_power=float(fs.get("norm_power", 1.0)),  # formats 2-3: plain l2
            norm_pivot={k: float(v) for k, v in fs.get("norm_pivot", {}).items()},
        )
        model = cls(
            features,
            meta["labels"],
            arrays["theme_coef"],
            arrays["theme_intercept"],
            arrays["theme_platt"],
            arrays["thresholds"],
            arrays["sentiment_coef"],
            arrays["sentiment_intercept"],
            meta=meta,
            sentiment3_coef=arrays.get("sentiment3_coef"),
            sentiment3_intercept=arrays.get("sentiment3_intercept"),
            sentiment_context_coef=arrays.get("sentiment_context_coef"),
            sentiment_context_intercept=arrays.get("sentiment_context_intercept"),
        )
        model._fingerprint = model_dir_fingerprint(d)
        return model


def model_summary(path: str | Path | None = None) -> dict[str, Any]:
    """What a model folder holds (default: the shipped model), read from its model.json without loading
    the arrays: format, when and on what it was trained, and what the sentiment context head reads."""
    d = Path(path) if path is not None else DEFAULT_MODEL_DIR
    meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
    training = meta.get("training", {})
    return {
        "folder": str(d),
        "format_version": meta.get("format_version"),
        "framework": meta.get("framework"),
        "trained_at": meta.get("trained_at"),
        "training_rows": training.get("n_rows"),
        "theme_rows": training.get("n_theme_rows"),
        "sentiment_rows": training.get("n_sentiment_rows"),
        "rows_with_rating": training.get("n_rows_with_rating"),
        "labels": len(meta.get("labels", [])),
        "sentiment_context_inputs": meta.get("sentiment_context", {}).get("inputs"),
    }


def model_dir_fingerprint(path: str | Path | None = None) -> str:
    """SHA-256 of a model folder's files (default: the shipped model) - what ``fingerprint`` gives once
    that folder is loaded, without loading it."""
    d = Path(path) if path is not None else DEFAULT_MODEL_DIR
    digest = hashlib.sha256()
    for name in ("model.json", "vocabulary.json", "weights.npz"):
        digest.update(name.encode() + b"\0" + (d / name).read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


@dataclass
class TrainSettings:
    """Hyper-parameters; the defaults were chosen on grouped validation folds (bench/text_quality.py)."""

    C_theme: float = 4.0
    C_sentiment: float = 4.0
    sentiment3_head: str | None = "svm"  # a 3-class head ("svm" or "lr") decides pos / neutral / neg
    C_sentiment3: float = 0.3
    # Context head on the 3-class head's out-of-fold logits + question type + the source's rating (None: off).
    C_sentiment_context: float | None = 0.1
    # The context head also reads the comment's (out-of-fold) theme probabilities and the logits x question
    # type: the theme models were trained on other targets, so "Labelling not possible" or "Positive
    # experience & gratitude" adds to what the 3-class head read in the same words.  Five held-out splits:
    # 0.860 -> 0.863 (+0.005, +0.009, +0.004, -0.003, -0.001; on cached first-stage outputs +0.004).
    sentiment_context_themes: bool = True
    # Sample weight by the frame's "source" column (e.g. {"phase1": 0.5}); unlisted sources weigh 1.
    # Themes and sentiment apart: the phase-1 criticality scale is a looser proxy for FFT sentiment than
    # its codes are for themes, so it helps sentiment most at a low weight (held-out 3-class accuracy).
    source_weights: dict[str, float] = field(default_factory=dict)
    # Theme fits: weight of a label's *negatives* from these sources.  Phase-1 / Care Opinion comments were
    # given one code (or a few), not coded exhaustively, so a code they lack is only weak evidence; their
    # positives keep full weight.  Their rows are also left out of threshold tuning, which uses only rows
    # whose absent labels are trusted negatives (the exhaustively coded v6 data and its copies below).
    negative_source_weights: dict[str, float] = field(
        default_factory=lambda: {"phase1": 0.1, "care_opinion": 0.1}
    )
    # Theme fits also see every exhaustively coded comment a second time with its question unknown (and
    # sentiment fits every comment that has a question).  In training the "unknown" question type
    # otherwise only marks phase-1 rows, so comments coded without a question were scored like phase-1
    # data (seed-0 held-out, question withheld: micro-F1 0.609 -> 0.674, macro-F1 0.419 -> 0.560).
    unknown_question_copies: bool = True
    sentiment_source_weights: dict[str, float] = field(
        default_factory=lambda: {"phase1": 0.3, "care_opinion": 0.3}
    )
    # "lr" = LogisticRegression, "svm" = LinearSVC + Platt, "nblr" / "nbsvm" = the same on NB log-count-ratio
    # scaled features.  Logistic regression alone beat every mix on grouped out-of-fold macro-F1
    # (0.543 vs 0.524 for lr+svm, 0.485 svm, 0.478 nbsvm) at equal micro-F1, and is half the model.
    ensemble: tuple[str, ...] = ("lr",)
    C_svm: float = 0.3
    n_folds: int = 3  # grouped folds for out-of-fold threshold tuning
    min_positives_for_tuning: int = 4
    default_threshold: float = 0.4
    threshold_bounds: tuple[float, float] = (0.08, 0.85)
    min_df: dict[str, int] = field(default_factory=dict)
    max_features: dict[str, int] = field(default_factory=dict)
    block_weights: dict[str, float] = field(default_factory=dict)
    char_ngram: tuple[int, int] = (2, 5)
    # Pivoted length normalisation of the word and char blocks (FeatureSpace.norm_power).  Five held-out
    # splits, against plain l2 (1.0): theme micro-F1 0.712 -> 0.718, macro-F1 0.575 -> 0.590, sentiment
    # 0.860 either way; 0.7 and 0.6 did no better on the splits they were tried on.
    length_norm_power: float = 0.85
    class_weight: str | None = "balanced"  # up-weights the rare positives in each binary fit (macro-F1)
    # Theme fits use the balanced weights raised to this power (C_theme 4 goes with it).  Alone it raised
    # grouped out-of-fold macro-F1 by ~0.01 on two seeds but not held-out macro-F1; it is kept because it
    # is the configuration tested with the phase-1 negative weights above.  0, 0.5 and 2.0 were worse.
    class_weight_power: float = 1.5
    n_jobs: int = 2
    seed: int = 0


def _fit_binary(
    X: sp.csr_matrix, y: np.ndarray, kind: str, s: TrainSettings, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, float, float, float]:
    """Fit one binary member; returns (coef, intercept, platt scale, platt shift)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if y.min() == y.max():  # no positives (or no negatives): a constant, very confident model
        return np.zeros(X.shape[1], np.float32), (8.0 if y[0] else -8.0), 1.0, 0.0
    if kind.startswith("nb"):
        # NB-SVM (Wang & Manning 2012): scale features by the label's smoothed log-count ratio, fit the
        # linear model there, then fold the ratio into the weights - prediction stays one dot product.
        p = np.asarray(X[y == 1].sum(0)).ravel() + 1.0
        q = np.asarray(X[y == 0].sum(0)).ravel() + 1.0
        r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        w_, b_, a_, c_ = _fit_binary(X @ sp.diags(r), y, kind[2:], s, sample_weight)
        return (w_ * r).astype(np.float32), b_, a_, c_
    cw = _class_weight(y, s)
    if kind == "lr":
        m = LogisticRegression(C=s.C_theme, solver="liblinear", max_iter=200, class_weight=cw)
        m.fit(X, y, sample_weight=sample_weight)
        return m.coef_[0].astype(np.float32), float(m.intercept_[0]), 1.0, 0.0
    if kind == "svm":
        m = LinearSVC(C=s.C_svm, max_iter=3000, class_weight=cw, random_state=s.seed)
        m.fit(X, y, sample_weight=sample_weight)
        z = m.decision_function(X)
        a, c = _platt(z, y)
        return m.coef_[0].astype(np.float32), float(m.intercept_[0]), a, c
    raise ValueError(f"unknown ensemble member {kind!r}")


def _class_weight(y: np.ndarray, s: TrainSettings) -> str | dict[int, float] | None:
    """sklearn class weights for one binary theme fit: "balanced" (n / (2 n_class)) to ``class_weight_power``."""
    if s.class_weight != "balanced" or s.class_weight_power == 1.0:
        return s.class_weight
    n, n1 = len(y), int(np.count_nonzero(y))
    return {0: (n / (2 * (n - n1))) ** s.class_weight_power, 1: (n / (2 * n1)) ** s.class_weight_power}


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling fitted on margins.  Margins on the training data are over-confident, so the fit is
    regularised (Platt's target smoothing) and the scale capped - the per-label thresholds, tuned
    out-of-fold on the final calibrated output, absorb what is left."""
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=1.0)
    m.fit(z.reshape(-1, 1), y)
    return float(min(m.coef_[0, 0], 6.0)), float(m.intercept_[0])


def _fit_themes(
    X: sp.csr_matrix,
    Y: np.ndarray,
    s: TrainSettings,
    w: np.ndarray | None = None,
    neg_w: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every (member, label); Y entries -1 (unknown) are left out of that label's fit.  ``w``: row
    weights; ``neg_w``: extra weight of a row when it is a negative for the label being fitted."""
    from joblib import Parallel, delayed

    L = Y.shape[1]
    jobs = [(k, j) for k in s.ensemble for j in range(L)]

    def one(kind: str, j: int) -> tuple[np.ndarray, float, float, float]:
        keep = Y[:, j] >= 0
        sw = None if w is None else w[keep]
        if neg_w is not None:
            nw = np.where(Y[keep, j] == 0, neg_w[keep], 1.0)
            sw = nw if sw is None else sw * nw
            if (sw <= 0).any():  # a zero weight leaves the row out
                keep[keep] = sw > 0
                sw = sw[sw > 0]
        return _fit_binary(X[keep], Y[keep, j].astype(np.int8), kind, s, sw)

    res = Parallel(n_jobs=s.n_jobs, prefer="threads")(delayed(one)(k, j) for k, j in jobs)
    M = len(s.ensemble)
    coef = np.zeros((M, X.shape[1], L), np.float32)
    icpt = np.zeros((M, L), np.float32)
    platt = np.zeros((M, 2, L), np.float32)
    for (k, j), (w, b, a, c) in zip(jobs, res, strict=True):
        mi = s.ensemble.index(k)
        coef[mi, :, j], icpt[mi, j], platt[mi, 0, j], platt[mi, 1, j] = w, b, a, c
    return coef, icpt, platt


def _fit_sentiment3(
    X: sp.csr_matrix, y: np.ndarray, w: np.ndarray | None, groups: np.ndarray, s: TrainSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3-class sentiment head; returns (coef, intercept, out-of-fold logits).

    "svm": one-vs-rest LinearSVC, whose margins are turned into probabilities by a softmax temperature
    fitted on grouped out-of-fold margins (so the confidence reported is honest); "lr": multinomial
    logistic regression.  The out-of-fold logits (grouped by respondent) train the context head.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.svm import LinearSVC

    if s.sentiment3_head not in {"svm", "lr"}:
        raise ValueError(f"unknown sentiment3_head {s.sentiment3_head!r}")

    def fit(rows: np.ndarray | slice) -> Any:
        sw = None if w is None else w[rows]
        if s.sentiment3_head == "lr":
            return LogisticRegression(C=s.C_sentiment3, max_iter=2000).fit(X[rows], y[rows], sample_weight=sw)
        # Seeded: liblinear's dual solver visits rows in a random order, so unseeded fits of the same
        # data differed (by ~1e-5, enough to move a held-out comment or two between runs).
        return LinearSVC(C=s.C_sentiment3, random_state=s.seed).fit(X[rows], y[rows], sample_weight=sw)

    oof = np.zeros((len(y), 3))
    for tr, va in GroupKFold(n_splits=s.n_folds).split(X, groups=groups):
        oof[va] = fit(tr).decision_function(X[va])
    t = 1.0
    if s.sentiment3_head == "svm":
        temps = np.linspace(0.5, 15, 59)
        nll = [-np.log(_softmax(t * oof)[np.arange(len(y)), y] + 1e-12).mean() for t in temps]
        t = float(temps[int(np.argmin(nll))])
    m = fit(slice(None))
    return (t * m.coef_.T).astype(np.float32), (t * m.intercept_).astype(np.float32), t * oof


def _fold_theme_proba(
    X: sp.csr_matrix,
    groups: np.ndarray,
    folds: Sequence[tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]],
) -> np.ndarray:
    """Out-of-fold theme probabilities for rows ``X``: each row is scored by the fold model that held its
    respondent out; rows whose respondent no theme fold saw get the mean of the fold models."""
    L = folds[0][1][0].shape[2]
    P = np.zeros((X.shape[0], L), np.float64)
    left = np.ones(X.shape[0], bool)
    for held_out, model in folds:
        rows = np.flatnonzero(np.isin(groups, held_out))
        if len(rows):
            P[rows] = _theme_proba(X[rows], *model)
            left[rows] = False
    if left.any():
        P[left] = np.mean([_theme_proba(X[left], *model) for _, model in folds], axis=0)
    return P


def _fit_sentiment_context(
    logits3: np.ndarray,
    qtype_index: np.ndarray,
    rating: np.ndarray,
    y: np.ndarray,
    w: np.ndarray | None,
    s: TrainSettings,
    theme_proba: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression from (3-class logits, question type, rating; with ``theme_proba``
    also logits x question type and the out-of-fold theme probabilities) to the 3 classes.

    Rated rows are also seen with the rating withheld: otherwise "no rating" would be learnt only from the
    sources that never have one (phase-1 stories), and FFT-like comments arriving without a score were
    read like those (held-out, rating withheld, mean of five splits: 0.825 without the copies, 0.848 with
    them; the 3-class head alone gets 0.840).
    """
    from sklearn.linear_model import LogisticRegression

    rated = np.flatnonzero(rating > 0)
    X = sentiment_context(
        np.concatenate([logits3, logits3[rated]]),
        np.concatenate([qtype_index, qtype_index[rated]]),
        np.concatenate([rating, np.zeros(len(rated), np.int64)]),
        None if theme_proba is None else np.concatenate([theme_proba, theme_proba[rated]]),
    )
    m = LogisticRegression(C=s.C_sentiment_context, max_iter=3000)
    m.fit(
        X, np.concatenate([y, y[rated]]), sample_weight=None if w is None else np.concatenate([w, w[rated]])
    )
    return m.coef_.T.astype(np.float32), m.intercept_.astype(np.float32)


def _theme_proba(X: sp.csr_matrix, coef: np.ndarray, icpt: np.ndarray, platt: np.ndarray) -> np.ndarray:
    P = np.zeros((X.shape[0], coef.shape[2]), np.float64)
    for i in range(coef.shape[0]):
        P += _sigmoid(platt[i, 0] * (np.asarray(X @ coef[i]) + icpt[i]) + platt[i, 1])
    return P / coef.shape[0]


def tune_thresholds(P: np.ndarray, Y: np.ndarray, s: TrainSettings) -> np.ndarray:
    """Per-label F1-optimal threshold on out-of-fold probabilities (rows with a known label only).

    Labels with too few positives to tune keep the default; tuned values are clipped to bounds so one
    lucky fold cannot push a threshold to an extreme.
    """
    grid = np.round(np.arange(0.05, 0.91, 0.01), 2)
    out = np.full(Y.shape[1], s.default_threshold, np.float32)
    for j in range(Y.shape[1]):
        known = Y[:, j] >= 0
        y, p = Y[known, j] == 1, P[known, j]
        if y.sum() < s.min_positives_for_tuning:
            continue
        pred = p[:, None] >= grid[None, :]
        tp = (pred & y[:, None]).sum(0)
        f1 = 2 * tp / (pred.sum(0) + y.sum())
        # Prefer the middle of a plateau of equally good cut-offs, not its edge.
        best = np.flatnonzero(f1 >= f1.max() - 1e-9)
        out[j] = float(np.clip(grid[best[len(best) // 2]], *s.threshold_bounds))
    return out


def multilabel_scores(Y_true: np.ndarray, Y_pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """Micro/macro F1 and a per-label table.  Macro averages labels with >= 1 true positive example."""
    yt, yp = Y_true.astype(bool), Y_pred.astype(bool)
    tp = (yt & yp).sum(0)
    fp = (~yt & yp).sum(0)
    fn = (yt & ~yp).sum(0)
    support = yt.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        rec = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    present = support > 0
    micro = 2 * tp.sum() / max(1, 2 * tp.sum() + fp.sum() + fn.sum())
    return {
        "micro_f1": float(micro),
        "macro_f1": float(f1[present].mean()) if present.any() else float("nan"),
        "n_labels_in_macro": int(present.sum()),
        "samples_exact_match": float((yt == yp).all(1).mean()),
        "per_label": [
            {"label": lab, "support": int(s_), "precision": float(p_), "recall": float(r_), "f1": float(f_)}
            for lab, s_, p_, r_, f_ in zip(labels, support, prec, rec, f1, strict=True)
        ],
    }


def _clean_texts(texts: Iterable[Any]) -> list[str]:
    return ["" if is_empty_comment(t) else str(t) for t in texts]


def train(
    df: Any,
    *,
    text_col: str = "text",
    question_col: str | None = "question",
    labels_col: str = "labels",
    complete_col: str | None = "labels_complete",
    sentiment_col: str | None = "sentiment",
    group_col: str | None = "group",
    rating_col: str | None = "rating",
    settings: TrainSettings | None = None,
    labels: Sequence[str] = V7_LABELS,
    progress: Callable[[str], None] | None = None,
) -> ThemeSentimentModel:
    """Train themes + sentiment from a DataFrame.

    Columns: ``text_col`` (comment), ``question_col`` (question text, optional), ``labels_col`` (list of
    v7 labels, or None when the row has no theme coding), ``complete_col`` (bool; False = the listed
    labels are positives but absent labels are *unknown*, not negative - single-code legacy data),
    ``sentiment_col`` (1-5 or NaN), ``group_col`` (respondent id: out-of-fold folds never split one),
    ``rating_col`` (the source's own score with the comment, 1 very positive ... 5 very negative; optional).
    ``progress`` is told each step as it starts (training takes minutes on a trust's full file).
    """
    s = settings or TrainSettings()
    say = progress or (lambda _message: None)
    t0 = time.perf_counter()
    n = len(df)
    texts = _clean_texts(df[text_col].tolist())
    qtypes = [
        question_type(q)
        for q in (df[question_col].tolist() if question_col and question_col in df else [None] * n)
    ]
    groups = np.asarray(
        df[group_col].astype(str).tolist() if group_col and group_col in df else [str(i) for i in range(n)]
    )
    features = FeatureSpace.fit(
        [t for t in texts if t],
        [q for t, q in zip(texts, qtypes, strict=True) if t],
        min_df=s.min_df,
        max_features=s.max_features,
        block_weights=s.block_weights,
        char_ngram=s.char_ngram,
        norm_power=s.length_norm_power,
    )
    X_all = features.transform(texts, qtypes)
    nonempty = np.array([bool(t) for t in texts])
    say(f"features: {n:,} comments, {features.n_features:,} features")

    # Theme targets: 1 / 0 / -1 (unknown).  Empty comments are coded by rule, so not trained on.
    lab_index = {lab: j for j, lab in enumerate(labels)}
    raw = df[labels_col].tolist()
    complete = (
        df[complete_col].astype(bool).to_numpy() if complete_col and complete_col in df else np.ones(n, bool)
    )
    Y = np.full((n, len(labels)), -1, np.int8)
    has = np.zeros(n, bool)
    for i, labs in enumerate(raw):
        if labs is None or (isinstance(labs, float) and math.isnan(labs)) or not nonempty[i]:
            continue
        labs = [lab for lab in labs if lab in lab_index]
        if not labs:
            continue
        has[i] = True
        if complete[i]:
            Y[i] = 0
        for lab in labs:
            Y[i, lab_index[lab]] = 1
    rows = np.flatnonzero(has)
    X, Yt, G = X_all[rows], Y[rows], groups[rows]
    if s.source_weights and "source" in df:
        w_all = np.array([s.source_weights.get(str(v), 1.0) for v in df["source"]], dtype=np.float64)
    else:
        w_all = None
    W = None if w_all is None else w_all[rows]
    src = df["source"].astype(str).to_numpy() if "source" in df else np.full(n, "")
    neg_all = np.array([s.negative_source_weights.get(v, 1.0) for v in src], dtype=np.float64)
    NW = neg_all[rows] if (neg_all != 1.0).any() else None
    # Rows whose absent labels are trusted negatives: thresholds are tuned (and OOF scored) on these.
    tune = complete[rows] & ~np.isin(src[rows], list(s.negative_source_weights))
    if not tune.any():
        tune = np.ones(len(rows), bool)
    n_copies = 0
    if s.unknown_question_copies:
        cp = rows[tune & (np.asarray(qtypes, dtype=object)[rows] != "unknown")]
        n_copies = len(cp)
        if n_copies:
            X = sp.vstack([X, features.transform([texts[i] for i in cp], ["unknown"] * n_copies)]).tocsr()
            Yt, G = np.vstack([Yt, Y[cp]]), np.concatenate([G, groups[cp]])  # a copy stays in its fold
            W = None if W is None else np.concatenate([W, w_all[cp]])
            NW = None if NW is None else np.concatenate([NW, neg_all[cp]])
            tune = np.concatenate([tune, np.ones(n_copies, bool)])
    if s.sentiment_source_weights and "source" in df:
        ws_all = np.array(
            [s.sentiment_source_weights.get(str(v), 1.0) for v in df["source"]], dtype=np.float64
        )
    else:
        ws_all = None

    # Out-of-fold probabilities (grouped by respondent) to tune thresholds honestly.
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(Yt.shape, np.float64)
    # The fold models are kept to score the sentiment rows out-of-fold too (the context head reads them).
    theme_folds: list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
    for k, (tr, va) in enumerate(GroupKFold(n_splits=s.n_folds).split(X, groups=G), start=1):
        say(f"themes: out-of-fold fit {k} of {s.n_folds} ({len(labels)} labels; tunes the thresholds)")
        c, b, pl = _fit_themes(X[tr], Yt[tr], s, None if W is None else W[tr], None if NW is None else NW[tr])
        oof[va] = _theme_proba(X[va], c, b, pl)
        if s.sentiment_context_themes:
            theme_folds.append((np.unique(G[va]), (c, b, pl)))
    thresholds = tune_thresholds(oof[tune], Yt[tune], s)
    oof_pred = oof[tune] >= thresholds
    none = ~oof_pred.any(1)
    oof_pred[none, oof[tune][none].argmax(1)] = True
    oof_scores = multilabel_scores(Yt[tune] == 1, oof_pred, labels)
    say(
        f"themes: final fit, {len(Yt):,} rows with the question-less copies (out-of-fold micro-F1 {oof_scores['micro_f1']:.3f})"
    )
    coef, icpt, platt = _fit_themes(X, Yt, s, W, NW)
    t_theme = time.perf_counter() - t0

    # Sentiment: multinomial logistic regression on the 5-point scale (3-class is derived by summing).
    from sklearn.linear_model import LogisticRegression

    sent_coef = np.zeros((features.n_features, 5), np.float32)
    sent_icpt = np.zeros(5, np.float32)
    s3_coef: np.ndarray | None = None
    s3_icpt: np.ndarray | None = None
    ctx_coef: np.ndarray | None = None
    ctx_icpt: np.ndarray | None = None
    ratings = rating_index(df[rating_col].tolist() if rating_col and rating_col in df else None, n)
    qidx_all = np.array([_QTYPE_INDEX[q] for q in qtypes], dtype=np.int64)
    n_sent = 0
    if sentiment_col and sentiment_col in df:
        sv = np.asarray(df[sentiment_col].to_numpy(dtype=float, na_value=np.nan))
        ok = nonempty & np.isin(sv, SENTIMENT_CLASSES)
        n_sent = int(ok.sum())
        if n_sent:
            sw = None if ws_all is None else ws_all[ok]
            Xs, ys, gs = X_all[ok], sv[ok].astype(int), groups[ok]
            qs, rs = qidx_all[ok], ratings[ok]
            if s.unknown_question_copies:
                # As for themes: rows that know their question are also seen without it, so a comment
                # arriving with no question (a complaint, a story) is not read as phase-1 data.
                cp = np.flatnonzero(ok & (np.asarray(qtypes, dtype=object) != "unknown"))
                if len(cp):
                    Xs = sp.vstack(
                        [Xs, features.transform([texts[i] for i in cp], ["unknown"] * len(cp))]
                    ).tocsr()
                    ys, gs = np.concatenate([ys, sv[cp].astype(int)]), np.concatenate([gs, groups[cp]])
                    qs = np.concatenate([qs, np.full(len(cp), _QTYPE_INDEX["unknown"])])
                    rs = np.concatenate([rs, ratings[cp]])
                    sw = None if sw is None else np.concatenate([sw, ws_all[cp]])
            say(f"sentiment: 5-point and 3-class heads, {len(ys):,} rows with the question-less copies")
            m = LogisticRegression(C=s.C_sentiment, max_iter=2000)
            m.fit(Xs, ys, sample_weight=sw)
            for k, cls in enumerate(m.classes_):
                sent_coef[:, int(cls) - 1] = (
                    m.coef_[k] if len(m.classes_) > 2 else (m.coef_[0] if k else -m.coef_[0])
                )
                sent_icpt[int(cls) - 1] = m.intercept_[k] if len(m.classes_) > 2 else 0.0
            missing = [c for c in SENTIMENT_CLASSES if c not in set(m.classes_.astype(int))]
            sent_icpt[[c - 1 for c in missing]] = -30.0  # a class never seen is never predicted
            y3 = np.searchsorted([2, 3], ys, side="left")  # 1-2 -> 0, 3 -> 1, 4-5 -> 2
            if s.sentiment3_head and len(np.unique(y3)) == 3:
                s3_coef, s3_icpt, oof3 = _fit_sentiment3(Xs, y3, sw, gs, s)
                if s.C_sentiment_context is not None:
                    say("sentiment: context head (question, rating, themes)")
                    theme_oof = _fold_theme_proba(Xs, gs, theme_folds) if theme_folds else None
                    ctx_coef, ctx_icpt = _fit_sentiment_context(oof3, qs, rs, y3, sw, s, theme_oof)
    meta = {
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training": {
            "n_rows": n,
            "n_theme_rows": int(len(rows)),
            "n_theme_rows_partial": int((~complete[rows]).sum()),
            "n_theme_rows_unknown_question_copies": n_copies,
            "n_sentiment_rows": n_sent,
            "n_rows_with_rating": int(np.count_nonzero(ratings)),
            "seconds_themes": round(t_theme, 1),
            "seconds_total": round(time.perf_counter() - t0, 1),
            "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(s).items()},
        },
        "metrics": {
            "oof_thresholds_tuned_in_sample": {k: v for k, v in oof_scores.items() if k != "per_label"}
        },
    }
    say(f"done in {meta['training']['seconds_total']} s")
    return ThemeSentimentModel(
        features,
        labels,
        coef,
        icpt,
        platt,
        thresholds,
        sent_coef,
        sent_icpt,
        meta,
        sentiment3_coef=s3_coef,
        sentiment3_intercept=s3_icpt,
        sentiment_context_coef=ctx_coef,
        sentiment_context_intercept=ctx_icpt,
    )
