"""The fits behind the theme/sentiment model, and their hyper-parameters (``TrainSettings``).

* Themes: one-vs-rest logistic regression per label with class weights ("balanced", raised to a power),
  so rare labels are not drowned by their negatives; thresholds per label, tuned on out-of-fold
  probabilities (folds grouped by respondent), because one 0.5 cut-off badly under-predicts rare labels.
* Sentiment: a one-vs-rest LinearSVC 3-class head whose softmax temperature is fitted out-of-fold (so the
  confidence reported is honest), and a small context head stacked on its out-of-fold logits.
  It is stacked because rating columns added to the sparse features were drowned by the words.

``training.train`` puts these together; the choices and the figures behind them: bench/text_experiments.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from pipelines.text.model import sigmoid, softmax
from pipelines.text.sentiment import sentiment_context


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
    # experience & gratitude" adds to what the 3-class head read in the same words.
    sentiment_context_themes: bool = True
    # Sample weight by the frame's "source" column (e.g. {"phase1": 0.5}); unlisted sources weigh 1.
    # Themes and sentiment apart: the phase-1 criticality scale is a looser proxy for FFT sentiment than
    # its codes are for themes, so it helps sentiment most at a low weight.
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
    # otherwise only marks phase-1 rows, so comments coded without a question were scored like phase-1 data.
    unknown_question_copies: bool = True
    sentiment_source_weights: dict[str, float] = field(
        default_factory=lambda: {"phase1": 0.3, "care_opinion": 0.3}
    )
    # "lr" = LogisticRegression, "svm" = LinearSVC + Platt, "nblr" / "nbsvm" = the same on NB log-count-ratio
    # scaled features.  Logistic regression alone beat every mix on grouped out-of-fold macro-F1 at equal
    # micro-F1, and is half the model.
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
    # Pivoted length normalisation of the word and char blocks (FeatureSpace.norm_power; 1.0 is plain l2).
    length_norm_power: float = 0.85
    class_weight: str | None = "balanced"  # up-weights the rare positives in each binary fit (macro-F1)
    # Theme fits use the balanced weights raised to this power (C_theme 4 goes with it): the configuration
    # tested with the phase-1 negative weights above.
    class_weight_power: float = 1.5
    n_jobs: int = 2
    seed: int = 0


def _fit_binary(
    X: sp.csr_matrix, y: np.ndarray, kind: str, s: TrainSettings, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, float, float, float]:
    """Fit one binary member; returns (coef, intercept, platt scale, platt shift)."""
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
    m = LogisticRegression(C=1.0)
    m.fit(z.reshape(-1, 1), y)
    return float(min(m.coef_[0, 0], 6.0)), float(m.intercept_[0])


def fit_themes(
    X: sp.csr_matrix,
    Y: np.ndarray,
    s: TrainSettings,
    w: np.ndarray | None = None,
    neg_w: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every (member, label); Y entries -1 (unknown) are left out of that label's fit.  ``w``: row
    weights; ``neg_w``: extra weight of a row when it is a negative for the label being fitted."""
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


def fit_sentiment3(
    X: sp.csr_matrix, y: np.ndarray, w: np.ndarray | None, groups: np.ndarray, s: TrainSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3-class sentiment head; returns (coef, intercept, out-of-fold logits).

    "svm": one-vs-rest LinearSVC, whose margins are turned into probabilities by a softmax temperature
    fitted on grouped out-of-fold margins (so the confidence reported is honest); "lr": multinomial
    logistic regression.  The out-of-fold logits (grouped by respondent) train the context head.
    """
    if s.sentiment3_head not in {"svm", "lr"}:
        raise ValueError(f"unknown sentiment3_head {s.sentiment3_head!r}")

    def fit(rows: np.ndarray | slice) -> Any:
        sw = None if w is None else w[rows]
        if s.sentiment3_head == "lr":
            return LogisticRegression(C=s.C_sentiment3, max_iter=2000).fit(X[rows], y[rows], sample_weight=sw)
        # Seeded: liblinear's dual solver visits rows in a random order, so unseeded fits of the same
        # data differed slightly, enough to move a held-out comment or two between runs.
        return LinearSVC(C=s.C_sentiment3, random_state=s.seed).fit(X[rows], y[rows], sample_weight=sw)

    oof = np.zeros((len(y), 3))
    for tr, va in GroupKFold(n_splits=s.n_folds).split(X, groups=groups):
        oof[va] = fit(tr).decision_function(X[va])
    t = 1.0
    if s.sentiment3_head == "svm":
        temps = np.linspace(0.5, 15, 59)
        nll = [-np.log(softmax(t * oof)[np.arange(len(y)), y] + 1e-12).mean() for t in temps]
        t = float(temps[int(np.argmin(nll))])
    m = fit(slice(None))
    return (t * m.coef_.T).astype(np.float32), (t * m.intercept_).astype(np.float32), t * oof


def fold_theme_proba(
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
            P[rows] = theme_probabilities(X[rows], *model)
            left[rows] = False
    if left.any():
        P[left] = np.mean([theme_probabilities(X[left], *model) for _, model in folds], axis=0)
    return P


def fit_sentiment_context(
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
    read like those.
    """
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


def theme_probabilities(
    X: sp.csr_matrix, coef: np.ndarray, icpt: np.ndarray, platt: np.ndarray
) -> np.ndarray:
    """Theme probabilities of rows ``X`` under fitted members (``fit_themes``'s output), as the model gives them."""
    P = np.zeros((X.shape[0], coef.shape[2]), np.float64)
    for i in range(coef.shape[0]):
        P += sigmoid(platt[i, 0] * (np.asarray(X @ coef[i]) + icpt[i]) + platt[i, 1])
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
