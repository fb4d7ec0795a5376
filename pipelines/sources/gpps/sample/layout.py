"""What every GPPS sample file shares: the 2023 list of reporting variables, numbers as GPPS writes them,
one organisation's answers drawn from the planted P(positive) (option shares, bases, design effect, Wilson
intervals), the qN question structures, questionnaires sent and received, and writing a CSV.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from statistics import NormalDist

import numpy as np

from pipelines.methods.intervals import wilson_on_effective_n
from pipelines.sample.ics import (
    GPPS_AGE_BANDS,
    PLANTED,
    SEED,
    Practice,
    ethnicity_band_shares,
    list_by_sex_and_age,
)
from pipelines.sources.gpps import grammar as G
from pipelines.sources.gpps.catalogue import HERE as CATALOGUE_DIR
from pipelines.sources.gpps.catalogue import catalogue, positive_summary_codes
from pipelines.sources.gpps.effective_n import DESIGN_EFFECT

COLUMNS_2023 = CATALOGUE_DIR / "columns_2023.csv"
UNKNOWN_PRACTICE = "X99999"  # a practice code in no geography: the 2023 file carries it to show quarantine


def columns_2023(common_only: bool = False) -> list[str]:
    """The 2023 practice-file columns (the real list of reporting variables), optionally only those
    the 2018-2023 files share."""
    with COLUMNS_2023.open(newline="", encoding="utf-8") as handle:
        return [
            r["column"] for r in csv.DictReader(handle) if not common_only or r["common_2018_2023"] == "yes"
        ]


def fmt(value: float) -> str:
    """Numbers as GPPS writes them: proportions without the leading zero (.2205), counts to 6 dp."""
    if value == int(value) and abs(value) >= 1:
        return str(int(value))
    text = f"{value:.12g}"
    if text.startswith("0."):
        return text[1:]
    return text


def _latent(
    practice: Practice | None, measure: str, rng: np.random.Generator, slope: float | None = None
) -> float:
    """P(positive) for a practice and measure: planted deprivation slope for phone access (-0.08 elsewhere),
    or ``slope`` where a writer plants its own (the change in P(positive) from least to most deprived), and
    the practice's own lasting difference (``_lasting_difference``); an area's is drawn."""
    deprivation = practice.deprivation if practice else 0.5
    base = {"phone_access": 0.72, "overall_experience": 0.8, "making_appointment": 0.62,
            "contact_experience": 0.62}.get(measure, 0.82)  # fmt: skip
    if slope is None:
        slope = PLANTED["phone_access_deprivation_slope"] if measure == "phone_access" else -0.08
    own = _lasting_difference(practice, measure) if practice else rng.normal(0, 0.04)
    return float(np.clip(base + slope * (deprivation - 0.5) + own, 0.05, 0.97))


def _lasting_difference(practice: Practice, question: str) -> float:
    """How far a practice sits from the planted level on a question (normal, sd 0.04), fixed by its code, so
    the same in every year's file. Drawn afresh each year it moved every practice's true result between
    surveys where nothing was planted (2019 -> 2023: 6 of 503 practice results changed at 99.8%)."""
    u = (zlib.crc32(f"{practice.code}|{question}".encode()) + 0.5) / 2**32
    return 0.04 * _STANDARD_NORMAL.inv_cdf(u)


_STANDARD_NORMAL = NormalDist()


def _option_shares(n_options: int, positive: Sequence[int], evaluative: Sequence[int], p_pos: float,
                   rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Shares of options 1..n: p_pos of the evaluative answers positive, ~8% outside the evaluative base."""
    shares = np.zeros(n_options)
    outside = [k for k in range(1, n_options + 1) if k not in evaluative]
    negative = [k for k in evaluative if k not in positive]
    inside = 1.0 - (0.08 if outside else 0.0)
    pos_split = rng.dirichlet(np.ones(len(positive)) * 4) if positive else np.array([])
    neg_split = rng.dirichlet(np.ones(len(negative)) * 4) if negative else np.array([])
    for k, s in zip(positive, pos_split, strict=True):
        shares[k - 1] = inside * p_pos * s
    for k, s in zip(negative, neg_split, strict=True):
        shares[k - 1] = inside * (1 - p_pos) * s
    for k in outside:
        shares[k - 1] = 0.08 / len(outside)
    if not positive:
        shares = rng.dirichlet(np.ones(n_options) * 2)
    return shares / shares.sum()


