"""Confidence levels as Chorus publishes them: 95% and 99.8% by default, named ``lower_95`` / ``upper_998``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.methods.intervals import _conf

#: The two levels every Chorus interval is published at (DESIGN.md section 7).
DEFAULT_LEVELS: tuple[float, float] = (0.95, 0.998)


def levels(confidence: float | Sequence[float]) -> tuple[float, ...]:
    """Normalise one level or several to fractions (95 → 0.95), keeping their order, rejecting repeats."""
    out = tuple(_conf(c) for c in np.atleast_1d(np.asarray(confidence, dtype=float)))
    if len(set(out)) != len(out):
        raise ValueError(f"confidence levels repeat: {confidence!r}")
    return out


def level_tag(conf: float) -> str:
    """Column suffix for a level: 0.95 → '95', 0.998 → '998', 0.9 → '90' (as in ``lower_95``, ``upper_998``)."""
    return f"{_conf(conf) * 100:g}".replace(".", "")
