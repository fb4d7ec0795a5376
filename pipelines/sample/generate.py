"""The sample data generator: every registered source writes its files, in their real formats, for one ICS."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.sample.ics import SEED, synthetic_ics
from pipelines.sources.registry import registered


def generate_sample(out_dir: Path, seed: int = SEED, clean: bool = True) -> dict[str, int]:
    """Write every source's sample files under ``out_dir/<source>/``; returns files written per source."""
    out_dir = Path(out_dir)
    ics = synthetic_ics(seed)
    written: dict[str, int] = {}
    for spec in registered():
        folder = out_dir / spec.name
        if clean and folder.exists():
            shutil.rmtree(folder)
        written[spec.name] = len(spec.write_sample(ics, folder))
    return written
