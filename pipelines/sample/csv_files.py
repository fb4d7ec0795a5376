"""The one CSV writer the sample generators use."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path


def write_csv(
    path: Path,
    rows: Iterable[Sequence[object]],
    header: Sequence[str] | None = None,
    *,
    quote_all: bool = False,
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> Path:
    """Write ``header`` (if any) and ``rows`` to ``path``, creating its folder.

    ``encoding="utf-8-sig"`` writes the BOM Excel puts on its CSVs; ``lineterminator="\\r\\n"`` its line
    endings; ``quote_all`` quotes every field as ODS does.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(
            handle, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator=lineterminator
        )
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path