# The composition stems whose published shares follow the practice's own population (both grammars).
COMPOSITION_AGE = ("q48_merged", "aboutyouagemerged")  # Under 16, 16-24 … 85+
COMPOSITION_GENDER = ("q112", "aboutyougender")  # Female, Male, Non-binary, self-describe, prefer not to say
COMPOSITION_ETHNICITY_BAND = ("q49band", "dv_ethnicityband")  # White, Mixed, Asian, Black, Other


def _composition_shares(stem: str, n_options: int, practice: Practice) -> np.ndarray | None:
    """A practice's published (weighted) respondent composition for an age, gender or ethnic-group band stem:
    its own population's, as GPPS weights respondents to the practice list. The planted under-representation
    of young men is in the respondent extracts, before weighting; ``None`` for any other stem, or when the
    practice has no registered adults."""
    if stem in COMPOSITION_AGE and n_options == 9:
        # Each band's first year of age (16, 25, 35 … 85); respondents are 16 or over.
        starts = np.array([16, 25, 35, 45, 55, 65, 75, 85])
        by_band = np.zeros(len(GPPS_AGE_BANDS))
        for (_sex, age), n in list_by_sex_and_age(practice).items():
            if age >= 16:
                by_band[np.searchsorted(starts, age, side="right") - 1] += n
        shares = np.array([0.0, *by_band], dtype=float)
    elif stem in COMPOSITION_GENDER and n_options == 5:
        counts = list_by_sex_and_age(practice)
        female = sum(n for (sex, age), n in counts.items() if sex == "FEMALE" and age >= 16)
        male = sum(n for (sex, age), n in counts.items() if sex == "MALE" and age >= 16)
        shares = np.array([female, male, 0.0, 0.0, 0.0], dtype=float)
    elif stem in COMPOSITION_ETHNICITY_BAND and n_options == 5:
        bands = ethnicity_band_shares(practice)
        shares = np.array([bands.get(b, 0.0) for b in ("White", "Mixed", "Asian", "Black", "Other")])
    else:
        return None
    total = shares.sum()
    # A practice with no registered adults (a real list of 0 or 1 patients) has no composition to weight to.
    return shares / total if total > 0 else None


class _Question:
    """One question's structure for the generator: options, evaluative and positive codes."""

    def __init__(
        self, stem: str, n_options: int, evaluative: list[int], positive: list[int], measure: str | None
    ):
        self.stem, self.n_options, self.evaluative, self.positive, self.measure = (
            stem,
            n_options,
            evaluative,
            positive,
            measure,
        )
        self.deprivation_slope: float | None = None  # None: the sample's own plant (``_latent``)

    def draw(self, practice: Practice | None, received: int, rng: np.random.Generator) -> dict[str, object]:
        """Unweighted and weighted counts, bases, shares and the summary interval for one organisation."""
        p_pos = (
            _latent(practice, self.measure or self.stem, rng, self.deprivation_slope)
            if self.positive
            else 0.0
        )
        shares = _option_shares(self.n_options, self.positive, self.evaluative, p_pos, rng)
        n_full = int(rng.binomial(received, float(rng.uniform(0.55, 0.98))))
        counts_uw = rng.multinomial(n_full, shares) if n_full else np.zeros(self.n_options, dtype=int)
        composition = _composition_shares(self.stem, self.n_options, practice) if practice else None
        if composition is not None and practice is not None and n_full:
            # Drawn from the practice's own generator, after the shared one has moved exactly as for any other
            # question, so every other figure of the sample stays as it was.
            own = np.random.default_rng([SEED, 23, zlib.crc32(f"{practice.code} {self.stem}".encode())])
            counts_uw = own.multinomial(n_full, composition)
        w = counts_uw * rng.lognormal(0, 0.15, self.n_options) * float(rng.uniform(0.8, 1.25))
        ev = [k - 1 for k in self.evaluative]
        pos = [k - 1 for k in self.positive]
        base_eval_uw = int(counts_uw[ev].sum()) if ev else n_full
        base_full_w, base_eval_w = float(w.sum()), float(w[ev].sum()) if ev else float(w.sum())
        count_eval = float(w[pos].sum()) if pos else float("nan")
        pct_eval = count_eval / base_eval_w if base_eval_w > 0 and pos else float("nan")
        return {"uw": counts_uw, "w": w, "n_full": n_full, "n_eval": base_eval_uw, "w_full": base_full_w,
                "w_eval": base_eval_w, "count_eval": count_eval, "pct_eval": pct_eval,
                "suppressed": n_full < 10}  # fmt: skip


