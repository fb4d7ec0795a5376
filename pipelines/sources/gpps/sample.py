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
  2017-2023 series.

Values are deterministic by seed, written as the real files write them: proportions like ``.2205``,
suppressed cells as -99 (or ``*`` / blank in some years), never 0. Each practice's published Wilson
intervals use its own design effect (synthetic, 1.1-3.5), so the marts must read each practice's
effective sample size from its intervals rather than assume the national 2.43.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from pipelines.methods.intervals import wilson_on_effective_n
from pipelines.sample.ics import GPPS_AGE_BANDS, PLANTED, SEED, Practice, SyntheticICS, list_by_sex_and_age
from pipelines.sources.gpps import grammar as G
from pipelines.sources.gpps.catalogue import HERE as CATALOGUE_DIR
from pipelines.sources.gpps.catalogue import catalogue, new_series_stems, positive_summary_codes
from pipelines.sources.gpps.effective_n import DESIGN_EFFECT
from schemas.people import ETHNICITY

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
    or ``slope`` where a writer plants its own (the change in P(positive) from least to most deprived)."""
    deprivation = practice.deprivation if practice else 0.5
    base = {"phone_access": 0.72, "overall_experience": 0.8, "making_appointment": 0.62,
            "contact_experience": 0.62}.get(measure, 0.82)  # fmt: skip
    if slope is None:
        slope = PLANTED["phone_access_deprivation_slope"] if measure == "phone_access" else -0.08
    return float(np.clip(base + slope * (deprivation - 0.5) + rng.normal(0, 0.04), 0.05, 0.97))


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
        p_pos = _latent(practice, self.measure or "", rng, self.deprivation_slope) if self.positive else 0.0
        shares = _option_shares(self.n_options, self.positive, self.evaluative, p_pos, rng)
        n_full = int(rng.binomial(received, float(rng.uniform(0.55, 0.98))))
        counts_uw = rng.multinomial(n_full, shares) if n_full else np.zeros(self.n_options, dtype=int)
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


def _stem_columns(header: Sequence[str], questions: dict[str, _Question]) -> dict[str, list[str]]:
    """Per stem, its evaluative-base, combination-count and code-level CI columns (computed once)."""
    out: dict[str, list[str]] = {}
    for col in header:
        for m in (G.QN_EVAL_BASE.match(col), G.QN_COUNT.match(col), G.QN_CI.match(col)):
            if m and m["stem"] in questions and (m.re is not G.QN_CI or m["code"]):
                out.setdefault(m["stem"], []).append(col)
                break
    return out


def _qn_row(header: Sequence[str], questions: dict[str, _Question], practice: Practice | None, received: int,
            rng: np.random.Generator, sentinel: str) -> dict[str, str]:  # fmt: skip
    """Every qN-grammar measure cell of one organisation's row."""
    out: dict[str, str] = {}
    columns = _stem_columns(header, questions)
    draws = _draw_all(questions, practice, received, rng)
    design_effect = design_effect_of(practice)
    for stem, q in questions.items():
        d = draws[stem]
        w = d["w"]
        full_w = max(float(d["w_full"]), 1e-9)
        eval_w = max(float(d["w_eval"]), 1e-9)
        cells: dict[str, float] = {f"{stem}base": d["n_full"], f"{stem}_base": d["n_full"]}
        for k in range(1, q.n_options + 1):
            cells[f"{stem}_{k}"] = float(w[k - 1])
            cells[f"{stem}_{k}pct"] = float(w[k - 1]) / (eval_w if k in q.evaluative else full_w)
        for col in columns.get(stem, ()):
            if col.endswith("base"):
                cells[col] = d["n_eval"]
            elif col.endswith("_wil"):
                continue  # code-level intervals: computed below from their own combination
            elif col not in cells:
                codes = [int(c) for c in col[len(stem) + 1 :] if int(c) <= q.n_options]
                cells[col] = float(sum(w[c - 1] for c in codes))
                cells[col + "pct"] = cells[col] / eval_w
        for side, value in (("lower", d["lo"]), ("upper", d["hi"])):
            cells[f"{stem}ci_{side}_wil"] = float(value)
        for col in columns.get(stem, ()):
            m = G.QN_CI.match(col)
            if m and m["code"] and f"{stem}_{m['code']}pct" in cells and d["n_eval"]:
                lo, hi = wilson_on_effective_n(
                    cells[f"{stem}_{m['code']}pct"], float(d["n_eval"]) / design_effect
                )
                cells[col] = float(lo if m["side"] == "lower" else hi)
        for col, value in cells.items():
            if col in header:
                out[col] = (
                    sentinel
                    if d["suppressed"] and not col.endswith("base")
                    else fmt(round(value, 9))
                    if value == value
                    else sentinel
                )
    return out


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


