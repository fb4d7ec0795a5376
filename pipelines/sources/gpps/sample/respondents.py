"""GPPS respondent-level extracts for the sample: one row per respondent, weighted to the practice list,
whose group differences follow ``PLANTED`` (age, ethnic group, deprivation; young men under-represented).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.sample.ics import GPPS_AGE_BANDS, PLANTED, SEED, SyntheticICS, list_by_sex_and_age
from pipelines.sources.gpps.catalogue import catalogue
from pipelines.sources.gpps.sample.layout import _write
from schemas.people import ETHNICITY

# Respondent extract -------------------------------------------------------------------------------

EXTRACT_QUESTIONS = {  # 2023 stem: (measure, number of options)
    "q3": ("phone_access", 5), "q4": ("reception_helpful", 5), "q73": ("website_ease", 5),
    "q18": ("making_appointment", 5), "q104": ("appointment_accepted", 4), "q88": ("involved_in_decisions", 4),
    "q89": ("confidence_trust", 4), "q90": ("needs_met", 4), "q28": ("overall_experience", 5),
}  # fmt: skip
MINORITY_GROUPS = [g for _c, g, band in ETHNICITY if band != "White"] + [ETHNICITY[4][1], ETHNICITY[1][1]]


def extract_generator(seed: int = SEED) -> np.random.Generator:
    """The random generator every year's respondent extract is drawn from (the same for each year, so two
    years' extracts differ only where ``PLANTED`` does; independent draws differed by chance too: 2021 to
    2023 had two unplanted changes significant at 99.8%)."""
    return np.random.default_rng([seed, 3, 2021])


def deprivation_slope(year: int) -> float:
    """The planted deprivation slope of phone access (and making an appointment) in a survey year's extract."""
    widening = PLANTED["widening_deprivation_gap"]
    if year == widening["earlier_year"]:
        return float(widening["earlier_slope"])
    return float(PLANTED["phone_access_deprivation_slope"])


def write_respondent_extract(ics: SyntheticICS, path: Path, rng: np.random.Generator, year: int = 2023,
                             per_practice: int = 150) -> Path:  # fmt: skip
    """One row per respondent: weight, demographics and answer codes, with the planted differences.

    Only the questions the year's catalogue has are written (an extract has the year's questionnaire). The
    draws do not depend on ``year``: two years' extracts written from generators of one seed
    (``extract_generator``) differ only where ``PLANTED`` differs between the years."""
    measures = {m.question: m for m in catalogue() if m.survey_year == year}
    questions = {stem: spec for stem, spec in EXTRACT_QUESTIONS.items() if stem in measures}
    slope = deprivation_slope(year)
    age_gap = PLANTED["phone_access_age_gap"]
    eth = PLANTED["ethnic_group_gap"]
    under = PLANTED["under_represented"]
    header = [
        "respondent_id",
        "survey_year",
        "practice_code",
        "weight",
        "age_band",
        "sex",
        "ethnicity",
        *questions,
    ]
    rows: list[dict[str, str]] = []
    serial = 0
    bangladeshi = eth["group"]
    for p in ics.practices:
        counts = list_by_sex_and_age(p)
        cells = [(sex, band) for sex in ("MALE", "FEMALE") for band in GPPS_AGE_BANDS]
        population = np.array([sum(n for (s, a), n in counts.items() if s == sex and _band(a) == band)
                               for sex, band in cells], dtype=float)  # fmt: skip
        # Older people answer more; young men far less than their share of the list.
        propensity = np.array([(0.6 + 0.06 * GPPS_AGE_BANDS.index(band))
                               * (under["response_factor"] if (sex.title(), band) == (under["sex"], under["age_band"]) else 1.0)
                               for sex, band in cells])  # fmt: skip
        drawn = population * propensity
        picks = rng.choice(len(cells), size=per_practice, p=drawn / drawn.sum())
        design = (population / population.sum()) / (drawn / drawn.sum())
        minority_weights = np.array([6.0 if g == bangladeshi else 1.0 for g in MINORITY_GROUPS])
        minority_weights[MINORITY_GROUPS.index(bangladeshi)] *= 0.5 + 2 * p.deprivation
        for pick in picks:
            serial += 1
            sex, band = cells[pick]
            ethnicity = (ETHNICITY[0][1] if rng.random() > p.minority_share
                         else MINORITY_GROUPS[rng.choice(len(MINORITY_GROUPS), p=minority_weights / minority_weights.sum())])  # fmt: skip
            weight = design[pick] * rng.lognormal(0, 0.45)
            row = {"respondent_id": f"R{year}{serial:06d}", "survey_year": str(year), "practice_code": p.code,
                   "weight": f"{weight:.6f}", "age_band": band, "sex": sex.title(), "ethnicity": ethnicity}  # fmt: skip
            if serial % 97 == 0:
                row["sex"] = "Prefer not to say"
            # The same four draws per question in every year, whether or not the year asked it: with one
            # seed, every year's extract has the same respondents, answering alike except where PLANTED
            # moves P(positive) (so the only changes between years are the planted ones).
            draws = rng.random((len(EXTRACT_QUESTIONS), 4))
            for (stem, (measure, n_options)), (unanswered, outside, u_positive, u_option) in zip(
                EXTRACT_QUESTIONS.items(), draws, strict=True
            ):
                if stem not in questions:
                    continue
                m = measures[stem]
                p_pos = {"phone_access": 0.72, "overall_experience": 0.8, "making_appointment": 0.62}.get(
                    measure, 0.82
                )
                if measure in ("phone_access", "making_appointment"):
                    p_pos += age_gap.get(band, 0.0)
                    p_pos += slope * (p.deprivation - 0.5)
                if ethnicity == bangladeshi:
                    p_pos += eth["gap"]
                p_pos = float(np.clip(p_pos, 0.03, 0.98))
                evaluative = [int(c) for c in m.evaluative_codes]
                positive = [int(c) for c in m.positive_codes]
                if unanswered < 0.05:
                    row[stem] = ""  # not answered
                elif outside < 0.07 and n_options > len(evaluative):
                    row[stem] = str(n_options)  # haven't tried / don't know: outside the evaluative base
                else:
                    # Positive when u < P(positive): a planted change in P turns only the answers between
                    # the two years' P (a lower P turns some positive answers negative, never the reverse).
                    pool = positive if u_positive < p_pos else [c for c in evaluative if c not in positive]
                    row[stem] = str(pool[int(u_option * len(pool))])
            rows.append(row)
    return _write(path, header, rows)


def _band(age: int) -> str:
    for band, upper in zip(GPPS_AGE_BANDS, (25, 35, 45, 55, 65, 75, 85, 999), strict=True):
        if 16 <= age < upper:
            return band
    return "Under 16"
