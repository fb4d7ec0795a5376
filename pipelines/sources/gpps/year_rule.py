"""File-level rule: a GPPS results file's survey year must agree with the header generation of its columns.

The year comes from the file name (``GPPS_2023_Practice_data…``), the generation from the columns
(``grammar.detect_generation``). A file named 2019 whose columns are the 2024+ ``ad_practicecode`` /
``.pcteval`` grammar (or a 2025 file in the ``qN…`` grammar) is a mislabelled file: loading it would put
one year's numbers under another year, or compare across the 2024 series break. It is rejected, naming
the file, the year and the generation detected. (Kept apart from the reader so reader changes do not
touch it.)
"""

from __future__ import annotations

from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.sources.gpps import grammar as G

# Survey years each header generation was published for (docs/DESIGN.md section 4); None = still current.
GENERATION_YEARS: dict[str, tuple[int, int | None]] = {
    G.GEN_A: (2017, 2021),
    G.GEN_B: (2022, 2023),
    G.GEN_C: (2024, None),
}
GRAMMAR = {
    G.GEN_A: "Practice_Code / CCG_Code identifiers, qN_k / qN_kpct measures",
    G.GEN_B: "practice_code / pcn_code / ics_code identifiers, qN_k / qN_kpct measures",
    G.GEN_C: "ad_practicecode / ad_icscode identifiers, <stem>_<k>.count / .pcteval measures",
}


def year_contradiction(year: int, generation: str) -> str | None:
    """Why ``year`` cannot be a file of ``generation`` (None when they agree or the generation is unknown)."""
    if generation not in GENERATION_YEARS:
        return None
    first, last = GENERATION_YEARS[generation]
    if year >= first and (last is None or year <= last):
        return None
    years = f"{first}+" if last is None else f"{first}-{last}"
    return (
        f"the survey year {year} (from the file name) contradicts its columns, which are the {generation} "
        f"header generation ({GRAMMAR[generation]}) published for {years}"
    )


def reject_year_contradiction(landing_file: LandingFile, year: int, generation: str) -> None:
    """Raise ``FileRejected`` naming the file, the year and the generation when they disagree."""
    reason = year_contradiction(year, generation)
    if reason:
        raise FileRejected(
            f"{landing_file.rel_path}: {reason}. Nothing was loaded; check that the file name carries the right "
            "survey year and that the file is the one published for it."
        )
