"""A synthetic integrated care system: the one world every sample file is written from.

Codes are shaped like ODS codes but sit in ranges no real organisation uses (practices X9xxxx, sub-ICB
locations Z?n, ICB QZ9, trusts RZn) and every name says SYNTHETIC, so nobody mistakes them for real.

The planted inequalities (``PLANTED``) are the story ``make demo`` must surface: later generators read
them so that survey scores, comments and complaints all point the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from schemas.people import ETHNICITY

SEED = 20261125

GPPS_AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")

# What the sample data deliberately contains (and the marts must find, with significance):
PLANTED = {
    # Phone access is worse for younger respondents and in more deprived practices.
    "phone_access_age_gap": {"16-24": -0.18, "25-34": -0.12, "35-44": -0.05},
    "phone_access_deprivation_slope": -0.25,  # change in P(good) from least to most deprived practice
    # One ethnic group (Bangladeshi) reports worse experience and talks about interpreters.
    "ethnic_group_gap": {"group": "Asian or Asian British: Bangladeshi", "band": "Asian", "gap": -0.15},
    # Young men answer the survey far less than their share of the registered list.
    "under_represented": {"sex": "Male", "age_band": "16-24", "response_factor": 0.35},
    # The deprivation gap in phone access (and making an appointment) widens over the survey years within the
    # 2017-2023 series: the respondent extract of 2021 has a shallow slope, 2023's is
    # ``phone_access_deprivation_slope``. Nothing else changes between the two extracts: they are drawn from
    # one seed (pipelines/sources/gpps/sample/respondents.py), so no other change between them is real.
    "widening_deprivation_gap": {"earlier_year": 2021, "earlier_slope": -0.04, "later_year": 2023},
    # One trust's monthly A&E FFT share positive drops by ``drop`` from ``from_month`` on (a step change
    # that SPC must call special cause); every other organisation's series is noise around a fixed level.
    "fft_shift": {"trust": "RZ2", "setting": "ae", "from_month": "2024-12", "drop": 0.07},
}


@dataclass(frozen=True)
class SubICB:
    code: str
    name: str
    ons_code: str
    ccg_name: str


@dataclass(frozen=True)
class Practice:
    code: str
    name: str
    postcode: str
    pcn_code: str
    pcn_name: str
    sub_icb: str
    old_ccg: str  # the CCG code before the 2021 merger (the same for most practices)
    list_size: int
    deprivation: float  # 0 least … 1 most deprived, drives IMD score and planted effects
    imd_score: float
    lsoa_code: str
    minority_share: float  # share of the list from minority ethnic groups
    young_share: float  # share of the list aged 16-34
    open_date: date


@dataclass(frozen=True)
class Site:
    code: str
    name: str


@dataclass(frozen=True)
class Trust:
    code: str
    name: str
    sites: tuple[Site, ...]


@dataclass(frozen=True)
class SyntheticICS:
    icb_code: str = "QZ9"
    icb_ons_code: str = "E54999999"
    icb_name: str = "NHS Synthetic Riverside Integrated Care Board (SYNTHETIC)"
    region_code: str = "YZ9"
    region_ons_code: str = "E40999999"
    region_name: str = "Synthetic Region (SYNTHETIC)"
    local_authorities: tuple[tuple[str, str], ...] = (
        ("E06999901", "Riverside Borough (SYNTHETIC)"),
        ("E06999902", "Hillcrest District (SYNTHETIC)"),
        ("E06999903", "Saltmarsh City (SYNTHETIC)"),
    )
    sub_icbs: tuple[SubICB, ...] = ()
    practices: tuple[Practice, ...] = ()
    trusts: tuple[Trust, ...] = ()
    lsoas: tuple[tuple[str, str, str, int], ...] = field(default=())  # code, name, LA code, IMD rank

    def practices_in(self, sub_icb: str) -> list[Practice]:
        return [p for p in self.practices if p.sub_icb == sub_icb]

    def local_authority_of(self, sub_icb: str) -> tuple[str, str]:
        index = [s.code for s in self.sub_icbs].index(sub_icb)
        return self.local_authorities[index]


SUB_ICBS = (
    SubICB(
        "ZA1", "NHS Synthetic Riverside ICB - ZA1 (SYNTHETIC)", "E38999991", "NHS Riverside CCG (SYNTHETIC)"
    ),
    SubICB(
        "ZB2", "NHS Synthetic Riverside ICB - ZB2 (SYNTHETIC)", "E38999992", "NHS Hillcrest CCG (SYNTHETIC)"
    ),
    SubICB(
        "ZC3", "NHS Synthetic Riverside ICB - ZC3 (SYNTHETIC)", "E38999993", "NHS Saltmarsh CCG (SYNTHETIC)"
    ),
)
PLACE_WORDS = (
    "Alder", "Beech", "Cedar", "Elm", "Hazel", "Holly", "Juniper", "Larch", "Maple", "Oak", "Rowan", "Willow",
    "Ash", "Birch", "Yew", "Poplar", "Linden", "Aspen", "Laurel", "Myrtle",
)  # fmt: skip
PLACE_KINDS = ("Surgery", "Medical Centre", "Health Centre", "Family Practice", "Medical Practice")


@lru_cache(maxsize=4)
def synthetic_ics(seed: int = SEED, practices_per_sub_icb: int = 22) -> SyntheticICS:
    """Build the synthetic ICS deterministically from ``seed``."""
    rng = np.random.default_rng(seed)
    practices: list[Practice] = []
    lsoas: list[tuple[str, str, str, int]] = []
    # Saltmarsh (ZC3) is the most deprived place, Hillcrest (ZB2) the least.
    place_deprivation = {"ZA1": 0.5, "ZB2": 0.25, "ZC3": 0.75}
    number = 0
    for s_index, sub in enumerate(SUB_ICBS):
        for k in range(practices_per_sub_icb):
            number += 1
            pcn = k // 6 + 1
            deprivation = float(np.clip(rng.normal(place_deprivation[sub.code], 0.2), 0.01, 0.99))
            # List sizes: a long right tail, as in England (median ~9,000, some over 25,000).
            list_size = int(np.clip(rng.lognormal(np.log(8500), 0.5), 1800, 32000))
            code = f"X9{s_index + 1}{k + 1:03d}"
            word = PLACE_WORDS[(number * 7) % len(PLACE_WORDS)]
            kind = PLACE_KINDS[number % len(PLACE_KINDS)]
            lsoa_code = f"E01999{number:03d}"
            imd_rank = int(np.clip(32844 * (1 - deprivation) + rng.normal(0, 800), 1, 32844))
            lsoas.append((lsoa_code, f"{sub.ccg_name.split(' ')[1]} {number:03d}A (SYNTHETIC)",
                          ("E06999901", "E06999902", "E06999903")[s_index], imd_rank))  # fmt: skip
            practices.append(
                Practice(
                    code=code,
                    name=f"{word.upper()} {kind.upper()} {number:02d} (SYNTHETIC)",
                    postcode=f"ZZ{s_index + 1} {k % 9 + 1}{'ABDEFGHJL'[k % 9]}{'NPQRSTUWX'[pcn % 9]}",
                    pcn_code=f"UZ{s_index + 1}{pcn:03d}",
                    pcn_name=f"SYNTHETIC {sub.ccg_name.split(' ')[1].upper()} PCN {pcn}",
                    sub_icb=sub.code,
                    # Two former CCGs merged into ZA1 in 2021: its odd practices were in ZA0.
                    old_ccg="ZA0" if sub.code == "ZA1" and k % 2 else sub.code,
                    list_size=list_size,
                    deprivation=deprivation,
                    imd_score=round(5 + 55 * deprivation + float(rng.normal(0, 2)), 3),
                    lsoa_code=lsoa_code,
                    minority_share=float(np.clip(0.05 + 0.45 * deprivation + rng.normal(0, 0.05), 0.02, 0.8)),
                    young_share=float(np.clip(0.18 + 0.15 * deprivation + rng.normal(0, 0.03), 0.08, 0.45)),
                    open_date=date(1974 + int(rng.integers(0, 40)), 4, 1),
                )
            )
    trusts = (
        Trust("RZ1", "SYNTHETIC RIVERSIDE HOSPITALS NHS FOUNDATION TRUST",
              (Site("RZ101", "RIVERSIDE GENERAL HOSPITAL (SYNTHETIC)"), Site("RZ102", "SALTMARSH COMMUNITY HOSPITAL (SYNTHETIC)"))),
        Trust("RZ2", "SYNTHETIC HILLCREST HEALTHCARE NHS TRUST",
              (Site("RZ201", "HILLCREST INFIRMARY (SYNTHETIC)"),)),
        Trust("RZ3", "SYNTHETIC RIVERSIDE AMBULANCE SERVICE NHS TRUST", (Site("RZ301", "RIVERSIDE AMBULANCE HQ (SYNTHETIC)"),)),
    )  # fmt: skip
    return SyntheticICS(sub_icbs=SUB_ICBS, practices=tuple(practices), trusts=trusts, lsoas=tuple(lsoas))


def list_by_sex_and_age(practice: Practice, seed: int = SEED) -> dict[tuple[str, int], int]:
    """Registered patients of one practice by sex (MALE/FEMALE) and single year of age 0..95 (95 = 95+)."""
    rng = np.random.default_rng([seed, int(practice.code[2:])])
    ages = np.arange(96)
    # A plain adult-heavy age profile, shifted younger where the list is younger.
    weights = np.exp(-((ages - 40) ** 2) / (2 * 26.0**2)) + 0.35
    weights[16:35] *= 1 + 2.5 * (practice.young_share - 0.2)
    weights[75:] *= 0.8 - 0.4 * practice.deprivation
    weights[95] *= 1.5
    weights /= weights.sum()
    counts: dict[tuple[str, int], int] = {}
    for sex, share in (("MALE", 0.495), ("FEMALE", 0.505)):
        drawn = rng.multinomial(int(practice.list_size * share), weights)
        counts.update({(sex, int(a)): int(n) for a, n in zip(ages, drawn, strict=True)})
    return counts


def ethnic_group_shares(p: Practice) -> dict[str, float]:
    """The share of a practice's population in each people-vocabulary ethnic group. It mirrors how the GPPS
    respondent extract draws its respondents (``minority_share``, Bangladeshi more common where deprived),
    so the survey hears every ethnic group in proportion: the sample plants no ethnic under-representation."""
    white_british = ETHNICITY[0][1]
    minority = [g for _c, g, band in ETHNICITY if band != "White"] + [ETHNICITY[4][1], ETHNICITY[1][1]]
    weights = {g: 1.0 for g in minority}
    weights["Asian or Asian British: Bangladeshi"] = 6.0 * (0.5 + 2 * p.deprivation)
    total = sum(weights.values())
    shares = {g: p.minority_share * w / total for g, w in weights.items()}
    shares[white_british] = 1 - p.minority_share
    return shares


def ethnicity_band_shares(p: Practice) -> dict[str, float]:
    """``ethnic_group_shares`` summed to the five broad groups (White, Mixed, Asian, Black, Other)."""
    bands = {group: band for _code, group, band in ETHNICITY}
    shares: dict[str, float] = {}
    for group, share in ethnic_group_shares(p).items():
        shares[bands[group]] = shares.get(bands[group], 0.0) + share
    return shares
