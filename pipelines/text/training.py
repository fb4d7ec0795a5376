"""Training the theme/sentiment model: ``train`` fits one from a training frame, ``train_csv`` from a
labelled CSV file (``chorus text train``).

Every model is fitted by :func:`train`, and every model trained from files and saved goes through
:func:`train_csv`: the CLI, :func:`train_from_csv` (the v6 file's column names as defaults) and
:func:`train_shipped_model` (the model in ``artefacts/``, from the public pxtextmining files). The
held-out benchmarks (bench/text_quality.py) call :func:`train` on their splits.

Rebuild the shipped model: ``python -m pipelines.text.training DATA_DIR [OUT_DIR]`` (DATA_DIR holds the
pxtextmining files; OUT_DIR defaults to ``pipelines/text/artefacts``).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from pipelines.text.csv_io import (
    PHASE1_FILE,
    PHASE1_MULTI_FILE,
    V6_FILE,
    CsvInputError,
    LabelFormat,
    LabelMap,
    frame_from_csv,
    load_phase1,
    read_header,
    require_columns,
    resolve_label_columns,
)
from pipelines.text.evaluation import evaluate, multilabel_scores
from pipelines.text.features import FeatureSpace
from pipelines.text.fitting import (
    TrainSettings,
    fit_sentiment3,
    fit_sentiment_context,
    fit_themes,
    fold_theme_proba,
    theme_probabilities,
    tune_thresholds,
)
from pipelines.text.framework import V7_LABELS
from pipelines.text.model import DEFAULT_MODEL_DIR, ThemeSentimentModel
from pipelines.text.sentiment import SENTIMENT_CLASSES, rating_index
from pipelines.text.tokens import QUESTION_TYPE_INDEX, is_empty_comment, question_type


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
    oof = np.zeros(Yt.shape, np.float64)
    # The fold models are kept to score the sentiment rows out-of-fold too (the context head reads them).
    theme_folds: list[tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []
    for k, (tr, va) in enumerate(GroupKFold(n_splits=s.n_folds).split(X, groups=G), start=1):
        say(f"themes: out-of-fold fit {k} of {s.n_folds} ({len(labels)} labels; tunes the thresholds)")
        c, b, pl = fit_themes(X[tr], Yt[tr], s, None if W is None else W[tr], None if NW is None else NW[tr])
        oof[va] = theme_probabilities(X[va], c, b, pl)
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
    coef, icpt, platt = fit_themes(X, Yt, s, W, NW)
    t_theme = time.perf_counter() - t0

    # Sentiment: multinomial logistic regression on the 5-point scale (3-class is derived by summing).
    sent_coef = np.zeros((features.n_features, 5), np.float32)
    sent_icpt = np.zeros(5, np.float32)
    s3_coef: np.ndarray | None = None
    s3_icpt: np.ndarray | None = None
    ctx_coef: np.ndarray | None = None
    ctx_icpt: np.ndarray | None = None
    ratings = rating_index(df[rating_col].tolist() if rating_col and rating_col in df else None, n)
    qidx_all = np.array([QUESTION_TYPE_INDEX[q] for q in qtypes], dtype=np.int64)
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
                    qs = np.concatenate([qs, np.full(len(cp), QUESTION_TYPE_INDEX["unknown"])])
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
                s3_coef, s3_icpt, oof3 = fit_sentiment3(Xs, y3, sw, gs, s)
                if s.C_sentiment_context is not None:
                    say("sentiment: context head (question, rating, themes)")
                    theme_oof = fold_theme_proba(Xs, gs, theme_folds) if theme_folds else None
                    ctx_coef, ctx_icpt = fit_sentiment_context(oof3, qs, rs, y3, sw, s, theme_oof)
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


@dataclass(frozen=True)
class TrainResult:
    """What ``train_csv`` wrote: the model folder, its evaluation report, and how the labels were read."""

    model_dir: Path
    report_json: Path
    report_md: Path
    report: dict[str, Any]
    label_format: str
    label_map: str
    rows: int
    model: ThemeSentimentModel


def train_csv(
    csv_path: str | Path,
    out_dir: str | Path,
    *,
    text_col: str = "text",
    labels: Sequence[str] | None = None,
    label_format: str = "auto",
    label_map: str = "auto",
    label_sep: str = "|",
    sentiment_col: str | None = None,
    question_col: str | None = None,
    group_col: str | None = None,
    rating_col: str | None = None,
    holdout: float = 0.2,
    phase1_dir: str | Path | None = None,
    phase1_complete: bool = False,
    refit: bool = True,
    settings: TrainSettings | None = None,
    seed: int = 0,
    encoding: str = "utf-8-sig",
    progress: Callable[[str], None] | None = None,
    meta: dict[str, Any] | None = None,
) -> TrainResult:
    """Train a model from a labelled CSV into ``out_dir`` and write ``out_dir/evaluation.{json,md}``.

    The report scores a model trained on ``1 - holdout`` of the rows (split by ``group_col``, e.g. a
    respondent id, so one respondent's comments are never on both sides) on the rest.  With ``refit`` the
    saved model is then retrained on every row; otherwise the evaluated model itself is saved.
    ``holdout=0`` skips evaluation on held-out rows and scores the training rows (flagged in the report).
    ``phase1_dir``: a folder holding the pxtextmining phase-1 files, trained on beside the CSV; their labels
    are positives only, unless ``phase1_complete`` (the shipped model's recipe): then a code a phase-1
    comment lacks is a weak negative (``TrainSettings.negative_source_weights``) and its criticality
    score is a sentiment label.  ``progress`` is told each training step, prefixed by which model it is
    for.  ``meta`` is added to the saved model's model.json.
    """
    path = Path(csv_path)
    columns = read_header(path, encoding)
    require_columns(
        path, columns,
        {"--text-col": text_col, "--sentiment-col": sentiment_col, "--question-col": question_col, "--group-col": group_col,
         "--rating-col": rating_col},
    )  # fmt: skip
    if not 0 <= holdout < 1:
        raise CsvInputError(f"--holdout must be in [0, 1), got {holdout}")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding=encoding)
    cols, fmt, scheme = resolve_label_columns(path, columns, raw, labels, label_format, label_map, label_sep)
    try:
        df = frame_from_csv(
            path, text_col=text_col, label_cols=cols, label_format=fmt, label_map=scheme,  # type: ignore[arg-type]
            label_sep=label_sep, sentiment_col=sentiment_col, question_col=question_col, group_col=group_col,
            rating_col=rating_col,
        )  # fmt: skip
    except (KeyError, ValueError) as exc:
        raise CsvInputError(str(exc).strip("'\"")) from None
    labelled = int(df["labels"].notna().sum())
    if labelled < 20:
        raise CsvInputError(f"{path}: only {labelled} rows carry a label; at least 20 are needed to train")
    extra = (
        load_phase1(phase1_dir, complete=phase1_complete, sentiment=phase1_complete)
        if phase1_dir is not None
        else None
    )
    settings = settings or TrainSettings()

    def fit(frame: pd.DataFrame, which: str) -> ThemeSentimentModel:
        return train(
            pd.concat([frame, extra], ignore_index=True) if extra is not None else frame,
            settings=settings,
            progress=None if progress is None else (lambda step: progress(f"{which}: {step}")),
        )

    out = Path(out_dir)
    info: dict[str, Any] = {
        "training_csv": str(path),
        "label_columns": cols if len(cols) <= 5 else f"{len(cols)} one-hot columns",
        "label_format": fmt,
        "label_map": scheme,
        "rows": len(df),
        "rows_labelled": labelled,
    }
    if holdout > 0:
        train_idx, test_idx = _group_split(df["group"].astype(str).to_numpy(), holdout, seed)
        evaluated = fit(
            df.iloc[train_idx].reset_index(drop=True), f"model for evaluation ({len(train_idx):,} rows)"
        )
        test = df.iloc[test_idx].reset_index(drop=True)
        info |= {"evaluation": f"held-out {holdout:.0%} of groups ({len(test)} rows, split by "
                 f"{group_col or 'row'}); model trained on the other {len(train_idx)} rows"}  # fmt: skip
    else:
        evaluated = fit(df, f"model ({len(df):,} rows)")
        test = df
        info |= {"evaluation": "on the training rows themselves (--holdout 0): optimistic"}
    model = fit(df, f"final model (all {len(df):,} rows)") if (refit and holdout > 0) else evaluated
    model.meta["trained_from"] = info
    model.meta.update(meta or {})
    model.save(out)
    report = evaluate(evaluated, test, out_dir=out, name="evaluation", extra={"training": info})
    return TrainResult(
        out, out / "evaluation.json", out / "evaluation.md", report, fmt, scheme, len(df), model
    )


def _group_split(groups: np.ndarray, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test) with whole groups on one side; ``holdout`` of the groups are tested."""
    uniq = np.unique(groups)
    rng = np.random.default_rng(seed)
    n_test = max(1, round(len(uniq) * holdout))
    test_groups = set(rng.choice(uniq, size=n_test, replace=False).tolist())
    is_test = np.fromiter((g in test_groups for g in groups), bool, len(groups))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def train_from_csv(
    path: str | Path,
    *,
    text_col: str = "FFT answer",
    label_cols: Sequence[str] | str | None = None,
    label_format: LabelFormat = "onehot",
    label_map: LabelMap = "v6",
    label_sep: str = "|",
    sentiment_col: str | None = "Comment sentiment",
    question_col: str | None = "FFT question",
    group_col: str | None = "Respondent ID",
    rating_col: str | None = "FFT categorical answer",
    extra_phase1_dir: str | Path | None = None,
    settings: TrainSettings | None = None,
    out_dir: str | Path,
) -> ThemeSentimentModel:
    """``train_csv`` on every row of one labelled CSV, the pxtextmining v6 file's column names as defaults.

    ``extra_phase1_dir``: a folder holding the phase-1 files, whose soundly-mapped labels are added as
    positive-only examples.  ``out_dir`` receives the model and its (in-sample) evaluation report.
    """
    return train_csv(
        path, out_dir, text_col=text_col, labels=[label_cols] if isinstance(label_cols, str) else label_cols,
        label_format=label_format, label_map=label_map, label_sep=label_sep, sentiment_col=sentiment_col,
        question_col=question_col, group_col=group_col, rating_col=rating_col, holdout=0,
        phase1_dir=extra_phase1_dir, settings=settings,
    ).model  # fmt: skip


def train_shipped_model(
    data_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    settings: TrainSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Rebuild the model shipped in ``pipelines/text/artefacts/`` from the public pxtextmining data.

    ``chorus text train`` on the v6 file with the phase-1 files beside it, counting a code a phase-1
    comment lacks as a weak negative; its report scores a model trained without a held-out fifth of the
    v6 respondents, and the saved model is refitted on every row.
    """
    data = Path(data_dir)
    return train_csv(
        data / V6_FILE, out_dir if out_dir is not None else DEFAULT_MODEL_DIR, text_col="FFT answer",
        label_map="v6", sentiment_col="Comment sentiment", question_col="FFT question", group_col="Respondent ID",
        rating_col="FFT categorical answer", phase1_dir=data, phase1_complete=True, settings=settings,
        progress=progress,
        meta={"training_data": {
            "v6": f"{V6_FILE} (pxtextmining, NEAS + NHFT; labels mapped v6 -> v7)",
            "phase1": f"{PHASE1_FILE} + {PHASE1_MULTI_FILE} (soundly-mapped codes only; a code a comment lacks "
            "is a weak negative; Care Opinion CC BY-NC-SA 4.0)",
        }},
    )  # fmt: skip


if __name__ == "__main__":  # python -m pipelines.text.training DATA_DIR [OUT_DIR]
    if len(sys.argv) not in (2, 3):
        sys.exit(
            "usage: python -m pipelines.text.training DATA_DIR [OUT_DIR]  (DATA_DIR: the pxtextmining files)"
        )
    built = train_shipped_model(
        sys.argv[1],
        sys.argv[2] if len(sys.argv) > 2 else None,
        progress=lambda step: print(step, file=sys.stderr, flush=True),
    )
    print(json.dumps(built.model.meta["training"], indent=2))
