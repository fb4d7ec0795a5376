"""The theme/sentiment model: multi-label themes (QDC framework v7) and sentiment for patient comments.

* Themes: one-vs-rest linear models over ``FeatureSpace`` (an ensemble of members, each a weight matrix
  with Platt scaling), per-label thresholds, and at least one label for every comment.
* Sentiment: a 3-class head decides positive / neutral / negative and a 5-class head splits each class
  into points, so both scales always agree. The optional context head re-reads the 3-class logits with
  the question type, the rating given with the comment and the theme probabilities (``sentiment.py``).
* Empty / "did not answer" comments are coded by rule ("Labelling not possible", no sentiment).
* The model is plain arrays + JSON (``vocabulary.json``, ``weights.npz``, ``model.json``): no pickle, so
  loading a model folder can never execute code, and nothing is downloaded at run time. Prediction needs
  numpy + scipy only; scikit-learn is for training (``training.py``).

The model shipped with Chorus is in ``artefacts/``; how it was chosen: bench/text_experiments.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.text.features import BLOCKS, FeatureSpace
from pipelines.text.framework import (
    EMPTY_LABEL,
    FRAMEWORK_VERSION,
    KEYWORD_TOPICS,
    SUBCATEGORY_TO_CATEGORY,
    keyword_topics,
)
from pipelines.text.sentiment import (
    SENTIMENT3_NAMES,
    SENTIMENT_CLASSES,
    SENTIMENT_CONTEXT_SIZE,
    rating_index,
    sentiment_context_logits,
    sentiment_context_size,
)
from pipelines.text.tokens import QUESTION_TYPE_INDEX, QUESTION_TYPES, is_empty_comment, question_type

# The model shipped with Chorus (plain arrays + JSON), loaded when no other folder is given.
DEFAULT_MODEL_DIR = Path(__file__).with_name("artefacts")
# 2: the char block is a sum of per-word vectors with a per-word norm (see FeatureSpace._parts).
# 3: adds the optional sentiment context head (sentiment_context_* arrays); format 2 still loads.
# 4: pivoted length normalisation (features.norm_power / norm_pivot); formats 2-3 load as plain l2.
# 5: the context head also reads the theme probabilities and logits x question type.
FORMAT_VERSION = 5
READABLE_FORMATS = (2, 3, 4, 5)


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


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, clipped so large margins do not overflow."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits."""
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
            P += sigmoid(self.theme_platt[i, 0] * z + self.theme_platt[i, 1])
        P /= m
        S = softmax(Z[:, m * L : m * L + 5] + self.sentiment_intercept)[inverse]
        P = P[inverse]
        if self.sentiment3_coef is not None:
            # The 3-class head decides positive / neutral / negative; the 5-class head splits each
            # class's mass between its points (1 vs 2, 4 vs 5), so both scales always agree.
            logits3 = (Z[:, m * L + 5 :] + self.sentiment3_intercept)[inverse]
            if self.sentiment_context_coef is not None:
                # Per comment, not per distinct text: the same words can come with different ratings.
                qidx = np.fromiter((QUESTION_TYPE_INDEX[q] for q in qtypes), dtype=np.int64, count=n)
                logits3 = sentiment_context_logits(
                    logits3,
                    qidx,
                    rating_index(ratings, n),
                    self.sentiment_context_coef,
                    self.sentiment_context_intercept,
                    theme_proba=P,
                )
            S3 = softmax(logits3)
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
            # model used to print both).
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
