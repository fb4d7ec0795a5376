"""The GPPS column grammar: which generation a header is, and what every column of it means.

Pure Python over a (lower-cased) header list, so it is cheap to test and the heavy reshaping can be
generated as one SQL statement. Three generations (docs/DESIGN.md section 4):

- ``2017-2021``: ``Practice_Code, CCG_Code …`` identifiers, ``qN…`` measures.
- ``2022-2023``: ``practice_code, pcn_code, ics_code …`` identifiers, the same ``qN…`` measures.
- ``2024+``: ``ad_practicecode …`` identifiers, ``<stem>_<k>.count`` / ``<stem>.pcteval`` measures.

A column the grammar does not understand is an error, never silently ignored: a new publication
grammar must be taught here before its numbers are trusted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

GEN_A = "gpps_results_2017_2021"
GEN_B = "gpps_results_2022_2023"
GEN_C = "gpps_results_2024_on"
SERIES = {GEN_A: "2017-2023", GEN_B: "2017-2023", GEN_C: "2024+"}

# Survey-level facts per organisation, kept in staged.gpps_response_rates rather than the tidy table.
CONTEXT_COLUMNS = ("distributed", "received", "resprate", "popsize")

# Identifier columns, by generation. The 2021 files add STP / commissioning-region columns.
IDS_A = ("practice_code", "practice_name", "ccg_code", "ccg_name", "stp_code", "stp_name", "cr_code", "cr_name",
         "region_code", "region_name", "national")  # fmt: skip
IDS_B = ("practice_code", "practice_name", "pcn_code", "pcn_name", "ics_code", "ics_code_ons", "ics_name",
         "cr_code", "cr_name", "region_code", "region_name", "national")  # fmt: skip

# Which column holds the organisation code / name / parents, most specific level first.
LEVELS: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    # (level, code column, name column)
    GEN_A: (("practice", "practice_code", "practice_name"), ("ccg", "ccg_code", "ccg_name"),
            ("stp", "stp_code", "stp_name"), ("region", "cr_code", "cr_name"),
            ("region", "region_code", "region_name")),
    GEN_B: (("practice", "practice_code", "practice_name"), ("pcn", "pcn_code", "pcn_name"),
            ("ics", "ics_code", "ics_name"), ("region", "cr_code", "cr_name"),
            ("region", "region_code", "region_name")),
    GEN_C: (("practice", "ad_practicecode", "ad_practicename"), ("pcn", "ad_pcncode", "ad_pcnname"),
            ("ics", "ad_icscode", "ad_icsname"), ("region", "ad_regioncode", "ad_regionname"),
            ("region", "ad_crcode", "ad_crname")),
}  # fmt: skip
PARENTS: dict[str, dict[str, str]] = {
    GEN_A: {"ccg_code": "ccg_code", "ics_code": "stp_code"},
    GEN_B: {"pcn_code": "pcn_code", "ics_code": "ics_code"},
    GEN_C: {"pcn_code": "ad_pcncode", "ics_code": "ad_icscode"},
}
NATIONAL_CODE = "E92000001"  # England (ONS), as Fingertips writes it

_QSTEM = r"q\d+[a-z]?(?:_recoded|_merged|band)?"
QN_BASE = re.compile(rf"^(?P<stem>{_QSTEM})_?base$")
QN_EVAL_BASE = re.compile(rf"^(?P<stem>{_QSTEM})_(?P<codes>\d+)base$")
QN_PCT = re.compile(rf"^(?P<stem>{_QSTEM})_(?P<code>\d+)pct$")
QN_COUNT = re.compile(rf"^(?P<stem>{_QSTEM})_(?P<code>\d+)$")
QN_CI = re.compile(rf"^(?P<stem>{_QSTEM})(?:_(?P<code>\d+))?ci_(?P<side>lower|upper)_wil$")

DOT_OPTION = re.compile(r"^(?P<stem>[a-z][a-z0-9_]*)_(?P<code>\d+)\.(?P<stat>count|pct)$")
DOT_EVAL = re.compile(
    r"^(?P<stem>[a-z][a-z0-9_]*)\.(?P<stat>counteval|pcteval|lowileval|hiwileval)(?P<variant>[bc]?)$"
)
DOT_BASE = re.compile(
    r"^(?P<stem>[a-z][a-z0-9_]*)\.base(?P<kind>full|eval)(?P<variant>[bc]?)(?P<weighting>uw|w)$"
)


@dataclass(frozen=True)
class ResultSpec:
    """One tidy output row per organisation: which file columns fill it (None = not published)."""

    question: str
    response_option: str  # the option code, or 'positive' (+ '_b' / '_c') for a summary result
    option_code: str | None  # the code as the file writes it ('12', '1'); 'eval' for 2024+ summaries
    count: str | None = None
    pct: str | None = None
    base_uw: str | None = None
    base_w: str | None = None
    lower: str | None = None
    upper: str | None = None

    def columns(self) -> list[str | None]:
        return [self.count, self.pct, self.base_uw, self.base_w, self.lower, self.upper]


@dataclass
class HeaderPlan:
    """What a results file's header means: generation, level, identifier columns and tidy rows."""

    generation: str
    level: str
    code_column: str | None
    name_column: str | None
    parents: dict[str, str]
    context: list[str]
    specs: list[ResultSpec]
    unrecognised: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # the file's columns, in file order


