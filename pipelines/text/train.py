"""Training and evaluation entry points for the theme/sentiment model (called by ``chorus text train``).

Reads the public pxtextmining data (v6 one-hot framework file, phase-1 short-code files) or any CSV in
one of three label formats, maps labels to framework v7, trains ``ThemeSentimentModel`` and writes an
evaluation report (JSON + Markdown).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipelines.text.framework import V6_TO_V7, V7_LABELS, keyword_topics, phase1_labels, v6_to_v7
from pipelines.text.model import (
    _WORD_RE,
    SENTIMENT3_NAMES,
    SENTIMENT_CLASSES,
    ThemeSentimentModel,
    TrainSettings,
    is_empty_comment,
    multilabel_scores,
    sentiment3,
    train,
)

LabelFormat = Literal["onehot", "list", "code"]
LabelMap = Literal["v6", "phase1", "v7"]

V6_FILE = "v6framework_train.csv"
PHASE1_FILE = "phase_1__text_data.csv"
PHASE1_MULTI_FILE = "phase_1__co_multi_label.csv"


def _norm_text(t: Any) -> str:
    """Normalised text used to find the same comment in two files (case/space/punctuation-insensitive)."""
    return " ".join(str(t).lower().split()).strip(" .!")


def _map_labels(labels: Sequence[str], label_map: LabelMap, text: str = "") -> list[str]:
    if label_map == "v6":
        return v6_to_v7(labels)
    if label_map == "phase1":
        return sorted({v for code in labels for v in phase1_labels(code, text)})
    unknown = [lab for lab in labels if lab not in V7_LABELS]
    if unknown:
        raise ValueError(f"labels not in framework v7: {unknown}")
    return sorted(set(labels))


def frame_from_csv(
    path: str | Path,
    *,
    text_col: str,
    label_cols: Sequence[str] | str | None = None,
    label_format: LabelFormat = "onehot",
    label_map: LabelMap = "v7",
    label_sep: str = "|",
    labels_complete: bool = True,
    sentiment_col: str | None = None,
    sentiment_transform: str | None = None,
    question_col: str | None = None,
    group_col: str | None = None,
    id_col: str | None = None,
    rating_col: str | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Read a labelled CSV into the training frame (text, question, labels, labels_complete, sentiment, group).

    ``label_format``: "onehot" - ``label_cols`` are 0/1 columns named by label; "list" - one column holding
    labels joined by ``label_sep``; "code" - one or more columns each holding one label/code (blank = none).
    ``label_map``: "v6" / "phase1" map that scheme to v7, "v7" checks labels are v7 names.
    ``sentiment_transform``: None (already 1-5) or "criticality" (phase-1 -5..5 scale, 5 = most positive).
    ``rating_col``: the score given with the comment, 1 very positive ... 5 very negative (FFT order);
    other values (FFT "don't know") count as no rating.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if text_col not in raw:
        raise KeyError(f"{path}: no text column {text_col!r}")
    if rating_col is not None and rating_col not in raw:
        raise KeyError(f"{path}: no rating column {rating_col!r}")
    cols: list[str]
    if label_cols is None:
        cols = [c for c in raw.columns if c in V6_TO_V7] if label_map == "v6" else []
    else:
        cols = [label_cols] if isinstance(label_cols, str) else list(label_cols)
    missing = [c for c in cols if c not in raw]
    if missing:
        raise KeyError(f"{path}: label columns missing: {missing}")
    texts = raw[text_col].tolist()
    labels: list[list[str] | None] = []
    for i in range(len(raw)):
        if not cols:
            labels.append(None)
            continue
        if label_format == "onehot":
            names = [c for c in cols if str(raw.at[i, c]).strip() in {"1", "1.0", "True", "true"}]
        elif label_format == "list":
            v = raw.at[i, cols[0]]
            names = [p.strip() for p in str(v).split(label_sep) if p.strip()] if isinstance(v, str) else []
        else:
            names = [
                str(raw.at[i, c]).strip()
                for c in cols
                if isinstance(raw.at[i, c], str) and raw.at[i, c].strip() and raw.at[i, c] != "NA"
            ]
        mapped = _map_labels(names, label_map, str(texts[i]))
        labels.append(mapped if mapped else None)
    out = pd.DataFrame(
        {
            "text": texts,
            "question": raw[question_col].tolist() if question_col else [None] * len(raw),
            "labels": labels,
            "labels_complete": labels_complete,
            "sentiment": _sentiment(raw[sentiment_col], sentiment_transform) if sentiment_col else np.nan,
            "group": raw[group_col].tolist()
            if group_col
            else [f"{source or Path(path).stem}:{i}" for i in range(len(raw))],
            "comment_id": raw[id_col].tolist()
            if id_col
            else [f"{source or Path(path).stem}:{i}" for i in range(len(raw))],
            "source": source or Path(path).stem,
            "rating": rating_values(raw[rating_col].tolist(), path=path, column=rating_col)
            if rating_col
            else None,
        }
    )
    return out


class RatingError(ValueError):
    """A value in a rating column that is not a rating (names the file, row and column)."""


# Written where an FFT rating is expected but meaning "no rating".
_NO_RATING_RE = re.compile(r"^(?:don'?t know|do not know|not applicable|n/?a|-+)$", re.IGNORECASE)


def rating_values(
    values: Sequence[Any], *, path: str | Path, column: str, first_row: int = 1
) -> list[int | None]:
    """Ratings as written in a CSV -> 1 very positive ... 5 very negative (FFT order), or None.

    Numbers 1-5 are taken as they are and other numbers (FFT's 6 "don't know") as no rating; FFT answers
    ("Very good" ... "Very poor", "Extremely likely" ...) are read as the FFT ingest reads them; blanks and
    "Don't know" are no rating.  Anything else raises RatingError naming the file, row and column, so a
    column of the wrong kind is not silently ignored.  ``first_row``: the data row number of ``values[0]``.
    """
    from pipelines.sources.fft.comments import fft_scores

    texts = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip() for v in values]
    words = fft_scores(texts)
    out: list[int | None] = []
    for row, (text, word) in enumerate(zip(texts, words, strict=True), start=first_row):
        try:
            number: float | None = float(text)
        except ValueError:
            number = None
        if number is not None and not math.isnan(number):
            out.append(int(number) if number in SENTIMENT_CLASSES else None)
        elif word is not None:
            out.append(int(word))
        elif not text or _NO_RATING_RE.match(text):
            out.append(None)
        else:
            raise RatingError(
                f"{path}: row {row}, column {column!r}: {text!r} is not a rating (1-5, an FFT answer such as "
                "'Very good' or 'Very poor', or blank / 'Don't know')"
            )
    return out


def _sentiment(col: pd.Series, transform: str | None) -> np.ndarray:
    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    if transform is None:
        return np.where(np.isin(v, [1, 2, 3, 4, 5]), v, np.nan)
    if transform == "criticality":
        # Phase-1 criticality: -5 highly critical ... 5 highly positive; values outside -5..5 are typos.
        out = np.full(len(v), np.nan)
        out[(v >= 3) & (v <= 5)] = 1
        out[(v >= 1) & (v < 3)] = 2
        out[v == 0] = 3
        out[(v <= -1) & (v > -3)] = 4
        out[(v <= -3) & (v >= -5)] = 5
        return out
    raise ValueError(f"unknown sentiment transform {transform!r}")


def load_v6(data_dir: str | Path) -> pd.DataFrame:
    """The v6 framework file (NEAS + NHFT FFT comments), labels mapped to v7, grouped by respondent."""
    return frame_from_csv(
        Path(data_dir) / V6_FILE,
        text_col="FFT answer",
        label_map="v6",
        sentiment_col="Comment sentiment",
        question_col="FFT question",
        group_col="Respondent ID",
        id_col="Comment ID",
        rating_col="FFT categorical answer",
        source="v6",
    )


def load_phase1(
    data_dir: str | Path,
    *,
    exclude_texts: set[str] | None = None,
    sentiment: bool = False,
    complete: bool = False,
) -> pd.DataFrame:
    """Phase-1 trust + Care Opinion data with the sound short-code maps only.

    Each phase-1 comment carries one code (text_data) or a few (co_multi_label) but was not coded
    exhaustively, so its labels are positives only (``labels_complete=False``).  ``exclude_texts``
    (normalised) drops comments also present in an evaluation set - the files overlap.
    """
    d = Path(data_dir)
    frames = []
    if (d / PHASE1_FILE).exists():
        frames.append(
            frame_from_csv(
                d / PHASE1_FILE,
                text_col="feedback",
                label_cols="code",
                label_format="code",
                label_map="phase1",
                labels_complete=complete,
                sentiment_col="criticality" if sentiment else None,
                sentiment_transform="criticality" if sentiment else None,
                question_col="question",
                source="phase1",
            )
        )
    if (d / PHASE1_MULTI_FILE).exists():
        frames.append(
            frame_from_csv(
                d / PHASE1_MULTI_FILE,
                text_col="feedback",
                label_cols=[f"cat_{i}" for i in range(1, 7)],
                label_format="code",
                label_map="phase1",
                labels_complete=complete,
                sentiment_col="crit" if sentiment else None,
                sentiment_transform="criticality" if sentiment else None,
                source="care_opinion",
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=[
                "text",
                "question",
                "labels",
                "labels_complete",
                "sentiment",
                "group",
                "comment_id",
                "source",
                "rating",
            ]
        )
    df = pd.concat(frames, ignore_index=True)
    norm = df["text"].map(_norm_text)
    keep = ~norm.duplicated()  # Care Opinion stories appear in both phase-1 files
    if exclude_texts:
        keep &= ~norm.isin(exclude_texts)
    df = df[keep]
    if not sentiment:
        df = df[df["labels"].notna()]
    return df.reset_index(drop=True)


def load_training_data(
    data_dir: str | Path, *, phase1: bool = True, exclude_texts: set[str] | None = None
) -> pd.DataFrame:
    """v6 data plus (optionally) the soundly-mapped phase-1 data, as one training frame."""
    frames = [load_v6(data_dir)]
    if phase1:
        frames.append(load_phase1(data_dir, exclude_texts=exclude_texts, complete=True, sentiment=True))
    return pd.concat(frames, ignore_index=True)


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
    out_dir: str | Path | None = None,
) -> ThemeSentimentModel:
    """Train from one labelled CSV (defaults: the pxtextmining v6 file) and optionally save the model.

    ``extra_phase1_dir``: a folder holding the phase-1 files, whose soundly-mapped labels are added as
    positive-only examples.  ``out_dir``: where to write vocabulary.json / weights.npz / model.json.
    """
    df = frame_from_csv(
        path,
        text_col=text_col,
        label_cols=label_cols,
        label_format=label_format,
        label_map=label_map,
        label_sep=label_sep,
        sentiment_col=sentiment_col,
        question_col=question_col,
        group_col=group_col,
        rating_col=rating_col,
    )
    if extra_phase1_dir is not None:
        df = pd.concat([df, load_phase1(extra_phase1_dir)], ignore_index=True)
    model = train(df, settings=settings)
    if out_dir is not None:
        model.save(out_dir)
    return model


def evaluate(
    model: ThemeSentimentModel,
    df: pd.DataFrame,
    *,
    out_dir: str | Path | None = None,
    name: str = "evaluation",
    substantive_only: bool = True,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Score ``model`` on a labelled training-format frame; write ``{name}.json`` and ``{name}.md``.

    Themes are scored on rows with complete v7 labels; ``substantive_only`` leaves out empty /
    "did not answer" comments, which are coded by rule and would flatter the figures.
    """
    texts = df["text"].tolist()
    questions = df["question"].tolist()
    pr = model.predict_arrays(texts, questions, df["rating"].tolist() if "rating" in df else None)
    lab_idx = {lab: j for j, lab in enumerate(model.labels)}
    has = (
        np.array([isinstance(v, list) and len(v) > 0 for v in df["labels"]])
        & df["labels_complete"].astype(bool).to_numpy()
    )
    empty = np.array([is_empty_comment(t) for t in texts])
    rows = np.flatnonzero(has & ~empty) if substantive_only else np.flatnonzero(has)
    Y = np.zeros((len(rows), len(model.labels)), bool)
    for r, i in enumerate(rows):
        for lab in df["labels"].iloc[i]:
            Y[r, lab_idx[lab]] = True
    themes = multilabel_scores(Y, pr.theme_mask[rows], model.labels)
    themes["by_length"] = theme_scores_by_length(Y, pr.theme_mask[rows], [texts[i] for i in rows])
    # Sentiment (rows with a 1-5 score and a non-empty comment).
    sv = df["sentiment"].to_numpy(dtype=float)
    ok = np.isin(sv, [1, 2, 3, 4, 5]) & ~empty
    s3_true = np.array([SENTIMENT3_NAMES.index(sentiment3(v)) for v in sv[ok]], dtype=int)
    s3_pred = pr.sentiment3[ok]
    sent = {
        "n": int(ok.sum()),
        "accuracy_3class": float((s3_true == s3_pred).mean()) if ok.any() else float("nan"),
        "accuracy_5class": float((sv[ok].astype(int) == pr.sentiment[ok]).mean())
        if ok.any()
        else float("nan"),
        "mean_abs_error_5point": float(np.abs(sv[ok] - pr.sentiment[ok]).mean())
        if ok.any()
        else float("nan"),
        "confusion_3class": _confusion(s3_true, s3_pred, 3),
    }
    report = {
        "name": name,
        "n_rows": len(df),
        "n_theme_rows_scored": int(len(rows)),
        "substantive_only": substantive_only,
        "themes": themes,
        "sentiment": sent,
        **(extra or {}),
    }
    if out_dir is not None:
        d = Path(out_dir)
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        (d / f"{name}.md").write_text(report_markdown(report), encoding="utf-8")
    return report


# Word-count buckets for the by-length table: long comments carry more themes and are harder to code whole.
LENGTH_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("up to 5 words", 0, 5),
    ("6-15 words", 6, 15),
    ("16-40 words", 16, 40),
    ("over 40 words", 41, 10**9),
)


