"""Reference re-derivation for the tests: weighted GPPS outcomes by geography × demographic group from
respondent-level answers, computed independently of the marts (which use marts/gpps_respondent_estimates.sql).

The sums that need every respondent (Σw, Σw², Σw·y, n) are taken inside DuckDB; the per-cell statistics
are then the house's own: p = Σw·y / Σw and Kish n_eff = (Σw)² / Σw² as in
``pipelines.methods.intervals.weighted_proportion`` (a test checks the two agree cell by cell), and the interval is
``pipelines.methods.intervals.wilson_on_effective_n``. Cells with fewer than 10 unweighted respondents are suppressed
(GPPS rule, docs/DESIGN.md section 8).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from pipelines.methods.intervals import wilson_on_effective_n
from pipelines.sources.gpps.effective_n import DESIGN_EFFECT as PUBLISHED_DESIGN_EFFECT

MIN_UNWEIGHTED = 10

# geography → the column of the practice's geography of that survey year that names it
GEOGRAPHIES = {
    "practice": "s.practice_code",
    "pcn": "g.pcn_code",
    "sub_icb": "g.sub_icb_code",
    "icb": "g.icb_code",
    "region": "g.region_code",
    "england": "'E92000001'",
}
GROUP_COLUMNS = {
    "age_band": "s.age_band",
    "sex": "s.sex",
    "ethnicity": "s.ethnicity",
    "ethnicity_band": "s.ethnicity_band",
    "gender_identity": "s.gender_identity",
    "disability": "s.disability",
    "carer": "s.carer",
    "sexual_orientation": "s.sexual_orientation",
    "religion": "s.religion",
    "deprivation_quintile": "CAST(d.deprivation_quintile AS VARCHAR)",
    "deprivation_decile": "CAST(d.deprivation_decile AS VARCHAR)",
}


def outcome_sums_sql(geography: str, group_dims: Sequence[str]) -> str:
    """SQL for Σw, Σw², Σw·y and n per survey year, measure, geography and group."""
    if geography not in GEOGRAPHIES:
        raise ValueError(f"unknown geography {geography!r}; expected one of {', '.join(GEOGRAPHIES)}")
    unknown = [d for d in group_dims if d not in GROUP_COLUMNS]
    if unknown:
        raise ValueError(
            f"unknown group dimension(s) {', '.join(unknown)}; expected {', '.join(GROUP_COLUMNS)}"
        )
    groups = "".join(f", coalesce({GROUP_COLUMNS[d]}, 'Not stated') AS {d}" for d in group_dims)
    # The practice's geography in the survey year: its version valid on 1 January, its first version for
    # earlier years and its last for later ones.
    return f"""
        WITH geo AS (
            SELECT *, valid_from = min(valid_from) OVER (PARTITION BY practice_code) AS is_first,
                   valid_from = max(valid_from) OVER (PARTITION BY practice_code) AS is_last
            FROM ref.practice_geography_versions
        )
        SELECT s.survey_year, s.measure_id, {GEOGRAPHIES[geography]} AS geography_code{groups},
               count(*) AS unweighted_n, sum(s.weight) AS sum_w, sum(s.weight * s.weight) AS sum_w2,
               sum(s.weight * CAST(s.is_positive AS INTEGER)) AS sum_wy
        FROM staged.survey_responses s
        LEFT JOIN geo g ON g.practice_code = s.practice_code
             AND (make_date(s.survey_year, 1, 1) >= g.valid_from OR g.is_first)
             AND (g.is_last OR make_date(s.survey_year, 1, 1) < g.valid_to)
        LEFT JOIN ref.practice_deprivation d ON d.practice_code = s.practice_code
        WHERE s.measure_id IS NOT NULL AND s.is_positive IS NOT NULL
        GROUP BY ALL
        ORDER BY ALL
    """


def weighted_outcomes(
    con: duckdb.DuckDBPyConnection,
    geography: str = "icb",
    group_dims: Sequence[str] = (),
    conf: float = 0.95,
    min_unweighted: int = MIN_UNWEIGHTED,
) -> pd.DataFrame:
    """Weighted proportion positive, Kish n_eff and Wilson interval per year × measure × geography × group.

    ``geography`` is one of practice, pcn, sub_icb, icb, region, england; ``group_dims`` any of the
    people-vocabulary columns of ``staged.survey_responses`` plus deprivation_quintile / _decile of the
    practice. Answers outside a measure's evaluative base are not counted (they are not a "no").
    """
    cells = con.execute(outcome_sums_sql(geography, group_dims)).df()
    sum_w = cells["sum_w"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = cells["sum_wy"].to_numpy(dtype=float) / sum_w
        n_eff = sum_w**2 / cells["sum_w2"].to_numpy(dtype=float)
    lower, upper = wilson_on_effective_n(p, n_eff, conf)
    suppressed = cells["unweighted_n"].to_numpy() < min_unweighted
    out = cells.drop(columns=["sum_w2", "sum_wy"]).rename(columns={"sum_w": "weighted_base"})
    out["weighted_proportion"] = np.where(suppressed, np.nan, p)
    out["n_eff"] = np.where(suppressed, np.nan, n_eff)
    out["ci_lower"] = np.where(suppressed, np.nan, lower)
    out["ci_upper"] = np.where(suppressed, np.nan, upper)
    out["weighted_base"] = np.where(suppressed, np.nan, out["weighted_base"])
    out["suppressed"] = suppressed
    out.insert(2, "geography_level", geography)
    return out


def published_interval(
    proportion: float | np.ndarray,
    unweighted_base: float | np.ndarray,
    design_effect: float = PUBLISHED_DESIGN_EFFECT,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """The Wilson interval GPPS publishes: Wilson on n_eff = unweighted base / design effect."""
    return wilson_on_effective_n(proportion, np.asarray(unweighted_base, dtype=float) / design_effect)