def _qn_layout(year: int) -> tuple[list[str], list[str], dict[str, _Question]]:
    """(context columns, measure columns, question structures) of a year's qN-grammar practice file."""
    measures = [c for c in columns_2023(common_only=year <= 2021) if c not in G.IDS_B]
    context = [c for c in measures if c in G.CONTEXT_COLUMNS]
    measures = [c for c in measures if c not in G.CONTEXT_COLUMNS]
    return context, measures, _qn_questions(measures, year)


def _qn_header(year: int, context: Sequence[str], measures: Sequence[str]) -> list[str]:
    """A qN practice file's header: the 2017-2021 identifiers, or the 2022-2023 ones."""
    if year <= 2021:
        return ["Practice_Code", "Practice_Name", "CCG_Code", "CCG_Name", *context, *measures]
    return [*G.IDS_B[:9], *context, *measures]


def _returns(distributed: int, received: int) -> dict[str, str]:
    return {
        "distributed": str(distributed),
        "received": str(received),
        "resprate": fmt(received / distributed),
    }


def _qn_practice_row(ics: SyntheticICS, p: Practice, year: int, measures: Sequence[str],
                     questions: dict[str, _Question], rng: np.random.Generator) -> dict[str, str]:  # fmt: skip
    """One practice's row of a qN-grammar practice file (its identifiers in the year's generation)."""
    if year <= 2021:
        sub = {s.code: s for s in ics.sub_icbs}
        ccg_name = "NHS Riverside North CCG (SYNTHETIC)" if p.old_ccg == "ZA0" else sub[p.sub_icb].ccg_name
        ids = {"practice_code": p.code, "practice_name": p.name, "ccg_code": p.old_ccg, "ccg_name": ccg_name}
    else:
        ids = {"practice_code": p.code, "practice_name": p.name, "pcn_code": p.pcn_code, "pcn_name": p.pcn_name,
               "ics_code": ics.icb_code, "ics_code_ons": ics.icb_ons_code, "ics_name": ics.icb_name,
               "cr_code": ics.region_code, "cr_name": ics.region_name}  # fmt: skip
    distributed, received = _received(p, rng, year)
    sentinel = "*" if year <= 2021 else "-99"
    return ids | _returns(distributed, received) | _qn_row(measures, questions, p, received, rng, sentinel)


def write_qn_files(ics: SyntheticICS, folder: Path, year: int, rng: np.random.Generator) -> list[Path]:
    """A practice file (and the organisation-level files) in the 2017-2021 or 2022-2023 grammar."""
    gen_a = year <= 2021
    context, measures, questions = _qn_layout(year)
    sentinel = "*" if gen_a else "-99"
    rows = [_qn_practice_row(ics, p, year, measures, questions, rng) for p in ics.practices]
    if not gen_a:  # a practice code in no geography of the year (closed, or a typo in the file)
        rows.append({"practice_code": UNKNOWN_PRACTICE, "practice_name": "UNKNOWN PRACTICE (SYNTHETIC)",
                     "pcn_code": "UZ1001", "pcn_name": "SYNTHETIC PCN", "ics_code": ics.icb_code,
                     "ics_code_ons": ics.icb_ons_code, "ics_name": ics.icb_name, "cr_code": ics.region_code,
                     "cr_name": ics.region_name, **_returns(300, 90),
                     **_qn_row(measures, questions, None, 90, rng, sentinel)})  # fmt: skip
    paths: list[Path] = []
    header = _qn_header(year, context, measures)
    paths.append(_write(folder / f"GPPS_{year}_Practice_data_(weighted)_(csv)_PUBLIC.csv", header, rows))
    if gen_a:
        ccg_rows = []
        for code in sorted({p.old_ccg for p in ics.practices}):
            members = [r for r in rows if r["ccg_code"] == code]
            received = sum(int(r["received"]) for r in members)
            distributed = sum(int(r["distributed"]) for r in members)
            name = members[0]["ccg_name"]
            ccg_rows.append({"ccg_code": code, "ccg_name": name, "distributed": str(distributed),
                             "received": str(received), "resprate": fmt(received / distributed),
                             **_qn_row(measures, questions, None, received, rng, sentinel)})  # fmt: skip
        paths.append(_write(folder / f"GPPS_{year}_CCG_data_(weighted)_(csv)_PUBLIC.csv",
                            ["CCG_Code", "CCG_Name", *context, *measures], ccg_rows))  # fmt: skip
        return paths
    received = sum(int(r["received"]) for r in rows)
    distributed = sum(int(r["distributed"]) for r in rows)
    ics_row = {"ics_code": ics.icb_code, "ics_code_ons": ics.icb_ons_code, "ics_name": ics.icb_name,
               "distributed": str(distributed), "received": str(received), "resprate": fmt(received / distributed),
               **_qn_row(measures, questions, None, received, rng, sentinel)}  # fmt: skip
    paths.append(_write(folder / f"GPPS_{year}_ICS_data_(weighted)_(csv)_PUBLIC.csv",
                        ["ics_code", "ics_code_ons", "ics_name", *context, *measures], [ics_row]))  # fmt: skip
    national = {"distributed": "2439140", "received": "759149", "resprate": fmt(759149 / 2439140),
                **_qn_row(measures, questions, None, 759149, rng, sentinel)}  # fmt: skip
    paths.append(
        _write(
            folder / f"GPPS_{year}_National_data_(weighted)_(csv)_PUBLIC.csv",
            [*context, *measures],
            [national],
        )
    )
    return paths


