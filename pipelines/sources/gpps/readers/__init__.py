"""GPPS layouts (docs/DESIGN.md section 4, "GP Patient Survey"), one module per format family:

- ``results``: the published results files of every header generation (2017-2021, 2022-2023, 2024+);
- ``variables``: a year's list of reporting variables;
- ``respondents``: respondent-level extracts;
- ``common``: what they share (tables and macros, the survey year of a file, the practice geography of a
  year, the suppression markers).

The package holds the names the source, its assets, the tests and the benchmarks use.
"""

from __future__ import annotations

from pipelines.ingest.detect import Layout
from pipelines.sources.gpps.readers.common import HERE, ensure_gpps_tables, known_practices_sql, prepare
from pipelines.sources.gpps.readers.respondents import RESPONDENT_EXTRACT, load_respondents
from pipelines.sources.gpps.readers.results import (
    RESULTS_2017_2021,
    RESULTS_2022_2023,
    RESULTS_2024_ON,
    RESULTS_LAYOUTS,
    VALUE_RULES,
    load_results,
)
from pipelines.sources.gpps.readers.variables import REPORTING_VARIABLES, load_variables

GPPS_LAYOUTS: tuple[Layout, ...] = (REPORTING_VARIABLES, RESPONDENT_EXTRACT, *RESULTS_LAYOUTS)

__all__ = [
    "GPPS_LAYOUTS",
    "HERE",
    "REPORTING_VARIABLES",
    "RESPONDENT_EXTRACT",
    "RESULTS_2017_2021",
    "RESULTS_2022_2023",
    "RESULTS_2024_ON",
    "RESULTS_LAYOUTS",
    "VALUE_RULES",
    "ensure_gpps_tables",
    "known_practices_sql",
    "load_respondents",
    "load_results",
    "load_variables",
    "prepare",
]
