"""GPPS sample files for the synthetic ICS, in the three published header generations.

- 2019 (2017-2021 grammar): every 2023 column that was common to the 2018-2023 files, with the
  ``Practice_Code, Practice_Name, CCG_Code, CCG_Name`` identifiers (CCG-level file too).
- 2023 (2022-2023 grammar): the full 2023 list of reporting variables (1,001 columns), plus ICS and
  national files, plus the year's list of reporting variables.
- 2025 (2024+ grammar): the ``<stem>_<k>.count / .pcteval / .baseevaluw …`` grammar of the real 2026
  national file, ~1,100 columns: every stem of the redesigned questionnaire (``stems_2024plus.csv``) with
  its real options, then synthetic ``nsq…`` stems to make the file as wide as the real one.
- Respondent-level extracts for 2023 and 2021 whose group differences follow ``PLANTED``: the same
  differences in both years, except the deprivation gap in phone access and making an appointment,
  which is shallower in 2021 (``PLANTED['widening_deprivation_gap']``), so the gap widens within the
  2017-2023 series. Both are drawn from one seed (the same respondents and draws), so that planted
  change is the only one between them.

Values are deterministic by seed, written as the real files write them: proportions like ``.2205``,
suppressed cells as -99 (or ``*`` / blank in some years), never 0. Each practice's published Wilson
intervals use its own design effect (synthetic, 1.1-3.5), so the marts must read each practice's
effective sample size from its intervals rather than assume the national 2.43.

The writers live in ``layout.py`` (what every file shares), ``practice_files.py`` (the published results
files) and ``respondents.py`` (respondent extracts); their public names are importable from here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.sample.ics import PLANTED, SEED, SyntheticICS
from pipelines.sources.gpps.sample.layout import (
    COLUMNS_2023,
    UNKNOWN_PRACTICE,
    columns_2023,
    design_effect_of,
    fmt,
)
from pipelines.sources.gpps.sample.practice_files import (
    DOT_COMPOSITION,
    DOT_CONTEXT,
    DOT_IDS,
    write_dot_files,
    write_practice_file,
    write_qn_files,
    write_variables_list,
)
from pipelines.sources.gpps.sample.respondents import (
    EXTRACT_QUESTIONS,
    MINORITY_GROUPS,
    deprivation_slope,
    extract_generator,
    write_respondent_extract,
)

__all__ = [
    "COLUMNS_2023",
    "DOT_COMPOSITION",
    "DOT_CONTEXT",
    "DOT_IDS",
    "EXTRACT_QUESTIONS",
    "MINORITY_GROUPS",
    "UNKNOWN_PRACTICE",
    "columns_2023",
    "deprivation_slope",
    "design_effect_of",
    "extract_generator",
    "fmt",
    "write_dot_files",
    "write_gpps",
    "write_practice_file",
    "write_qn_files",
    "write_respondent_extract",
    "write_variables_list",
]


def write_gpps(ics: SyntheticICS, folder: Path) -> list[Path]:
    """Every GPPS sample file: three generations of results, a variables list, two respondent extracts."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, 3])
    paths = write_qn_files(ics, folder, 2019, rng)
    paths += write_qn_files(ics, folder, 2023, rng)
    paths += write_dot_files(ics, folder, 2025, rng)
    paths.append(write_variables_list(folder, 2023))
    # Both extracts draw from one seed: the same respondents, whose answers differ only where PLANTED
    # differs between the years (the widening deprivation gap), so no other change between them is real.
    for year in (2023, PLANTED["widening_deprivation_gap"]["earlier_year"]):
        path = folder / f"gpps_{year}_respondent_extract.csv"
        paths.append(write_respondent_extract(ics, path, extract_generator(), year))
    return sorted(paths)
