"""Patient story sample files for the synthetic ICS: a Care Opinion API v2 export (JSON) and a local CSV
story collection.

Stories carry the planted inequalities (``PLANTED`` in ``ics.py``): younger authors and people at the
most deprived practices write about getting through on the phone; Bangladeshi patients and their families
write about interpreters. Some stories name two services (a practice and a hospital site); some have
responses from the organisation, some none. Every name says SYNTHETIC.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from pipelines.sample.csv_files import write_csv
from pipelines.sample.ics import SEED, SyntheticICS

CRITICALITY = (
    "not critical",
    "minimally critical",
    "mildly critical",
    "moderately critical",
    "strongly critical",
)

PHONE = [
    ("Impossible to get through", "I rang the surgery **every morning for a week** at 8am. By the time I got "
     "through, all the appointments had gone.\n\nI work shifts so I can't sit on hold for an hour. In the end I "
     "went to the walk-in centre.", 4),
    ("On hold for 45 minutes", "I was *number 27* in the queue. When I finally spoke to someone they said to "
     "try again tomorrow.\n\n- no call-back option\n- online form closed by 8.05am", 3),
]  # fmt: skip
INTERPRETER = [
    ("No interpreter again", "My mother speaks Sylheti. The practice said an interpreter was booked but nobody "
     "came, so my 12-year-old had to translate about her **own** test results.", 4),
    ("Leaflets only in English", "On discharge from the ward my father was given his medicines with a leaflet "
     "in English only. Nobody asked if he needed an interpreter. We later found out he had been taking them "
     "wrong.", 3),
]  # fmt: skip
GOOD = [
    ("Thank you to the nurses", "The nurses on the ward were **kind and patient**. They explained everything "
     "and made sure my wife knew what was happening.", 0),
    ("Quick appointment", "I used the [online booking](https://example.invalid/book) and was seen the same day. "
     "The GP listened and sorted my prescription.", 0),
    ("Helpful receptionist", "The receptionist rang me back within the hour and found me a slot. Much better "
     "than last year.", 1),
]  # fmt: skip
TAGS = {
    "phone": [("telephone access", "what was bad", "negative"), ("appointments", "what was bad", "negative")],
    "interpreter": [
        ("interpreter", "what was bad", "negative"),
        ("communication", "what was bad", "negative"),
    ],
    "good": [("kind staff", "what was good", "positive"), ("listening", "what was good", "positive")],
}


def _opinion(n: int, kind: str, rng: np.random.Generator, services: list[dict], published: date) -> dict:
    title, body, level = [PHONE, INTERPRETER, GOOD][["phone", "interpreter", "good"].index(kind)][
        n % (2 if kind != "good" else 3)
    ]
    age = {"phone": ["16-24", "25-34", "18-24"], "interpreter": ["45-54", "55-64", "65-74"],
           "good": ["45-54", "55-64", "65-74", "75-84", "85 or over"]}[kind]  # fmt: skip
    role = "relative" if kind == "interpreter" else str(rng.choice(["patient", "patient", "carer"]))
    opinion_id = 1_200_000 + n * 37
    responses = []
    # Organisations answer praise more readily than criticism: the feedback loop is part of the story.
    if rng.random() < (0.7 if kind == "good" else 0.35):
        responded = published + timedelta(days=int(rng.integers(1, 20)))
        responses.append({
            "id": 900_000 + n, "type": "response", "dateOfPublication": f"{responded.isoformat()}T09:15:00Z",
            "responderName": "Patient Experience Team", "responderRole": "Patient experience lead",
            "body": "Thank you for taking the time to tell us about this. We would like to talk to you; please "
                    "contact the patient experience team.",
        })  # fmt: skip
    return {
        "id": opinion_id, "type": "opinion", "title": title, "body": body,
        "dateOfSubmission": f"{(published - timedelta(days=2)).isoformat()}T20:41:00Z",
        "dateOfPublication": f"{published.isoformat()}T10:22:31Z",
        "criticality": CRITICALITY[level], "authorRole": role, "authorAgeGroup": str(rng.choice(age)),
        "submissionRoute": str(rng.choice(["web", "web", "phone", "leaflet"])),
        "tags": [{"name": t, "group": g, "polarity": p} for t, g, p in TAGS[kind]],
        "healthServices": services, "responses": responses,
        "links": [{"rel": "self", "id": str(opinion_id),
                   "href": f"https://www.careopinion.org.uk/api/v2/opinions/{opinion_id}"}],
    }  # fmt: skip


def write_care_opinion(ics: SyntheticICS, path: Path, seed: int = SEED) -> None:
    """A Care Opinion API v2 ``/opinions`` response for the synthetic ICS (an array of opinions)."""
    rng = np.random.default_rng([seed, 7])
    practices = sorted(ics.practices, key=lambda p: p.deprivation)
    sites = [s for t in ics.trusts[:2] for s in t.sites]
    opinions = []
    for n in range(36):
        practice = practices[int(rng.integers(0, len(practices)))]
        roll = rng.random()
        if roll < 0.15 + 0.4 * practice.deprivation:
            kind = "phone"
        elif roll < 0.3 + 0.5 * practice.minority_share:
            kind = "interpreter"
        else:
            kind = "good"
        services = [{"nacsCode": practice.code, "name": practice.name.title(), "type": "general practice"}]
        # Every fourth story is about a practice and a hospital site: one story, two services.
        if n % 4 == 0:
            site = sites[n % len(sites)]
            services.append({"nacsCode": site.code, "name": site.name.title(), "type": "hospital"})
        published = date(2024, 4, 1) + timedelta(days=int(rng.integers(0, 400)))
        opinions.append(_opinion(n, kind, rng, services, published))
    path.write_text(json.dumps(opinions, indent=1, ensure_ascii=False), encoding="utf-8")


def write_collection(ics: SyntheticICS, path: Path, seed: int = SEED) -> None:
    """A community group's story collection (CSV), gathered at a Saltmarsh (ZC3) community centre."""
    rng = np.random.default_rng([seed, 8])
    local = ics.practices_in("ZC3")
    rows = []
    for n in range(14):
        practice = local[int(rng.integers(0, len(local)))]
        bangladeshi = n % 2 == 0
        if bangladeshi:
            title, story = (
                "Interpreter",
                (
                    "I asked for a Bengali interpreter at my appointment. They said to bring a family member. "
                    "My husband had to take a day off work."
                ),
            )
            ethnicity, age = "Bangladeshi", str(rng.choice(["35-44", "45-54", "55-64"]))
        else:
            title, story = (
                "Phones",
                (
                    "Could not get through on the phone at 8am. Tried for three days then gave up and went to A&E."
                ),
            )
            ethnicity, age = (
                str(rng.choice(["White British", "Other White", "African"])),
                str(rng.choice(["18-24", "25-34"])),
            )
        responded = rng.random() < 0.3
        told = date(2025, int(rng.integers(1, 12)), int(rng.integers(1, 28)))
        answered = (told + timedelta(days=int(rng.integers(3, 30)))).isoformat()
        rows.append([f"SCC-{n + 1:03d}", told.strftime("%d/%m/%Y"), title,
                     story, practice.code, practice.name.title(), "patient", age, str(rng.choice(["Female", "Male"])),
                     ethnicity, str(rng.choice(["No", "Yes", ""])),
                     answered if responded else "", "Practice manager" if responded else ""])  # fmt: skip
    write_csv(path, rows, ["story_id", "date", "title", "story", "service_codes", "service_names", "author_role",
                           "age_group", "sex", "ethnicity", "disability", "response_date", "responder"])  # fmt: skip


def write_stories(ics: SyntheticICS, folder: Path) -> list[Path]:
    """Every stories sample file; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    write_care_opinion(ics, folder / "care-opinion-opinions-2024-2025.json")
    write_collection(ics, folder / "saltmarsh-community-stories.csv")
    return sorted(p for p in folder.rglob("*") if p.is_file())
