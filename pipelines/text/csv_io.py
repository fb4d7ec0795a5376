"""Reading comment CSVs: labelled comments into the training frame, ratings, label columns, input errors.

The training frame has one row per comment: ``text``, ``question``, ``labels`` (v7 names, or None when
the row has no theme coding), ``labels_complete``, ``sentiment`` (1-5), ``group`` (respondent),
``comment_id``, ``source`` and ``rating``. Labels arrive in three formats (one-hot columns, one column of
joined labels, code columns) and three schemes (v7, v6, the phase-1 short codes), all mapped to v7.
The public pxtextmining files (the v6 framework file and the phase-1 files) have loaders of their own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pipelines.sources.fft.comments import fft_scores
from pipelines.text.framework import V6_TO_V7, V7_LABELS, phase1_labels, v6_to_v7
from pipelines.text.sentiment import SENTIMENT_CLASSES

LabelFormat = Literal["onehot", "list", "code"]
LabelMap = Literal["v6", "phase1", "v7"]

V6_FILE = "v6framework_train.csv"
PHASE1_FILE = "phase_1__text_data.csv"
PHASE1_MULTI_FILE = "phase_1__co_multi_label.csv"


class CsvInputError(ValueError):
    """The input cannot be used as given (missing file or column, unreadable encoding); one line."""


def read_header(path: Path, encoding: str) -> list[str]:
    """The column names of a CSV file, or a one-line CsvInputError (no file, wrong encoding, empty)."""
    if not path.is_file():
        raise CsvInputError(f"{path}: no such file")
    try:
        return list(pd.read_csv(path, nrows=0, encoding=encoding).columns)
    except UnicodeDecodeError:
        raise CsvInputError(f"{path}: not readable as {encoding}; try --encoding cp1252") from None
    except pd.errors.EmptyDataError:
        raise CsvInputError(f"{path}: the file is empty (no header row)") from None


def require_columns(path: Path, columns: list[str], wanted: dict[str, str | None]) -> None:
    """Raise a one-line error naming the available columns when an option names a missing one."""
    for option, col in wanted.items():
        if col is not None and col not in columns:
            available = ", ".join(repr(c) for c in columns)
            raise CsvInputError(f"{path}: no column {col!r} (given by {option}); columns are: {available}")


def normalised_text(t: Any) -> str:
    """Text used to find the same comment in two files (case/space/punctuation-insensitive)."""
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
    norm = df["text"].map(normalised_text)
    keep = ~norm.duplicated()  # Care Opinion stories appear in both phase-1 files
    if exclude_texts:
        keep &= ~norm.isin(exclude_texts)
    df = df[keep]
    if not sentiment:
        df = df[df["labels"].notna()]
    return df.reset_index(drop=True)


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
            require_columns(path, columns, {"--labels": col})
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
