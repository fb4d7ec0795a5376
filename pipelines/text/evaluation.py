"""How well a theme/sentiment model codes labelled comments: F1 by label and by comment length,
sentiment accuracy, and the report (JSON + Markdown) that ``chorus text train`` writes.

Themes are scored on rows whose v7 labels are complete; empty / "did not answer" comments are left out
by default, since they are coded by rule and would flatter the figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.text.framework import keyword_topics
from pipelines.text.model import ThemeSentimentModel
from pipelines.text.sentiment import SENTIMENT3_NAMES, sentiment3
from pipelines.text.tokens import WORD_RE, is_empty_comment


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
    n_words = np.array([len(WORD_RE.findall(str(t))) for t in texts], dtype=int)
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
