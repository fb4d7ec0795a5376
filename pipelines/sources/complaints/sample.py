"""Sample complaints files for the synthetic ICS: KO41a / KO41b-style returns and a local register.

Headers are the ones in ``pipelines/sources/complaints/header_map.csv`` (the published spellings are not
known here; the reader is driven by that mapping). Arithmetic holds in every return: resolved = upheld +
partially upheld + not upheld, carried forward = brought forward + new - resolved, and each breakdown
counts every new complaint at least once (subjects more than once for multi-aspect complaints).

The register carries the planted inequalities: telephone-access complaints cluster in deprived practices
and among younger patients, interpreter complaints among Bangladeshi patients.

KO41b (practice) returns are written for ``QUARTERS`` quarters ending with ``PERIOD``, enough for the
quarterly control charts of ``marts.spc``. Nothing is planted in them: each practice's new complaints
alternate quarter by quarter 5 above and 5 below its own level (``practice_quarter_counts``), so no
Making Data Count rule and no change test can find anything there. Random counts would not do: in 66
charts of pure noise some run of seven or trend of six turns up by chance, and quarter-on-quarter tests at
99.8% find changes by chance among thousands. KO41a (trust sites) returns are for ``PERIOD`` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from pipelines.sample.csv_files import write_csv
from pipelines.sample.ics import SEED, Practice, SyntheticICS

PERIOD = "2025-26 Q1"
# Quarters of KO41b returns, ending with PERIOD: the points marts.spc needs for a chart (MIN_POINTS).
QUARTERS = 12
# How far a practice's new complaints swing either side of its level each quarter. A multiple of 5, so the
# published counts (rounded to the nearest 5) swing by exactly as much.
SWING = 5
AGE_GROUPS = ("0-17", "18-64", "65+", "Not known")
STATUSES = ("Patient", "Relative/Carer", "Other")
SERVICE_AREAS = ("Inpatients", "Outpatients", "A&E", "Ambulance", "General practice", "Other")
SUBJECTS = ("Communications", "Values and behaviours (staff)", "Appointments", "Waiting times",
            "Admissions and discharges", "Clinical treatment", "Facilities", "Prescribing", "Transport", "Other")  # fmt: skip
PROFESSIONS = ("Medical", "Nursing", "Admin", "Other")
DESCRIPTIONS = {
    "Telephone access": ("Could not get through to the surgery on the phone for a week; the line cut off at 8am.",
                         "Rang 40 times before 9am and was told all appointments had gone."),
    "Appointments": ("My appointment was cancelled twice without explanation.",
                     "Was offered an appointment three weeks away for an urgent problem."),
    "Communications": ("Nobody told us the results of the scan and we had to chase for weeks.",
                       "No interpreter was provided, so my son had to translate my diagnosis."),
    "Values and behaviours (staff)": ("The receptionist was rude and dismissive when I asked for help.",),
    "Waiting times": ("Waited nine hours in A&E with my elderly mother on a trolley.",),
    "Admissions and discharges": ("Discharged late at night with no transport and no medication.",),
    "Clinical treatment": ("I believe my fracture was missed at the first visit.",),
    "Prescribing": ("My repeat prescription was not issued and I ran out of insulin.",),
    "Facilities": ("The toilets on the ward were dirty for the whole stay.",),
    "Transport": ("The patient transport did not arrive and I missed my dialysis.",),
    "Equality and diversity": ("I felt I was treated differently because of my headscarf.",),
}  # fmt: skip


def _return_row(rng: np.random.Generator, code: str, name: str, form: str, scale: int) -> list[object]:
    brought_forward = int(rng.integers(0, scale))
    new = int(rng.integers(1, scale * 2))
    upheld, partly, not_upheld = (
        int(v) for v in rng.multinomial(int(rng.integers(0, brought_forward + new + 1)), [0.3, 0.3, 0.4])
    )
    resolved = upheld + partly + not_upheld
    carried = brought_forward + new - resolved
    ages = [int(v) for v in rng.multinomial(new, [0.1, 0.55, 0.3, 0.05])]
    statuses = [int(v) for v in rng.multinomial(new, [0.6, 0.35, 0.05])]
    areas = [int(v) for v in rng.multinomial(new, [0.25, 0.2, 0.2, 0.05, 0.25, 0.05])]
    # Multi-aspect complaints: every complaint has a subject, some a second one.
    subjects = [
        int(v)
        for v in rng.multinomial(
            new + int(rng.integers(0, new // 2 + 1)), [0.2, 0.15, 0.15, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]
        )
    ]
    professions = [int(v) for v in rng.multinomial(new, [0.35, 0.3, 0.25, 0.1])]
    return [code, name, form, PERIOD, brought_forward, new, upheld, partly, not_upheld, resolved, carried,
            *ages, *statuses, *areas, *subjects, *professions]  # fmt: skip


def return_header() -> list[str]:
    """The column headers of the sample returns (all in the default header map)."""
    return (["Organisation Code", "Organisation Name", "Return", "Period", "Complaints Brought Forward",
             "New Complaints Received", "Upheld", "Partially Upheld", "Not Upheld", "Total Resolved", "Carried Forward"]
            + [f"Age: {a}" for a in AGE_GROUPS] + [f"Status: {s}" for s in STATUSES]
            + [f"Service Area: {s}" for s in SERVICE_AREAS] + [f"Subject: {s}" for s in SUBJECTS]
            + [f"Profession: {p}" for p in PROFESSIONS])  # fmt: skip


def write_register(ics: SyntheticICS, path: Path, rng: np.random.Generator, n: int = 180) -> Path:
    """A record-level complaints register across practices and trust sites."""
    header = ["Complaint Reference", "Date Received", "Date Closed", "Organisation Code", "Service Area", "Subjects",
              "Outcome", "Complainant Status", "Patient Age", "Patient Sex", "Patient Ethnicity", "Postcode District",
              "Description"]  # fmt: skip
    sites = [s for t in ics.trusts for s in t.sites]
    rows = []
    for i in range(1, n + 1):
        gp = rng.random() < 0.55
        practice = ics.practices[int(rng.integers(0, len(ics.practices)))]
        code = practice.code if gp else sites[int(rng.integers(0, len(sites)))].code
        age = int(rng.integers(18, 90))
        ethnicity = str(rng.choice(["White British", "Bangladeshi", "Pakistani", "Black African", "Not stated"],
                                   p=[0.6, 0.12, 0.1, 0.08, 0.1]))  # fmt: skip
        p_phone = (0.15 + 0.5 * practice.deprivation + (0.2 if age < 35 else 0.0)) if gp else 0.0
        if ethnicity == "Bangladeshi" and rng.random() < 0.5:
            subjects, text = ["Communications"], DESCRIPTIONS["Communications"][1]
        elif rng.random() < p_phone:
            subjects, text = (
                ["Telephone access", "Appointments"],
                str(rng.choice(DESCRIPTIONS["Telephone access"])),
            )
        else:
            subject = str(rng.choice([s for s in DESCRIPTIONS if s != "Telephone access"]))
            subjects, text = [subject], str(rng.choice(DESCRIPTIONS[subject]))
        received = date(2025, 4, 1) + timedelta(days=int(rng.integers(0, 90)))
        closed = received + timedelta(days=int(rng.integers(5, 60))) if rng.random() < 0.85 else None
        outcome = str(rng.choice(["Upheld", "Partially upheld", "Not upheld"])) if closed else "Open"
        rows.append([f"C{2025}{i:04d}", received.strftime("%d/%m/%Y"), closed.strftime("%d/%m/%Y") if closed else "",
                     code, "General practice" if gp else "Inpatients", "; ".join(subjects), outcome,
                     str(rng.choice(["Patient", "Relative/Carer"])), age,
                     str(rng.choice(["Male", "Female"])), ethnicity, f"ZZ{1 + i % 3}", text])  # fmt: skip
    return write_csv(path, rows, header, lineterminator="\r\n")


def quarter_labels(last: str = PERIOD, count: int = QUARTERS) -> list[str]:
    """The ``count`` financial-year quarters ending with ``last``, oldest first: ['2022-23 Q2', …, '2025-26 Q1']."""
    start_year, quarter = int(last[:4]), int(last[-1])
    index = start_year * 4 + quarter - 1  # quarters since 0000-01 Q1
    labels = []
    for i in range(index - count + 1, index + 1):
        year, q = divmod(i, 4)
        labels.append(f"{year}-{(year + 1) % 100:02d} Q{q + 1}")
    return labels


def practice_level(practice: Practice) -> int:
    """A practice's usual new complaints a quarter: more in bigger lists and more deprived places, a multiple
    of 5 and at least 3 swings above 0, so its lower quarters (level - SWING) are never withheld (1-7)."""
    expected = practice.list_size / 10_000 * (12 + 24 * practice.deprivation)
    return max(3 * SWING, SWING * round(expected / SWING))


def practice_quarter_counts(practices: Sequence[Practice], quarter_index: int) -> list[int]:
    """New complaints of each practice in the ``quarter_index``-th quarter: its level, SWING above or below,
    alternating quarter by quarter and practice by practice within its sub-ICB location, so that a
    location's and the ICB's totals barely move (the practices of a former CCG counted one after another,
    so the location before a merger nearly balances too)."""
    order = sorted(
        range(len(practices)),
        key=lambda i: (practices[i].sub_icb, practices[i].old_ccg != practices[i].sub_icb, i),
    )
    position: dict[str, int] = {}
    counts = [0] * len(practices)
    for i in order:
        p = practices[i]
        k = position[p.sub_icb] = position.get(p.sub_icb, -1) + 1
        counts[i] = practice_level(p) + (SWING if (k + quarter_index) % 2 == 0 else -SWING)
    return counts


def _practice_return_row(rng: np.random.Generator, practice: Practice, period: str, new: int) -> list[object]:
    """A KO41b row with ``new`` complaints, all resolved in the quarter (3 in 10 upheld, 3 partly): the share
    upheld is the same every quarter, up to rounding."""
    brought_forward = carried = practice_level(practice) // SWING
    upheld = partly = round(0.3 * new)
    not_upheld = new - upheld - partly
    ages = [int(v) for v in rng.multinomial(new, [0.1, 0.55, 0.3, 0.05])]
    statuses = [int(v) for v in rng.multinomial(new, [0.6, 0.35, 0.05])]
    areas = [int(v) for v in rng.multinomial(new, [0.25, 0.2, 0.2, 0.05, 0.25, 0.05])]
    subjects = [
        int(v)
        for v in rng.multinomial(new + new // 4, [0.2, 0.15, 0.15, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05])
    ]
    professions = [int(v) for v in rng.multinomial(new, [0.35, 0.3, 0.25, 0.1])]
    return [practice.code, practice.name, "KO41b", period, brought_forward, new, upheld, partly, not_upheld, new,
            carried, *ages, *statuses, *areas, *subjects, *professions]  # fmt: skip


def write_complaints(ics: SyntheticICS, folder: Path) -> list[Path]:
    """KO41a (trust sites) returns for one quarter, KO41b (practices) returns for ``QUARTERS`` quarters, and a
    local register."""
    rng = np.random.default_rng([SEED, 41])
    sites = [(s.code, s.name) for t in ics.trusts for s in t.sites]
    ko41a = [_return_row(rng, code, name, "KO41a", 30) for code, name in sites]
    paths = [write_csv(folder / "ko41a_2025-26_q1.csv", ko41a, return_header(), lineterminator="\r\n")]
    breakdowns = np.random.default_rng([SEED, 41, 2])
    for i, period in enumerate(quarter_labels()):
        counts = practice_quarter_counts(ics.practices, i)
        rows = [
            _practice_return_row(breakdowns, p, period, n) for p, n in zip(ics.practices, counts, strict=True)
        ]
        name = f"ko41b_{period[:7]}_q{period[-1]}.csv"
        paths.append(write_csv(folder / name, rows, return_header(), lineterminator="\r\n"))
    paths.append(write_register(ics, folder / "complaints_register_2025-26.csv", rng))
    return paths
