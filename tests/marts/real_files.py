"""A landing folder of real-format public files only: the real reference files of ``../shared/data`` and
practice-level GPPS files, one per survey year in that year's header generation, written by the project's
own GPPS sample writer for the REAL practices of a few real ICBs (the full practice files are 30–100 MB and
not in ``../shared/data``).

The practices, their names, PCNs, CCGs and ICBs are those of NHS Digital's September 2020 practice map;
their list sizes come from the January 2021 registered-patients file and their deprivation from Fingertips'
IMD 2019 score per practice, so the planted gradient runs along the same deprivation the marts group by.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import numpy as np

from pipelines.sample.ics import Practice, SubICB, SyntheticICS
from pipelines.sources.gpps.sample import write_practice_file
from pipelines.sources.reference.sample import (
    write_census_ethnic_group,
    write_practice_lsoa,
    write_quinary_registrations,
)

# The real reference files an ICS analyst downloads (../shared/data/<folder>/<file>).
REFERENCE_FILES = (
    ("ods-epraccur-2019", "epraccur.csv"),
    ("nhsd-gp-registrations", "gp-reg-pat-prac-map_2020-09.csv"),
    ("nhsd-gp-registrations", "gp-reg-pat-prac-all_2021-01.csv"),
    ("fingertips-gp-imd2019", "fingertips_93553_imd2019_by_gp.csv"),
    ("ccg-icb-crosswalk", "CCG_ICB_code.csv"),
)

# The population files an ICS analyst adds for representation, in NHS Digital's and the ONS's published layouts:
# registered patients by sex and 5-year age band, patients by practice and LSOA, Census 2021 TS021 by LSOA. Their
# counts are the sample writers' (the national files are 20–200 MB and not in ../shared/data); the practices and
# LSOAs are real.
POPULATION_FILES = (
    ("gp-reg-pat-prac-quin-age.csv", write_quinary_registrations),
    ("gp-reg-pat-prac-lsoa-all.csv", write_practice_lsoa),
    ("census2021-ts021-lsoa.csv", write_census_ethnic_group),
)

# The local authorities (as IMD 2019 names them) each ICB covers: its practices' patients live in their LSOAs.
ICB_AUTHORITIES = {
    "QOC": ("Shropshire", "Telford and Wrekin"),
    "QSL": ("Mendip", "Sedgemoor", "South Somerset", "Somerset West and Taunton"),
    "QUY": ("Bristol, City of", "North Somerset", "South Gloucestershire"),
}
LSOAS_IN_ENGLAND = 32844

# Three real ICBs (STP codes of the 2020 map, the ICB codes of July 2022): Shropshire, Telford and Wrekin
# (practices in every national deprivation quintile), Somerset (none in the most deprived national quintile,
# so only quintiles within the ICB give it a gradient) and Bristol, North Somerset and South Gloucestershire.
ICBS = ("QOC", "QSL", "QUY")

# One survey year per header generation, and two years of the 2017-2023 series (so a gradient has a
# previous comparable period): 2019 (2017-2021 headers), 2022 and 2023 (2022-2023), 2025 (2024+).
YEARS = (2019, 2022, 2023, 2025)

# Planted per measure: the change in P(positive) from the least to the most deprived practice. Phone access
# (and the 2024+ contact experience) is worse in more deprived practices; overall experience has no gradient.
PLANTED_SLOPES = {"phone_access": -0.4, "contact_experience": -0.4, "overall_experience": 0.0}
GRADIENT_MEASURES = ("phone_access",)
FLAT_MEASURES = ("overall_experience",)
SEED = 20260318


def real_systems(shared_data: Path, icbs: tuple[str, ...] = ICBS) -> list[SyntheticICS]:
    """One ``SyntheticICS`` per real ICB in ``icbs``, holding its real practices (codes, names, PCNs, CCGs
    from the 2020 practice map; list sizes from the 2021 registrations; deprivation as the practice's
    national percentile of IMD 2019 score, 1 = most deprived)."""
    registrations = shared_data / "nhsd-gp-registrations"
    with duckdb.connect() as con:
        rows = con.execute(
            f"""WITH imd AS (
                    SELECT "Area Code" AS code, TRY_CAST("Value" AS DOUBLE) AS score,
                           percent_rank() OVER (ORDER BY TRY_CAST("Value" AS DOUBLE)) AS deprivation
                    FROM read_csv('{shared_data / "fingertips-gp-imd2019/fingertips_93553_imd2019_by_gp.csv"}',
                                  header = true, all_varchar = true)
                    WHERE "Area Type" LIKE 'GP%' AND TRY_CAST("Value" AS DOUBLE) IS NOT NULL
                ), lists AS (
                    SELECT CODE AS code, TRY_CAST(NUMBER_OF_PATIENTS AS INTEGER) AS patients
                    FROM read_csv('{registrations / "gp-reg-pat-prac-all_2021-01.csv"}', header = true,
                                  all_varchar = true)
                    WHERE SEX = 'ALL' AND AGE = 'ALL'
                )
                SELECT m.STP_CODE, m.STP_NAME, m.ONS_STP_CODE, m.COMM_REGION_CODE, m.COMM_REGION_NAME,
                       m.PRACTICE_CODE, m.PRACTICE_NAME, m.PRACTICE_POSTCODE, m.PCN_CODE, m.PCN_NAME,
                       m.CCG_CODE, m.CCG_NAME, m.ONS_CCG_CODE, coalesce(l.patients, 6000),
                       coalesce(i.deprivation, 0.5), coalesce(i.score, 20.0)
                FROM read_csv('{registrations / "gp-reg-pat-prac-map_2020-09.csv"}', header = true,
                              all_varchar = true) m
                LEFT JOIN imd i ON i.code = m.PRACTICE_CODE
                LEFT JOIN lists l ON l.code = m.PRACTICE_CODE
                WHERE m.STP_CODE IN (SELECT unnest(?::VARCHAR[]))
                ORDER BY m.STP_CODE, m.PRACTICE_CODE""",
            [list(icbs)],
        ).fetchall()
    systems = []
    for icb in icbs:
        mine = [r for r in rows if r[0] == icb]
        subs = {r[10]: SubICB(r[10], r[11], r[12], r[11]) for r in mine}
        practices = tuple(
            Practice(code=r[5], name=r[6], postcode=r[7], pcn_code=r[8], pcn_name=r[9], sub_icb=r[10],
                     old_ccg=r[10], list_size=int(r[13]), deprivation=float(r[14]), imd_score=float(r[15]),
                     lsoa_code="", minority_share=0.1, young_share=0.2, open_date=date(2000, 1, 1))
            for r in mine
        )  # fmt: skip
        first = mine[0]
        systems.append(
            SyntheticICS(
                icb_code=icb,
                icb_ons_code=first[2],
                icb_name=first[1],
                region_code=first[3],
                region_ons_code="",
                region_name=first[4],
                sub_icbs=tuple(subs.values()),
                practices=practices,
            )  # fmt: skip
        )
    return systems


def with_home_lsoas(shared_data: Path, systems: list[SyntheticICS]) -> list[SyntheticICS]:
    """Each practice given a home LSOA: a real LSOA of its ICB's local authorities (IMD 2019 file), the
    free one whose national IMD rank is nearest the practice's own deprivation (1 = most deprived), so a
    deprived practice's patients live in deprived neighbourhoods."""
    with duckdb.connect() as con:
        lsoas = con.execute(
            f"""SELECT "LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
                       "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank"
                FROM read_csv('{shared_data / "imd2019-lsoa/IMD2019_File1_sheet_IMD2019.csv"}', header = true)
                ORDER BY 1"""
        ).fetchall()
    out = []
    for ics in systems:
        free = [row for row in lsoas if row[3] in ICB_AUTHORITIES[ics.icb_code]]
        practices, homes = [], []
        for p in sorted(ics.practices, key=lambda p: p.deprivation):
            target = LSOAS_IN_ENGLAND * (1 - p.deprivation)
            home = min(free, key=lambda row: (abs(row[4] - target), row[0]))
            free.remove(home)
            practices.append(replace(p, lsoa_code=home[0]))
            homes.append((home[0], home[1], home[2], int(home[4])))
        order = {p.code: i for i, p in enumerate(ics.practices)}
        out.append(
            replace(ics, practices=tuple(sorted(practices, key=lambda p: order[p.code])), lsoas=tuple(homes))
        )
    return out


