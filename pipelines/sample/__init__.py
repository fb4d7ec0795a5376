"""The sample data generator: synthetic files in the real published formats, deterministic by seed."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.sample.complaints import write_complaints
from pipelines.sample.fft import write_fft
from pipelines.sample.gpps import write_gpps
from pipelines.sample.healthwatch import write_healthwatch
from pipelines.sample.ics import SEED, synthetic_ics
from pipelines.sample.reference import write_reference
from pipelines.sample.stories import write_stories


def generate_sample(out_dir: Path, seed: int = SEED, clean: bool = True) -> dict[str, int]:
    """Write every source's sample files under ``out_dir/<source>/``; returns files written per source."""
    out_dir = Path(out_dir)
    ics = synthetic_ics(seed)
    written: dict[str, int] = {}
    writers = {
        "reference": write_reference,
        "gpps": write_gpps,
        "healthwatch": write_healthwatch,
        "stories": write_stories,
        "fft": write_fft,
        "complaints": write_complaints,
    }
    for source, writer in writers.items():
        folder = out_dir / source
        if clean and folder.exists():
            shutil.rmtree(folder)
        written[source] = len(writer(ics, folder))
    return written