def _qn_questions(header: Sequence[str], year: int) -> dict[str, _Question]:
    """Question structures of a qN header, taking catalogued measures' codes from the catalogue."""
    measures = {m.question: m for m in catalogue() if m.survey_year == year}
    plan = G.plan_header(list(header), G.GEN_B, positive_summary_codes(year))
    questions: dict[str, _Question] = {}
    for spec in plan.specs:
        if spec.option_code is None or not spec.option_code.isdigit():
            continue
        q = questions.setdefault(spec.question, _Question(spec.question, 0, [], [], None))
        code = int(spec.option_code)
        if spec.response_option != "positive" and (len(spec.option_code) == 1 or code <= 21):
            q.n_options = max(q.n_options, code)
    for stem, q in questions.items():
        if stem in measures:
            m = measures[stem]
            q.evaluative = [int(c) for c in m.evaluative_codes]
            q.positive = [int(c) for c in m.positive_codes]
            q.measure = m.measure_id
            q.n_options = max(q.n_options, max(q.evaluative))
        else:
            # Mirror what the header says: the evaluative base's codes and the one summary combination.
            evals = [m["codes"] for c in header if (m := G.QN_EVAL_BASE.match(c)) and m["stem"] == stem]
            combos = [m["code"] for c in header if (m := G.QN_COUNT.match(c)) and m["stem"] == stem
                      and len(m["code"]) > 1 and int(m["code"]) > q.n_options]  # fmt: skip
            q.evaluative = [int(d) for d in evals[0]] if evals else list(range(1, q.n_options + 1))
            q.positive = (
                [int(d) for d in combos[0]] if len(combos) == 1 else [1, 2] if q.n_options >= 3 else []
            )
            q.positive = [k for k in q.positive if k in q.evaluative] or q.positive
    return questions


def design_effect_of(practice: Practice | None) -> float:
    """The design effect behind an organisation's published intervals: the national 2.43 for areas, and a
    practice's own (1.1-3.5, fixed by its code) for practices, as each practice is weighted separately."""
    if practice is None:
        return DESIGN_EFFECT
    rng = np.random.default_rng([SEED, 17, zlib.crc32(practice.code.encode())])
    return float(np.clip(rng.lognormal(np.log(1.9), 0.3), 1.1, 3.5))


def _draw_all(questions: dict[str, _Question], practice: Practice | None, received: int,
              rng: np.random.Generator) -> dict[str, dict[str, object]]:  # fmt: skip
    """Every question of one organisation, with the summary intervals computed in one vectorised call."""
    draws = {stem: q.draw(practice, received, rng) for stem, q in questions.items()}
    stems = list(draws)
    p = np.array([float(draws[s]["pct_eval"]) for s in stems])
    n = np.array([float(draws[s]["n_eval"]) for s in stems]) / design_effect_of(practice)
    lo, hi = wilson_on_effective_n(np.where(np.isnan(p), 0.0, p), np.where(n > 0, n, np.nan))
    for i, stem in enumerate(stems):
        bad = np.isnan(p[i]) or not n[i] > 0
        draws[stem]["lo"] = float("nan") if bad else float(lo[i])
        draws[stem]["hi"] = float("nan") if bad else float(hi[i])
    return draws


def _write(path: Path, header: Sequence[str], rows: Iterable[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        lower = [h.lower() for h in header]
        for row in rows:
            writer.writerow([row.get(h, "") for h in lower])
    return path


def _received(practice: Practice, rng: np.random.Generator, year: int) -> tuple[int, int]:
    distributed = max(1, int(practice.list_size * 0.045))  # a tiny list still gets a questionnaire
    rate = float(np.clip(0.36 - 0.18 * practice.deprivation + rng.normal(0, 0.03), 0.1, 0.6))
    if year == 2023 and practice.code.endswith("005"):
        rate = 0.002  # a practice with a handful of returns: its results are suppressed
    return distributed, max(1, int(distributed * rate))


def _returns(distributed: int, received: int) -> dict[str, str]:
    return {
        "distributed": str(distributed),
        "received": str(received),
        "resprate": fmt(received / distributed),
    }
