"""Charts drawn once: SVGs kept by a fingerprint of what each chart is drawn from.

Drawing SVG with matplotlib is most of a report's time (about 1.5 s a chart, 20 s for one ICB's page),
and a refresh usually changes few of the figures a chart shows: a new complaints return leaves every GP
Patient Survey chart as it was. While ``chart_cache(folder)`` is active, a chart function decorated with
``@cached_chart`` fingerprints its arguments (a DataFrame by its values, index, columns and types; anything
else by its ``repr``) with the report's chart code and matplotlib's version. A chart drawn before from the
same fingerprint is not drawn again: ``to_svg`` / ``to_png`` read its SVG or PNG back (an SVG also depends on
the chart id, a PNG on its resolution, so that is part of its file name). A chart that drew nothing
(``None``) is remembered as such.

When the render finishes, files it did not use are removed, so the folder holds the current report's charts
only. Without an active cache the decorated functions return their figures as before.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

HERE = Path(__file__).parent
# The code a chart's pixels depend on besides its arguments.
CHART_CODE: tuple[Path, ...] = (
    *sorted((HERE / "charts").glob("*.py")),
    HERE / "data.py",
    HERE / "chart_cache.py",
    HERE.parent / "methods" / "proportion_funnels.py",
)
P = ParamSpec("P")


@dataclass
class _Cache:
    folder: Path
    code: str  # fingerprint of CHART_CODE and matplotlib's version
    used: set[str] = field(default_factory=set)
    drawn: int = 0
    reused: int = 0

    def path(self, name: str) -> Path:
        self.used.add(name)
        return self.folder / name


_ACTIVE: ContextVar[_Cache | None] = ContextVar("chart_cache", default=None)


@dataclass
class CachedFigure:
    """A chart the cache may already hold: ``to_svg`` reads it back, or draws ``figure`` (built on demand)."""

    key: str
    build: Callable[[], Figure | None]
    built: Figure | None = None

    def figure(self) -> Figure:
        """The matplotlib figure itself (drawn now if it was not yet)."""
        if self.built is None:
            self.built = self.build()
        if self.built is None:  # the same arguments drew a chart last time: the chart code is not pure
            raise RuntimeError(f"chart {self.key} drew nothing, though it drew a figure before")
        return self.built


@dataclass
class CacheStats:
    """How many charts a render drew and how many it took from the cache."""

    drawn: int = 0
    reused: int = 0


def _feed(digest: Any, value: object) -> None:
    """Add ``value`` to ``digest``: DataFrames and arrays by their contents, containers item by item."""
    if isinstance(value, pd.DataFrame):
        digest.update(repr((list(value.columns), [str(t) for t in value.dtypes], value.shape)).encode())
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        digest.update(repr((value.name, str(value.dtype), len(value))).encode())
        digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        digest.update(repr((value.dtype.str, value.shape)).encode() + value.tobytes())
    elif isinstance(value, dict):
        digest.update(f"dict {len(value)}".encode())
        for k in sorted(value, key=repr):
            _feed(digest, k)
            _feed(digest, value[k])
    elif isinstance(value, list | tuple):
        digest.update(f"{type(value).__name__} {len(value)}".encode())
        for item in value:
            _feed(digest, item)
    else:
        digest.update(f"{type(value).__name__}:{value!r}".encode())
    digest.update(b"\0")


def _code_fingerprint() -> str:
    digest = hashlib.sha256(matplotlib.__version__.encode())
    for path in CHART_CODE:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cached_chart(chart: Callable[P, Figure | None]) -> Callable[P, Figure | CachedFigure | None]:
    """Decorate a chart function: with a cache active, it returns a ``CachedFigure`` (or ``None`` when the
    same arguments drew nothing before) instead of drawing again."""

    @functools.wraps(chart)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure | CachedFigure | None:
        cache = _ACTIVE.get()
        if cache is None:
            return chart(*args, **kwargs)
        digest = hashlib.sha256(f"{cache.code}\0{chart.__qualname__}\0".encode())
        _feed(digest, args)
        _feed(digest, kwargs)
        key = digest.hexdigest()
        if cache.path(f"{key}.none").exists():
            cache.reused += 1
            return None
        drew = cache.path(f"{key}.drew")
        if drew.exists():
            return CachedFigure(key, functools.partial(chart, *args, **kwargs))
        figure = chart(*args, **kwargs)
        if figure is None:
            cache.path(f"{key}.none").touch()
            cache.drawn += 1
            return None
        return CachedFigure(key, functools.partial(chart, *args, **kwargs), figure)

    return wrapper


def cached_output(figure: CachedFigure, variant: str, draw: Callable[[Figure], bytes]) -> bytes:
    """What ``draw`` makes of ``figure`` (``variant`` names it: an SVG for one chart id, a PNG at one
    resolution), from the cache when it holds it."""
    cache = _ACTIVE.get()
    if cache is None:
        return draw(figure.figure())
    path = cache.path(f"{figure.key}-{hashlib.sha256(variant.encode()).hexdigest()[:16]}")
    if path.exists():
        cache.reused += 1
        return path.read_bytes()
    output = draw(figure.figure())
    cache.drawn += 1
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(output)
    partial.replace(path)  # a crash mid-write leaves no half file under the real name
    cache.path(f"{figure.key}.drew").touch()
    return output


@contextmanager
def chart_cache(folder: Path, prune: bool = True) -> Iterator[CacheStats]:
    """Use (and keep up to date) the chart cache in ``folder`` while the block runs; on success, with
    ``prune``, remove the files it did not use. Inside another ``chart_cache`` block it is that block's
    cache (one render session, pruned once). Yields the counts of charts drawn and reused, filled in when
    the block ends."""
    stats = CacheStats()
    outer = _ACTIVE.get()
    if outer is not None:
        yield stats
        return
    folder.mkdir(parents=True, exist_ok=True)
    cache = _Cache(folder, _code_fingerprint())
    token = _ACTIVE.set(cache)
    try:
        yield stats
    finally:
        _ACTIVE.reset(token)
        stats.drawn, stats.reused = cache.drawn, cache.reused
    if prune:
        for stale in folder.iterdir():
            if stale.name not in cache.used:
                stale.unlink(missing_ok=True)