def is_dot_grammar(header: Sequence[str]) -> bool:
    """2024+ measures carry a statistic after a dot (``.pcteval``, ``.basefulluw`` …)."""
    return any(DOT_EVAL.match(c) or DOT_BASE.match(c) for c in header)


def is_qn_grammar(header: Sequence[str]) -> bool:
    """2017-2023 measures: ``qNbase`` plus ``qN_k`` / ``qN_kpct`` columns."""
    return any(QN_BASE.match(c) for c in header) and any(QN_PCT.match(c) for c in header)


def detect_generation(header: Sequence[str], year: int | None) -> str | None:
    """The header generation, from identifiers and measure grammar; None when it is no GPPS results file."""
    if is_dot_grammar(header):
        return GEN_C
    if not is_qn_grammar(header):
        return None
    if {"pcn_code", "ics_code"} & set(header):
        return GEN_B
    if {"ccg_code", "stp_code"} & set(header):
        return GEN_A
    # National / regional files carry no CCG or ICS column: the publication year decides.
    return GEN_B if year is not None and year >= 2022 else GEN_A


def _contiguous_options(codes: set[str]) -> set[str]:
    """Single response options are the run 1..m; longer codes beyond it (12, 146) are combinations."""
    numbers = {int(c) for c in codes}
    m = 0
    while m + 1 in numbers:
        m += 1
    return {str(i) for i in range(1, m + 1)}


def _qn_specs(header: Sequence[str], positive: Mapping[str, str], used: set[str]) -> list[ResultSpec]:
    stems: dict[str, dict[str, object]] = {}

    def stem_of(name: str) -> dict[str, object]:
        return stems.setdefault(name, {"codes": set(), "base": None, "eval": [], "ci": {}})

    for col in header:
        if m := QN_BASE.match(col):
            stem_of(m["stem"])["base"] = col
        elif m := QN_EVAL_BASE.match(col):
            stem_of(m["stem"])["eval"].append((m["codes"], col))  # type: ignore[union-attr]
        elif m := QN_CI.match(col):
            stem_of(m["stem"])["ci"][(m["code"], m["side"])] = col  # type: ignore[index]
        elif m := QN_PCT.match(col) or QN_COUNT.match(col):
            stem_of(m["stem"])["codes"].add(m["code"])  # type: ignore[union-attr]
        else:
            continue
        used.add(col)
    present = set(header)
    specs: list[ResultSpec] = []
    for stem, parts in stems.items():
        codes: set[str] = parts["codes"]  # type: ignore[assignment]
        singles = _contiguous_options(codes) if codes else set()
        evals: list[tuple[str, str]] = parts["eval"]  # type: ignore[assignment]
        ci: dict[tuple[str | None, str], str] = parts["ci"]  # type: ignore[assignment]
        full_base: str | None = parts["base"]  # type: ignore[assignment]
        summary = positive.get(stem)
        combos = sorted(c for c in codes if c not in singles)
        if summary is None and (None, "lower") in ci:
            # An uncatalogued question's question-level CI belongs to its one summary combination.
            own = [c for c in combos if (c, "lower") not in ci]
            summary = own[0] if len(own) == 1 else None

        def base_for(code: str, evals: list[tuple[str, str]] = evals, singles: set[str] = singles,
                     full_base: str | None = full_base) -> str | None:  # fmt: skip
            # Percentages excluding "haven't tried" / "don't know" use the evaluative base; the
            # excluded options themselves are on the full base (GPPS reporting variables).
            digits = [code] if code in singles else list(code)
            for eval_codes, col in evals:
                if all(d in eval_codes for d in digits):
                    return col
            return full_base

        for code in sorted(codes, key=lambda c: (len(c), c)):
            count = f"{stem}_{code}"
            pct = f"{stem}_{code}pct"
            is_summary = code == summary
            specs.append(
                ResultSpec(
                    question=stem,
                    response_option="positive" if is_summary else code,
                    option_code=code,
                    count=count if count in present else None,
                    pct=pct if pct in present else None,
                    base_uw=base_for(code),
                    lower=ci.get((code, "lower")) or (ci.get((None, "lower")) if is_summary else None),
                    upper=ci.get((code, "upper")) or (ci.get((None, "upper")) if is_summary else None),
                )
            )
        summary_took_ci = summary in codes and (summary, "lower") not in ci
        if (None, "lower") in ci and not summary_took_ci:
            # A question-level interval with no summary column to sit on: keep it, on its own row
            # ('positive' when the question has no other summary, else 'question_ci').
            label = "question_ci" if summary in codes else "positive"
            specs.append(
                ResultSpec(stem, label, None, base_uw=evals[0][1] if evals else full_base,
                           lower=ci.get((None, "lower")), upper=ci.get((None, "upper")))
            )  # fmt: skip
        if not codes and (None, "lower") not in ci and full_base:
            # A question published only as its base (no options): keep the base so nothing is lost.
            specs.append(ResultSpec(stem, "all", None, base_uw=full_base))
    return specs


