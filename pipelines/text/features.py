"""The model's features: fixed-vocabulary TF-IDF over four blocks, rebuilt exactly from JSON.

* Blocks: words (1-2 grams), char n-grams (2-5) inside words, question type x word (plus length buckets),
  and the question type. The question is a feature because it flips meanings: "Nothing" answering "What
  could we do better?" is praise, answering "What was good?" a complaint. A linear model cannot flip a
  word's meaning with an additive question flag, so words are also emitted conjoined with the question
  type ("improve|nothing").
* Each block is normalised apart and then weighted, so a long comment's many words cannot drown the
  question features. The word and char blocks' norms are pivoted (``FeatureSpace.norm_power``): l2 alone
  gives every comment length 1, which dilutes each of a long comment's several themes below its threshold.
* The char block is a sum of per-word vectors normalised by the words' own norms, so it is linear in the
  words: prediction scores each distinct word once ((words x features) @ weights, cached) and a
  comment's char score is one product of its word counts with that table. The n-grams, most of the
  features, are never built per comment.

Figures behind these choices: bench/text_experiments.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
import scipy.sparse as sp

from pipelines.text.tokens import (
    COMMENT_SEP,
    LENGTH_BUCKET_CUTS,
    LENGTH_BUCKET_NAMES,
    QUESTION_TYPES,
    WORD_RE,
    batch_tokens,
    length_bucket,
)


class _IntMap:
    """Non-negative int64 keys -> int values, looked up for a whole array at once.

    An open-addressing hash table (multiplicative hash, linear probing, load <= 1/3): looking up the
    ~40 adjacent word pairs of every comment against the bigram vocabulary is a few vectorised passes,
    several times cheaper than a binary search over the sorted keys.
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
        words = WORD_RE.findall(text.lower())
        out: dict[str, list[str]] = {"word": [], "char": [], "qword": [], "qtype": [qtype]}
        out["word"] = words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]
        lo, hi = char_ngram
        for w in set(words):
            p = " " + w + " "
            for n in range(lo, hi + 1):
                out["char"].extend(p[i : i + n] for i in range(len(p) - n + 1))
        bucket = "len=" + length_bucket(len(words))
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
        buckets = LENGTH_BUCKET_NAMES
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
        self._char_cache[COMMENT_SEP] = -2
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
        toks, order = batch_tokens(texts)
        if self._char_cache.get(COMMENT_SEP) != -2:  # the cache was cleared from outside
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
        bucket = np.searchsorted(LENGTH_BUCKET_CUTS, n_words, side="left")
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
        """``transform(texts, qtypes) @ W`` without building the char block (most of the features).

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

    # -- vocabulary and settings -------------------------------------------------------------------
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
            "token_pattern": WORD_RE.pattern,
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