def theme_scores_by_length(
    Y_true: np.ndarray, Y_pred: np.ndarray, texts: Sequence[Any]
) -> list[dict[str, Any]]:
    """Micro precision / recall / F1 of the theme labels per comment-length bucket (``LENGTH_BUCKETS``),
    with the number of comments and of true labels per comment in each."""
    n_words = np.array([len(_WORD_RE.findall(str(t))) for t in texts], dtype=int)
    out = []
    for name, lo, hi in LENGTH_BUCKETS:
        m = (n_words >= lo) & (n_words <= hi)
        tp = int((Y_true[m] & Y_pred[m]).sum())
        fp = int((~Y_true[m] & Y_pred[m]).sum())
        fn = int((Y_true[m] & ~Y_pred[m]).sum())
        out.append({
            "bucket": name,
            "n": int(m.sum()),
            "labels_per_comment": (tp + fn) / int(m.sum()) if m.any() else float("nan"),
            "precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan"),
        })  # fmt: skip
    return out


def _confusion(t: np.ndarray, p: np.ndarray, k: int) -> list[list[int]]:
    m = np.zeros((k, k), int)
    np.add.at(m, (t, p), 1)
    return m.tolist()


def report_markdown(report: dict[str, Any]) -> str:
    """Markdown rendering of an evaluation report."""
    th, se = report["themes"], report["sentiment"]
    lines = [
        f"# Theme & sentiment evaluation: {report['name']}",
        "",
        f"Rows: {report['n_rows']}; theme rows scored: {report['n_theme_rows_scored']}"
        f"{' (substantive comments only)' if report.get('substantive_only') else ''}.",
        "",
        "| metric | value |",
        "|---|---|",
        f"| theme micro-F1 | {th['micro_f1']:.3f} |",
        f"| theme macro-F1 ({th['n_labels_in_macro']} labels with test support) | {th['macro_f1']:.3f} |",
        f"| sentiment accuracy, 3 classes (n={se['n']}) | {se['accuracy_3class']:.3f} |",
        f"| sentiment accuracy, 5 classes | {se['accuracy_5class']:.3f} |",
        f"| sentiment mean absolute error, 5-point | {se['mean_abs_error_5point']:.3f} |",
    ]
    for k, v in report.items():
        if k.startswith("baseline") and isinstance(v, dict):
            lines.append(
                f"| {k} | " + ", ".join(f"{a} {b:.3f}" for a, b in v.items() if isinstance(b, float)) + " |"
            )
    lines += [
        "",
        "## Themes by comment length",
        "",
        "| length | comments | true labels per comment | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {b['bucket']} | {b['n']} | {b['labels_per_comment']:.2f} | {b['precision']:.2f} | {b['recall']:.2f} "
        f"| {b['f1']:.2f} |"
        for b in th.get("by_length", [])
    ]
    lines += [
        "",
        "## Per-label F1",
        "",
        "| label | support | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in sorted(th["per_label"], key=lambda r: -r["support"]):
        lines.append(
            f"| {r['label']} | {r['support']} | {r['precision']:.2f} | {r['recall']:.2f} | {r['f1']:.2f} |"
        )
    lines += ["", "Sentiment confusion (rows true, columns predicted: positive, neutral, negative):", ""]
    lines += ["    " + " ".join(f"{x:6d}" for x in row) for row in se["confusion_3class"]]
    return "\n".join(lines) + "\n"


def keyword_topic_check(v6_path: str | Path) -> dict[str, float]:
    """Precision / recall of the EDI keyword rule against the v6 human "Equality, Diversity & Inclusion" label."""
    raw = pd.read_csv(v6_path, usecols=["FFT answer", "Equality, Diversity & Inclusion"])
    flagged = raw["FFT answer"].map(
        lambda t: (
            "Equality, diversity & inclusion"
            in keyword_topics(None if (isinstance(t, float) and math.isnan(t)) else str(t))
        )
    )
    truth = raw["Equality, Diversity & Inclusion"].fillna(0).astype(int) == 1
    tp = int((flagged & truth).sum())
    return {
        "flagged": int(flagged.sum()),
        "labelled": int(truth.sum()),
        "precision": tp / max(1, int(flagged.sum())),
        "recall": tp / max(1, int(truth.sum())),
    }


def train_shipped_model(
    data_dir: str | Path, out_dir: str | Path | None = None, *, settings: TrainSettings | None = None
) -> ThemeSentimentModel:
    """Rebuild the model shipped in ``pipelines/text/model/`` from the public pxtextmining data."""
    from pipelines.text.model import DEFAULT_MODEL_DIR

    df = load_training_data(data_dir, phase1=True)
    model = train(df, settings=settings)
    model.meta["training_data"] = {
        "v6": f"{V6_FILE} (pxtextmining, NEAS + NHFT; labels mapped v6 -> v7)",
        "phase1": f"{PHASE1_FILE} + {PHASE1_MULTI_FILE} (soundly-mapped codes only, positive-only labels; "
        "Care Opinion CC BY-NC-SA 4.0)",
    }
    model.save(out_dir if out_dir is not None else DEFAULT_MODEL_DIR)
    return model


if __name__ == "__main__":  # python -m pipelines.text.train DATA_DIR [OUT_DIR]
    import sys

    m = train_shipped_model(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
    print(json.dumps(m.meta["training"], indent=2))
