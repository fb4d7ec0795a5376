"""CSV entry points for the text stage, without running the pipeline (``chorus text code`` / ``chorus text train``).

* :func:`code_csv` redacts and codes a CSV of comments in batches (memory stays flat however long the file):
  every input row is written, in order, with the input columns followed by ``redacted_text``,
  ``redaction_kinds``, ``themes``, ``categories``, ``topics``, ``sentiment_score`` and ``sentiment_class``.
  Multi-valued cells are joined with ``"; "`` (framework labels contain commas, never semicolons).
* :func:`train_csv` retrains the theme/sentiment model from a trust's own labelled CSV, writes the model
  directory and an evaluation report scored on a held-out part of that CSV (split by respondent when a
  group column is given), then refits on every row so the saved model uses all the labels.

Both raise :class:`CsvInputError` (a one-line, user-facing message) for a missing file or column.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.text.framework import SUBCATEGORY_TO_CATEGORY, V6_TO_V7, V7_LABELS, keyword_topics
from pipelines.text.model import SENTIMENT3_NAMES, ThemeSentimentModel, TrainSettings
from pipelines.text.redaction import redact
from pipelines.text.train import RatingError, rating_values

SEP = "; "
ADDED_COLUMNS: tuple[str, ...] = (
    "redacted_text",
    "redaction_kinds",
    "themes",
    "categories",
    "topics",
    "sentiment_score",
    "sentiment_class",
)


class CsvInputError(ValueError):
    """The input cannot be used as given (missing file or column, unreadable encoding); one line."""


@dataclass(frozen=True)
class CsvCodingSummary:
    rows: int
    redactions: int
    out_path: Path


def _header(path: Path, encoding: str) -> list[str]:
    if not path.is_file():
        raise CsvInputError(f"{path}: no such file")
    try:
        return list(pd.read_csv(path, nrows=0, encoding=encoding).columns)
    except UnicodeDecodeError:
        raise CsvInputError(f"{path}: not readable as {encoding}; try --encoding cp1252") from None
    except pd.errors.EmptyDataError:
        raise CsvInputError(f"{path}: the file is empty (no header row)") from None


def _require_columns(path: Path, columns: list[str], wanted: dict[str, str | None]) -> None:
    """Raise a one-line error naming the available columns when an option names a missing one."""
    for option, col in wanted.items():
        if col is not None and col not in columns:
            available = ", ".join(repr(c) for c in columns)
            raise CsvInputError(f"{path}: no column {col!r} (given by {option}); columns are: {available}")


def code_frame(
    texts: Sequence[Any],
    questions: Sequence[Any] | None,
    model: ThemeSentimentModel,
    *,
    names: bool = False,
    ratings: Sequence[Any] | None = None,
) -> tuple[dict[str, list[Any]], int]:
    """Redact and code one batch; returns the added columns (aligned with ``texts``) and the redaction count.

    ``ratings``: the score given with each comment, 1 very positive ... 5 very negative (blank: none)."""
    raw = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
    results = [redact(t, names) for t in raw]
    redacted = [r.text for r in results]
    qs = (
        None
        if questions is None
        else [None if q is None or (isinstance(q, float) and np.isnan(q)) else str(q) for q in questions]
    )
    pr = model.predict_arrays(redacted, qs, ratings)
    labels = model.labels
    themes: list[str] = []
    categories: list[str] = []
    order = np.argsort(-pr.theme_proba, axis=1, kind="stable")
    for i in range(len(raw)):
        row_mask = pr.theme_mask[i]
        chosen = [labels[j] for j in order[i] if row_mask[j]]
        themes.append(SEP.join(chosen))
        categories.append(SEP.join(dict.fromkeys(SUBCATEGORY_TO_CATEGORY.get(t, t) for t in chosen)))
    score = [None if pr.empty[i] else int(pr.sentiment[i]) for i in range(len(raw))]
    cls = [None if pr.empty[i] else SENTIMENT3_NAMES[int(pr.sentiment3[i])] for i in range(len(raw))]
    columns = {
        "redacted_text": redacted,
        "redaction_kinds": [SEP.join(dict.fromkeys(r.kinds)) for r in results],
        "themes": themes,
        "categories": categories,
        "topics": [SEP.join(keyword_topics(t)) if not pr.empty[i] else "" for i, t in enumerate(redacted)],
        "sentiment_score": score,
        "sentiment_class": cls,
    }
    return columns, sum(len(r.kinds) for r in results)


def code_csv(
    in_path: str | Path,
    out_path: str | Path,
    *,
    text_col: str = "text",
    question_col: str | None = None,
    rating_col: str | None = None,
    model: ThemeSentimentModel | None = None,
    model_dir: str | Path | None = None,
    names: bool = False,
    drop_text: bool = False,
    encoding: str = "utf-8-sig",
    batch_size: int = 20_000,
    progress: Callable[[int, int, int], None] | None = None,
) -> CsvCodingSummary:
    """Redact and code ``in_path`` into ``out_path`` (UTF-8), ``batch_size`` rows at a time.

    Row count and order are kept; every cell of the input is kept as text, unchanged (``drop_text``
    leaves out the original text column, so the output holds no unredacted text).  Columns of the input
    named like an added column are overwritten.  The output is written to a temporary file and renamed,
    so a failure never leaves a half-written ``out_path``.  ``progress(rows_done, bytes_read, bytes_total)``
    is called after each batch.
    """
    src, dst = Path(in_path), Path(out_path)
    columns = _header(src, encoding)
    _require_columns(
        src, columns, {"--text-col": text_col, "--question-col": question_col, "--rating-col": rating_col}
    )
    if model is None:
        model = load_model(model_dir)
    total_bytes = src.stat().st_size
    tmp = dst.with_name(f".{dst.name}.partial")
    dst.parent.mkdir(parents=True, exist_ok=True)
    rows = redactions = 0
    try:
        with open(src, "rb") as fh, open(tmp, "w", encoding="utf-8", newline="") as out:
            reader = pd.read_csv(
                fh, dtype=str, keep_default_na=False, na_filter=False, encoding=encoding, chunksize=batch_size
            )
            writer = csv.writer(out)
            out_cols = [c for c in columns if c not in ADDED_COLUMNS and not (drop_text and c == text_col)]
            writer.writerow(out_cols + list(ADDED_COLUMNS))
            for chunk in reader:
                added, n_red = code_frame(
                    chunk[text_col].tolist(),
                    chunk[question_col].tolist() if question_col else None,
                    model,
                    names=names,
                    ratings=rating_values(
                        chunk[rating_col].tolist(), path=src, column=rating_col, first_row=rows + 1
                    )
                    if rating_col
                    else None,
                )
                kept = [chunk[c].tolist() for c in out_cols]
                writer.writerows(zip(*kept, *(added[c] for c in ADDED_COLUMNS), strict=True))
                rows += len(chunk)
                redactions += n_red
                if progress:
                    progress(rows, min(fh.tell(), total_bytes), total_bytes)
        os.replace(tmp, dst)
    except UnicodeDecodeError:
        raise CsvInputError(f"{src}: not readable as {encoding}; try --encoding cp1252") from None
    except RatingError as exc:
        raise CsvInputError(str(exc)) from None
    finally:
        tmp.unlink(missing_ok=True)
    return CsvCodingSummary(rows=rows, redactions=redactions, out_path=dst)


def load_model(model_dir: str | Path | None) -> ThemeSentimentModel:
    """The model in ``model_dir`` (default: the one shipped with Chorus), or a one-line CsvInputError."""
    if model_dir is not None and not (Path(model_dir) / "model.json").is_file():
        raise CsvInputError(
            f"{model_dir}: not a model directory (no model.json); train one with `chorus text train`"
        )
    return ThemeSentimentModel.load(model_dir)


# --------------------------------------------------------------------------------------------------
# Training from a labelled CSV
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    model_dir: Path
    report_json: Path
    report_md: Path
    report: dict[str, Any]
    label_format: str
    label_map: str
    rows: int


def _onehot_values(series: pd.Series) -> bool | None:
    """True when every non-blank value is 0/1 (or True/False), None when the column is blank throughout."""
    vals = {str(v).strip() for v in series.dropna().unique()} - {""}
    if not vals:
        return None
    return vals <= {"0", "1", "0.0", "1.0", "True", "False", "true", "false"}


def resolve_label_columns(
    path: Path,
    columns: list[str],
    raw: pd.DataFrame,
    labels: Sequence[str] | None,
    label_format: str,
    label_map: str,
    label_sep: str,
) -> tuple[list[str], str, str]:
    """Settle which columns hold the labels, their format (onehot / list / code) and scheme (v7 / v6 / phase1)."""
    if labels:
        for col in labels:
            _require_columns(path, columns, {"--labels": col})
        cols = list(labels)
    else:  # one-hot columns named after framework labels
        v7 = [c for c in columns if c in V7_LABELS]
        v6 = [c for c in columns if c in V6_TO_V7]
        cols = v7 if len(v7) >= len(v6) else v6
        if not cols:
            raise CsvInputError(
                f"{path}: no label columns found; name them with --labels (a column of labels joined by "
                f"{label_sep!r}, or several one-hot / code columns)"
            )
        if label_map == "auto":
            label_map = "v7" if cols is v7 else "v6"
    if label_format == "auto":
        kinds = {_onehot_values(raw[c]) for c in cols}
        label_format = (
            "onehot" if True in kinds and False not in kinds else ("list" if len(cols) == 1 else "code")
        )
    if label_map == "auto":
        if label_format == "onehot":
            names = set(cols)
        else:
            names = set()
            for c in cols:
                for v in raw[c].dropna():
                    names.update(
                        p.strip()
                        for p in (str(v).split(label_sep) if label_format == "list" else [str(v)])
                        if p.strip()
                    )
            names.discard("NA")
        if names <= set(V7_LABELS):
            label_map = "v7"
        elif names <= set(V6_TO_V7):
            label_map = "v6"
        else:
            unknown = sorted(names - set(V7_LABELS))[:5]
            raise CsvInputError(
                f"{path}: labels not in framework v7 (nor v6): {unknown}; map them to v7 names or pass --label-map"
            )
    return cols, label_format, label_map


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
    refit: bool = True,
    settings: TrainSettings | None = None,
    seed: int = 0,
    encoding: str = "utf-8-sig",
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train a model from a labelled CSV into ``out_dir`` and write ``out_dir/evaluation.{json,md}``.

    The report scores a model trained on ``1 - holdout`` of the rows (split by ``group_col``, e.g. a
    respondent id, so one respondent's comments are never on both sides) on the rest.  With ``refit`` the
    saved model is then retrained on every row; otherwise the evaluated model itself is saved.
    ``holdout=0`` skips evaluation on held-out rows and scores the training rows (flagged in the report).
    ``progress`` is told each training step, prefixed by which model it is for.
    """
    from pipelines.text.model import train
    from pipelines.text.train import frame_from_csv, load_phase1

    path = Path(csv_path)
    columns = _header(path, encoding)
    _require_columns(
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
    extra = load_phase1(phase1_dir) if phase1_dir is not None else None
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
    from pipelines.text.train import evaluate

    model = fit(df, f"final model (all {len(df):,} rows)") if (refit and holdout > 0) else evaluated
    model.meta["trained_from"] = info
    model.save(out)
    report = evaluate(evaluated, test, out_dir=out, name="evaluation", extra={"training": info})
    return TrainResult(out, out / "evaluation.json", out / "evaluation.md", report, fmt, scheme, len(df))


def _group_split(groups: np.ndarray, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test) with whole groups on one side; ``holdout`` of the groups are tested."""
    uniq = np.unique(groups)
    rng = np.random.default_rng(seed)
    n_test = max(1, round(len(uniq) * holdout))
    test_groups = set(rng.choice(uniq, size=n_test, replace=False).tolist())
    is_test = np.fromiter((g in test_groups for g in groups), bool, len(groups))
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)
