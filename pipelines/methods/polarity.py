"""Polarity: which direction of a measure is better, so that "high" is never called "better" for a negative one.

Chorus carries polarity as ``higher_is_better`` (True / False / NULL, NULL = neither direction is better, e.g. the
share of comments about a theme); the OHID Fingertips wording is "higher is better" / "lower is better" /
"no judgement". Both are accepted everywhere, as one value or one per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

_WORDS = {
    "higher is better": 1,
    "high is better": 1,
    "increase": 1,
    "lower is better": -1,
    "low is better": -1,
    "decrease": -1,
    "no judgement": 0,
    "no judgment": 0,
    "neutral": 0,
}


def polarity_sign(polarity: object | ArrayLike) -> NDArray[np.int8]:
    """+1 where higher is better, −1 where lower is better, 0 where neither (no judgement / NULL).

    Accepts the Fingertips words, ``higher_is_better`` booleans, or None/NaN; a scalar is returned as a
    0-d array (it broadcasts against per-row arrays). Unknown words raise rather than guess.
    """
    values = pd.Series(np.atleast_1d(np.asarray(polarity, dtype=object)))

    def one(v: object) -> int:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return 0
        if isinstance(v, (bool, np.bool_)):
            return 1 if v else -1
        if isinstance(v, str):
            key = v.strip().lower().replace("_", " ")
            if key in _WORDS:
                return _WORDS[key]
        raise ValueError(
            f"unknown polarity {v!r}: use 'higher is better', 'lower is better', 'no judgement' "
            "or higher_is_better True/False/None"
        )

    # One decision per distinct value: marts pass a polarity per row for many thousands of rows.
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    signs = np.asarray([one(v) for v in uniques] + [0], dtype=np.int8)  # code -1 (missing) → 0
    out = signs[codes]
    return out.reshape(()) if np.ndim(polarity) == 0 else out


def judge(direction: ArrayLike, polarity: object | ArrayLike) -> NDArray[np.str_]:
    """Turn a significant direction into a judgement a reader can act on.

    ``direction``: +1 (significantly higher / increasing), −1 (significantly lower / decreasing), 0 (not
    significant), NaN (nothing to compare). Returns 'better' / 'worse' / 'similar' / 'not compared'. A
    measure with no judgement (polarity 0 / NULL) is always 'not compared': its funnel or trend may still
    be shown, but it is never called better or worse.
    """
    d = np.asarray(direction, dtype=float)
    s = polarity_sign(polarity).astype(float)
    d, s = np.broadcast_arrays(d, s)
    return np.select(
        [np.isnan(d) | (s == 0), d == 0, d * s > 0],
        ["not compared", "similar", "better"],
        default="worse",
    )