def _dot_specs(header: Sequence[str], used: set[str]) -> list[ResultSpec]:
    stems: dict[str, dict[str, object]] = {}
    for col in header:
        if m := DOT_OPTION.match(col):
            stems.setdefault(m["stem"], {}).setdefault(("opt", m["code"]), {})[m["stat"]] = col  # type: ignore[union-attr]
        elif m := DOT_EVAL.match(col):
            stems.setdefault(m["stem"], {}).setdefault(("eval", m["variant"]), {})[m["stat"]] = col  # type: ignore[union-attr]
        elif m := DOT_BASE.match(col):
            key = f"base{m['kind']}{m['variant']}{m['weighting']}"
            stems.setdefault(m["stem"], {})[key] = col
        else:
            continue
        used.add(col)
    specs: list[ResultSpec] = []
    for stem, parts in stems.items():
        options = sorted((k[1] for k in parts if isinstance(k, tuple) and k[0] == "opt"), key=int)
        for code in options:
            cells: dict[str, str] = parts[("opt", code)]  # type: ignore[assignment]
            # Option percentages in the new series are shares of the full weighted base.
            specs.append(
                ResultSpec(stem, code, code, count=cells.get("count"), pct=cells.get("pct"),
                           base_uw=parts.get("basefulluw"), base_w=parts.get("basefullw"))  # type: ignore[arg-type]
            )  # fmt: skip
        variants = sorted(k[1] for k in parts if isinstance(k, tuple) and k[0] == "eval")
        for v in variants:
            cells = parts[("eval", v)]  # type: ignore[assignment]
            specs.append(
                ResultSpec(stem, "positive" + (f"_{v}" if v else ""), "eval" + v, count=cells.get("counteval"),
                           pct=cells.get("pcteval"), base_uw=parts.get(f"baseeval{v}uw"),  # type: ignore[arg-type]
                           base_w=parts.get(f"baseeval{v}w"), lower=cells.get("lowileval"),  # type: ignore[arg-type]
                           upper=cells.get("hiwileval"))
            )  # fmt: skip
        if not options and not variants and parts.get("basefulluw"):
            specs.append(
                ResultSpec(stem, "all", None, base_uw=parts.get("basefulluw"), base_w=parts.get("basefullw"))
            )  # type: ignore[arg-type]
    return specs


def plan_header(
    header: Sequence[str], generation: str, positive: Mapping[str, str] | None = None
) -> HeaderPlan:
    """Classify every column of a results file; ``positive`` maps a qN stem to its summary code."""
    level, code_column, name_column = "national", None, None
    for lvl, code_col, name_col in LEVELS[generation]:
        if code_col in header:
            level, code_column, name_column = lvl, code_col, (name_col if name_col in header else None)
            break
    parents = {out: col for out, col in PARENTS[generation].items() if col in header and col != code_column}
    used: set[str] = set()
    if generation == GEN_C:
        specs = _dot_specs(header, used)
        ids = {c for c in header if c.startswith("ad_")} | {"national"}
    else:
        specs = _qn_specs(header, positive or {}, used)
        ids = set(IDS_A if generation == GEN_A else IDS_B)
    context = [c for c in CONTEXT_COLUMNS if c in header]
    known = used | ids | set(context)
    unrecognised = [c for c in header if c not in known]
    return HeaderPlan(
        generation, level, code_column, name_column, parents, context, specs, unrecognised, list(header)
    )
