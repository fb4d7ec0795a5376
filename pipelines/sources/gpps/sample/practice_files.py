"""GPPS published results files for the sample: practice, CCG / ICS and national files in the qN grammar
(2017-2021, 2022-2023), the 2024+ ``<stem>_<k>.count`` grammar, a national-style practice file of several
ICSs, and the year's list of reporting variables.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from pipelines.methods.intervals import wilson_on_effective_n
from pipelines.sample.ics import Practice, SyntheticICS
from pipelines.sources.gpps import grammar as G
from pipelines.sources.gpps.catalogue import catalogue, new_series_stems
from pipelines.sources.gpps.sample.layout import (
    UNKNOWN_PRACTICE,
    _draw_all,
    _qn_questions,
    _Question,
    _received,
    _returns,
    _write,
    columns_2023,
    design_effect_of,
    fmt,
)


@lru_cache(maxsize=16)
def _stem_plan(header: tuple[str, ...], stems: frozenset[str]) -> dict[str, _StemPlan]:
    """Per stem, its header columns read once per file (a row used to re-match ~1,000 columns against the
    grammar): evaluative bases, combination counts with their option digits, and code-level CIs with their
    code and side."""
    plans: dict[str, _StemPlan] = {}
    for col in header:
        for m in (G.QN_EVAL_BASE.match(col), G.QN_COUNT.match(col), G.QN_CI.match(col)):
            if m and m["stem"] in stems and (m.re is not G.QN_CI or m["code"]):
                stem = m["stem"]
                plan = plans.setdefault(stem, _StemPlan([], [], []))
                ci = G.QN_CI.match(col)
                if col.endswith("base"):
                    plan.bases.append(col)
                elif col.endswith("_wil"):
                    pass
                else:
                    plan.combinations.append((col, [int(c) for c in col[len(stem) + 1 :]]))
                if ci and ci["code"]:
                    plan.intervals.append((col, ci["code"], ci["side"]))
                break
    return plans


class _StemPlan(NamedTuple):
    bases: list[str]
    combinations: list[tuple[str, list[int]]]  # (column, its option digits)
    intervals: list[tuple[str, str, str]]  # (column, option code, 'lower' / 'upper')


def _qn_row(header: Sequence[str], questions: dict[str, _Question], practice: Practice | None, received: int,
            rng: np.random.Generator, sentinel: str) -> dict[str, str]:  # fmt: skip
    """Every qN-grammar measure cell of one organisation's row."""
    out: dict[str, str] = {}
    header_key = tuple(header)
    plans = _stem_plan(header_key, frozenset(questions))
    in_header = _header_set(header_key)
    draws = _draw_all(questions, practice, received, rng)
    design_effect = design_effect_of(practice)
    empty = _StemPlan([], [], [])
    for stem, q in questions.items():
        d = draws[stem]
        w = d["w"]
        plan = plans.get(stem, empty)
        full_w = max(float(d["w_full"]), 1e-9)
        eval_w = max(float(d["w_eval"]), 1e-9)
        cells: dict[str, float] = {f"{stem}base": d["n_full"], f"{stem}_base": d["n_full"]}
        for k in range(1, q.n_options + 1):
            cells[f"{stem}_{k}"] = float(w[k - 1])
            cells[f"{stem}_{k}pct"] = float(w[k - 1]) / (eval_w if k in q.evaluative else full_w)
        for col in plan.bases:
            cells[col] = d["n_eval"]
        for col, digits in plan.combinations:
            if col not in cells:
                cells[col] = float(sum(w[c - 1] for c in digits if c <= q.n_options))
                cells[col + "pct"] = cells[col] / eval_w
        for side, value in (("lower", d["lo"]), ("upper", d["hi"])):
            cells[f"{stem}ci_{side}_wil"] = float(value)
        # Code-level intervals: each from its own combination's share, all of the stem in one call.
        wanted = [(col, side, cells[f"{stem}_{code}pct"]) for col, code, side in plan.intervals
                  if f"{stem}_{code}pct" in cells] if d["n_eval"] else []  # fmt: skip
        if wanted:
            lows, highs = wilson_on_effective_n(
                np.array([share for _c, _s, share in wanted]), float(d["n_eval"]) / design_effect
            )
            for (col, side, _share), lo, hi in zip(
                wanted, np.atleast_1d(lows), np.atleast_1d(highs), strict=True
            ):
                cells[col] = float(lo if side == "lower" else hi)
        for col, value in cells.items():
            if col in in_header:
                out[col] = (
                    sentinel
                    if d["suppressed"] and not col.endswith("base")
                    else fmt(round(value, 9))
                    if value == value
                    else sentinel
                )
    return out


@lru_cache(maxsize=16)
def _header_set(header: tuple[str, ...]) -> frozenset[str]:
    return frozenset(header)


def _qn_layout(year: int) -> tuple[list[str], list[str], dict[str, _Question]]:
    """(context columns, measure columns, question structures) of a year's qN-grammar practice file."""
    measures = _year_stems([c for c in columns_2023(common_only=year <= 2021) if c not in G.IDS_B], year)
    context = [c for c in measures if c in G.CONTEXT_COLUMNS]
    measures = [c for c in measures if c not in G.CONTEXT_COLUMNS]
    return context, measures, _qn_questions(measures, year)


def _year_stems(columns: list[str], year: int) -> list[str]:
    """``columns`` with each catalogue measure under its year's own stem where that differs from 2023's (2017's
    confidence and trust is q22, later files' q89), so a year's file carries every measure of its catalogue."""
    later = {m.measure_id: m.question for m in catalogue() if m.survey_year == 2023}
    renames = {later[m.measure_id]: m.question for m in catalogue()
               if m.survey_year == year and later.get(m.measure_id, m.question) != m.question}  # fmt: skip
    for old, new in renames.items():
        stem = re.compile(rf"^{re.escape(old)}(?![0-9])")
        columns = [stem.sub(new, c) for c in columns]
    return columns


def _qn_header(year: int, context: Sequence[str], measures: Sequence[str]) -> list[str]:
    """A qN practice file's header: the 2017-2021 identifiers, or the 2022-2023 ones."""
    if year <= 2021:
        return ["Practice_Code", "Practice_Name", "CCG_Code", "CCG_Name", *context, *measures]
    return [*G.IDS_B[:9], *context, *measures]


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