# 2024+ stems: every question of the redesigned questionnaire with its real options, the composition
# questions, then 2023 questions under synthetic names so the file is as wide as the real one.
DOT_COMPOSITION = {
    "aboutyouagemerged": 9,
    "aboutyougender": 5,
    "aboutyouethnicity": 19,
    "dv_ethnicityband": 5,
}


def _dot_questions() -> dict[str, _Question]:
    catalogued = {m.question: m for m in catalogue() if m.series == "2024+"}
    questions: dict[str, _Question] = {}
    for stem in new_series_stems():
        if stem.kind != "evaluative":
            continue
        m = catalogued.get(stem.stem)
        codes = m or stem  # the catalogue's codes for a headline measure (a test keeps the two in step)
        questions[stem.stem] = _Question(
            stem.stem, len(stem.options), [int(c) for c in codes.evaluative_codes],
            [int(c) for c in codes.positive_codes], m.measure_id if m else None,
        )  # fmt: skip
    for stem, n in DOT_COMPOSITION.items():
        questions[stem] = _Question(stem, n, [], [], None)
    for stem, q in _qn_questions(columns_2023(), 2023).items():
        if len(questions) >= 150 or stem in {"q48_merged", "q49", "q49band", "q112"}:
            continue
        if stem in {m.question for m in catalogue()}:
            continue
        n = min(q.n_options, 8)
        evaluative = [k for k in q.evaluative if k <= n]
        positive = [k for k in q.positive if k in evaluative and len(evaluative) > len(q.positive)]
        questions[f"nsq{stem[1:]}"] = _Question(f"nsq{stem[1:]}", n, evaluative, positive, None)
    return questions


def _dot_columns(questions: dict[str, _Question]) -> list[str]:
    cols: list[str] = []
    for stem, q in questions.items():
        has_eval = bool(q.positive)
        cols += [f"{stem}_{k}.count" for k in range(1, q.n_options + 1)]
        cols += [f"{stem}.counteval"] if has_eval else []
        cols += [f"{stem}.basefulluw"] + ([f"{stem}.baseevaluw"] if has_eval else [])
        cols += [f"{stem}.basefullw"] + ([f"{stem}.baseevalw"] if has_eval else [])
        cols += [f"{stem}_{k}.pct" for k in range(1, q.n_options + 1)]
        cols += [f"{stem}.pcteval", f"{stem}.lowileval", f"{stem}.hiwileval"] if has_eval else []
    return cols


