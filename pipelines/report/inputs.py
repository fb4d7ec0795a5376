"""Which landing files fill each report section, in the source registry's own words.

A section with nothing to show for an ICB says which files would fill it. The words are the registry's: each
file is named by its layout's description (up to its first ": ", the part a reader would look for; the same
text the Dagster ingest assets show) and the landing sub-folder of its source, so the report keeps no list
of file names of its own. Whether an input is loaded is read once from the published store (its ``ref``
tables and which sources ``marts.metric_by_group`` holds), so a sentence names only what is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from pipelines.ingest.detect import Layout
from pipelines.sources.registry import registered


@dataclass(frozen=True)
class Input:
    """One input a section needs: the registry layouts any one of which fills it, and how the published
    store shows it was loaded: (table, query returning one boolean) pairs, any of which may say so."""

    layouts: tuple[str, ...]
    loaded_by: tuple[tuple[str, str], ...]


INPUTS: dict[str, Input] = {
    "gpps_practice_results": Input(
        ("gpps_results_2024_on", "gpps_results_2022_2023", "gpps_results_2017_2021"),
        (
            (
                "marts.metric_by_group",
                "SELECT EXISTS (SELECT 1 FROM marts.metric_by_group WHERE source = 'gpps_published' "
                "AND geography_level = 'practice')",
            ),
        ),
    ),
    "practice_deprivation": Input(
        ("fingertips_imd2019_score",),
        (("ref.practice_deprivation", "SELECT EXISTS (SELECT 1 FROM ref.practice_deprivation)"),),
    ),
    "registered_population_by_age": Input(
        ("nhsd_registered_patients", "nhsd_registered_patients_quinary"),
        (
            (
                "ref.registered_population",
                "SELECT EXISTS (SELECT 1 FROM ref.registered_population WHERE age <> 'ALL')",
            ),
            (
                "ref.registered_population_quinary",
                "SELECT EXISTS (SELECT 1 FROM ref.registered_population_quinary "
                "WHERE org_type = 'GP' AND age_group <> 'ALL')",
            ),
        ),
    ),
    "practice_lsoa": Input(
        ("nhsd_practice_lsoa",),
        (
            (
                "ref.practice_lsoa_registrations",
                "SELECT EXISTS (SELECT 1 FROM ref.practice_lsoa_registrations)",
            ),
        ),
    ),
    "census_ethnic_group": Input(
        ("ons_census2021_ts021_lsoa",),
        (("ref.lsoa_ethnic_group", "SELECT EXISTS (SELECT 1 FROM ref.lsoa_ethnic_group)"),),
    ),
}

# What each part of the report needs, by the names in INPUTS.
NEEDS: dict[str, tuple[str, ...]] = {
    "gradient": ("gpps_practice_results", "practice_deprivation"),
    "national_position": ("gpps_practice_results",),
    "representation_ethnicity": ("practice_lsoa", "census_ethnic_group"),
    "representation_age_sex": ("registered_population_by_age",),
    "representation_voices": ("gpps_practice_results",),
}


def _layouts() -> dict[str, tuple[str, Layout]]:
    """Every registered layout by name, with its source's landing sub-folder."""
    return {layout.name: (spec.name, layout) for spec in registered() for layout in spec.layouts}


def file_title(layout: Layout) -> str:
    """How a reader would look for a layout's files: its description up to the first ': '."""
    return layout.description.split(": ", 1)[0].strip()


def _files(names: Iterable[str]) -> str:
    """The files that fill inputs ``names``, in the registry's words, by landing sub-folder: 'A or B and C
    into landing/reference/'."""
    layouts = _layouts()
    folders: dict[str, list[str]] = {}
    for name in names:
        titles: list[str] = []
        for layout_name in INPUTS[name].layouts:
            folder, layout = layouts[layout_name]
            if file_title(layout) not in titles:  # the GPPS generations share one title
                titles.append(file_title(layout))
        folders.setdefault(folder, []).append(" or ".join(titles))  # an input's layouts are of one source
    return _join([f"{_join(files)} into landing/{folder}/" for folder, files in folders.items()])


def loaded_inputs(con: duckdb.DuckDBPyConnection, tables: set[str]) -> frozenset[str]:
    """The inputs the published store shows were loaded (one small query each, once per report run)."""
    return frozenset(
        name
        for name, spec in INPUTS.items()
        if any(table in tables and bool(con.execute(sql).fetchone()[0]) for table, sql in spec.loaded_by)
    )


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def fill_sentence(need: str, purpose: str, loaded: Iterable[str]) -> str:
    """One sentence naming the files that would fill ``need`` (a key of NEEDS) "to see ``purpose``": the
    inputs not loaded, or, when all are loaded, that they hold nothing for this area."""
    inputs = NEEDS[need]
    missing = [name for name in inputs if name not in set(loaded)]
    if not missing:
        files = _files(inputs).replace(" into ", " in ")
        return f"The files that fill it are loaded ({files}) but hold nothing on {purpose} for this ICB."
    return f"Load {_files(missing)} to see {purpose}."