def _write_national(
    systems: list[SyntheticICS], path: Path, write: Callable[[SyntheticICS, Path], None]
) -> None:
    """One national file as the publisher lays it out: ``write``'s file for each ICB, the header once."""
    lines: list[str] = []
    for ics in systems:
        part = path.with_suffix(f".{ics.icb_code}.part")
        write(ics, part)
        text = part.read_text(encoding="utf-8").splitlines(keepends=True)
        part.unlink()
        lines += text if not lines else text[1:]
    path.write_text("".join(lines), encoding="utf-8")


def write_real_landing(shared_data: Path, landing: Path) -> list[SyntheticICS]:
    """The landing folder: the real reference files copied (links out of a landing folder are refused), the
    population files of ``POPULATION_FILES`` and one GPPS practice file per year of ``YEARS``. Returns the
    ICBs written."""
    (landing / "reference").mkdir(parents=True, exist_ok=True)
    for folder, name in REFERENCE_FILES:
        shutil.copyfile(shared_data / folder / name, landing / "reference" / name)
    systems = with_home_lsoas(shared_data, real_systems(shared_data))
    for name, write in POPULATION_FILES:
        _write_national(systems, landing / "reference" / name, write)
    for year in YEARS:
        rng = np.random.default_rng([SEED, year])
        write_practice_file(systems, landing / "gpps", year, rng, PLANTED_SLOPES)
    return systems
