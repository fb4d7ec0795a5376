"""``chorus text code``: redact and code a CSV of comments, without running the pipeline.

:func:`code_csv` works in batches (memory stays flat however long the file): every input row is written,
in order, with the input columns followed by ``redacted_text``, ``redaction_kinds``, ``themes``,
``categories``, ``topics``, ``sentiment_score`` and ``sentiment_class``. Multi-valued cells are joined
with ``"; "`` (framework labels contain commas, never semicolons). A missing file or column raises
:class:`~pipelines.text.csv_io.CsvInputError` (a one-line, user-facing message).
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

from pipelines.text.csv_io import CsvInputError, RatingError, rating_values, read_header, require_columns
from pipelines.text.framework import SUBCATEGORY_TO_CATEGORY, keyword_topics
from pipelines.text.model import ThemeSentimentModel
from pipelines.text.redaction import redact
from pipelines.text.sentiment import SENTIMENT3_NAMES

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


@dataclass(frozen=True)
class CsvCodingSummary:
    """What ``code_csv`` did: rows written, redactions made, and where."""

    rows: int
    redactions: int
    out_path: Path


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
    columns = read_header(src, encoding)
    require_columns(
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