def _dot_row(questions: dict[str, _Question], practice: Practice | None, received: int, rng: np.random.Generator,
             blank_suppression: bool) -> dict[str, str]:  # fmt: skip
    out: dict[str, str] = {}
    draws = _draw_all(questions, practice, received, rng)
    for stem, q in questions.items():
        d = draws[stem]
        w = d["w"]
        full_w = max(float(d["w_full"]), 1e-9)
        cells: dict[str, float] = {f"{stem}.basefulluw": d["n_full"], f"{stem}.basefullw": full_w}
        for k in range(1, q.n_options + 1):
            cells[f"{stem}_{k}.count"] = float(w[k - 1])
            cells[f"{stem}_{k}.pct"] = float(w[k - 1]) / full_w
        if q.positive:
            cells |= {f"{stem}.counteval": d["count_eval"], f"{stem}.baseevaluw": d["n_eval"],
                      f"{stem}.baseevalw": d["w_eval"], f"{stem}.pcteval": d["pct_eval"],
                      f"{stem}.lowileval": d["lo"], f"{stem}.hiwileval": d["hi"]}  # fmt: skip
        sentinel = "" if blank_suppression else "-99"
        for col, value in cells.items():
            hidden = d["suppressed"] and "base" not in col
            out[col] = sentinel if hidden or value != value else fmt(round(float(value), 9))
    return out


DOT_IDS = ("ad_practicecode", "ad_practicename", "ad_icscode", "ad_icsname", "ad_icscodeons", "ad_pcncode",
           "ad_pcnname")  # fmt: skip
DOT_CONTEXT = ("distributed", "received", "resprate", "popsize")


def _dot_practice_row(ics: SyntheticICS, p: Practice, year: int, questions: dict[str, _Question],
                      rng: np.random.Generator) -> dict[str, str]:  # fmt: skip
    """One practice's row of a 2024+ practice file."""
    distributed, received = _received(p, rng, year)
    row = {"ad_practicecode": p.code, "ad_practicename": p.name, "ad_icscode": ics.icb_code,
           "ad_icsname": ics.icb_name, "ad_icscodeons": ics.icb_ons_code, "ad_pcncode": p.pcn_code,
           "ad_pcnname": p.pcn_name, **_returns(distributed, received), "popsize": str(int(p.list_size * 0.82))}  # fmt: skip
    return row | _dot_row(questions, p, received, rng, blank_suppression=p.code.endswith("007"))


def write_dot_files(ics: SyntheticICS, folder: Path, year: int, rng: np.random.Generator) -> list[Path]:
    """Practice, ICS and national files in the 2024+ grammar."""
    questions = _dot_questions()
    measures = _dot_columns(questions)
    ids, context = list(DOT_IDS), list(DOT_CONTEXT)
    rows = [_dot_practice_row(ics, p, year, questions, rng) for p in ics.practices]
    paths = [
        _write(
            folder / f"GPPS_{year}_Practice_data_(weighted)_(csv)_PUBLIC.csv",
            [*ids, *context, *measures],
            rows,
        )
    ]
    received = sum(int(r["received"]) for r in rows)
    distributed = sum(int(r["distributed"]) for r in rows)
    ics_row = {"ad_icscode": ics.icb_code, "ad_icsname": ics.icb_name, "ad_icscodeons": ics.icb_ons_code,
               "distributed": str(distributed), "received": str(received), "resprate": fmt(received / distributed),
               "popsize": str(sum(int(r["popsize"]) for r in rows)),
               **_dot_row(questions, None, received, rng, False)}  # fmt: skip
    paths.append(_write(folder / f"GPPS_{year}_ICS_data_(weighted)_(csv)_PUBLIC.csv",
                        ["ad_icscode", "ad_icsname", "ad_icscodeons", *context, *measures], [ics_row]))  # fmt: skip
    national = {"national": "1", "distributed": "2968415", "received": "654714", "resprate": fmt(654714 / 2968415),
                "popsize": "51580330", **_dot_row(questions, None, 654714, rng, False)}  # fmt: skip
    paths.append(_write(folder / f"GPPS_{year}_National_data_(weighted)_(csv)_PUBLIC.csv",
                        ["national", *context, *measures], [national]))  # fmt: skip
    return paths


