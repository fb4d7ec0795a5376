"""The national-style practice files the sample writer makes for any survey year (bench/refresh.py
--gpps-years 10 writes 2017-2026): each carries every catalogue measure of its year under that year's stem."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pipelines.sample.ics import synthetic_ics
from pipelines.sources.gpps.catalogue import catalogue
from pipelines.sources.gpps.sample import write_practice_file


@pytest.mark.parametrize("year", [2017, 2018, 2022])
def test_a_practice_file_carries_its_years_catalogue_stems(tmp_path: Path, year: int) -> None:
    path = write_practice_file([synthetic_ics()], tmp_path, year, np.random.default_rng(year))
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    # Each measure's published summary column (`q68_1pct` where one option is the positive share).
    summaries = {f"{m.question}_{m.summary_code}pct" for m in catalogue() if m.survey_year == year}
    assert summaries and summaries <= set(header), summaries - set(header)
    if year == 2017:  # 2017's confidence and trust is q22; the later files' q89 is not in it
        assert "q22_12pct" in header and not any(c.startswith("q89") for c in header)