def write_practice_file(
    systems: Sequence[SyntheticICS],
    folder: Path,
    year: int,
    rng: np.random.Generator,
    deprivation_slopes: Mapping[str, float] | None = None,
) -> Path:
    """One national-style practice file for ``year`` in that year's header generation (2017-2021, 2022-2023 or
    2024+) holding the practices of every ICS in ``systems`` (real practice codes work: nothing here checks
    them), with no organisation-level files beside it, as an ICS analyst downloads it.

    ``deprivation_slopes`` plants, per catalogued measure, the change in P(positive) from the least to the
    most deprived practice (``Practice.deprivation`` 0 → 1): negative = worse in more deprived practices, 0 =
    no gradient. Measures not named keep the sample's own plant (``_latent``)."""
    measures: list[str] = []
    if year >= 2024:
        questions = _dot_questions()
        header = [*DOT_IDS, *DOT_CONTEXT, *_dot_columns(questions)]
    else:
        context, measures, questions = _qn_layout(year)
        header = _qn_header(year, context, measures)
    for q in questions.values():
        if q.measure in (deprivation_slopes or {}):
            q.deprivation_slope = float(deprivation_slopes[q.measure])  # type: ignore[index]
    rows = [
        _dot_practice_row(ics, p, year, questions, rng)
        if year >= 2024
        else _qn_practice_row(ics, p, year, measures, questions, rng)
        for ics in systems
        for p in ics.practices
    ]
    return _write(folder / f"GPPS_{year}_Practice_data_(weighted)_(csv)_PUBLIC.csv", header, rows)


def write_variables_list(folder: Path, year: int = 2023) -> Path:
    """The year's list of reporting variables (Variable, Description) for the 2023 columns."""
    wording = {m.question: m.wording for m in catalogue() if m.survey_year == year}
    path = folder / f"GPPS_{year}_list_of_reporting_variables.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Variable", "Description"])
        for col in columns_2023():
            stem = next((q for q in wording if col == f"{q}base" or col.startswith(f"{q}_")), None)
            writer.writerow([col, f"{wording[stem]} ({col})" if stem else f"{col} (SYNTHETIC description)"])
    return path


# Respondent extract -------------------------------------------------------------------------------

EXTRACT_QUESTIONS = {  # 2023 stem: (measure, number of options)
    "q3": ("phone_access", 5), "q4": ("reception_helpful", 5), "q73": ("website_ease", 5),
    "q18": ("making_appointment", 5), "q104": ("appointment_accepted", 4), "q88": ("involved_in_decisions", 4),
    "q89": ("confidence_trust", 4), "q90": ("needs_met", 4), "q28": ("overall_experience", 5),
}  # fmt: skip
MINORITY_GROUPS = [g for _c, g, band in ETHNICITY if band != "White"] + [ETHNICITY[4][1], ETHNICITY[1][1]]


def deprivation_slope(year: int) -> float:
    """The planted deprivation slope of phone access (and making an appointment) in a survey year's extract."""
    widening = PLANTED["widening_deprivation_gap"]
    if year == widening["earlier_year"]:
        return float(widening["earlier_slope"])
    return float(PLANTED["phone_access_deprivation_slope"])


def write_respondent_extract(ics: SyntheticICS, path: Path, rng: np.random.Generator, year: int = 2023,
                             per_practice: int = 90) -> Path:  # fmt: skip
    """One row per respondent: weight, demographics and answer codes, with the planted differences.

    Only the questions the year's catalogue has are written (an extract has the year's questionnaire)."""
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
            for stem, (measure, n_options) in questions.items():
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
                if rng.random() < 0.05:
                    row[stem] = ""  # not answered
                    continue
                if rng.random() < 0.07 and n_options > len(evaluative):
                    row[stem] = str(n_options)  # haven't tried / don't know: outside the evaluative base
                    continue
                pool = positive if rng.random() < p_pos else [c for c in evaluative if c not in positive]
                row[stem] = str(int(rng.choice(pool)))
            rows.append(row)
    return _write(path, header, rows)


def _band(age: int) -> str:
    for band, upper in zip(GPPS_AGE_BANDS, (25, 35, 45, 55, 65, 75, 85, 999), strict=True):
        if 16 <= age < upper:
            return band
    return "Under 16"


def write_gpps(ics: SyntheticICS, folder: Path) -> list[Path]:
    """Every GPPS sample file: three generations of results, a variables list, two respondent extracts."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, 3])
    paths = write_qn_files(ics, folder, 2019, rng)
    paths += write_qn_files(ics, folder, 2023, rng)
    paths += write_dot_files(ics, folder, 2025, rng)
    paths.append(write_variables_list(folder, 2023))
    paths.append(write_respondent_extract(ics, folder / "gpps_2023_respondent_extract.csv", rng))
    # The earlier extract draws from its own generator, so every file above is as it was without it.
    earlier = PLANTED["widening_deprivation_gap"]["earlier_year"]
    paths.append(
        write_respondent_extract(
            ics,
            folder / f"gpps_{earlier}_respondent_extract.csv",
            np.random.default_rng([SEED, 3, earlier]),
            earlier,
        )
    )
    return sorted(paths)
