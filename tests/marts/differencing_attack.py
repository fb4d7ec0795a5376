"""A reader's differencing attack on ``marts.metric_by_group``, written from the published contract alone.

Every row's weighted base (``denominator``, Σw) is published exactly unless the row is suppressed, and the rows of
one cell (geography, boundaries, period, metric, source) add up in ways the contract states: the overall row is the
sum of each dimension's groups; an ethnic group band the sum of its groups (the published vocabulary); and each
group of an intersection's two dimensions ('age_band x sex') the sum of the intersection's groups that carry it
('16-24 | Male', '16-24 | Female' … for age band '16-24'). A reader who writes all of a cell's equations down at
once and solves them can recover a suppressed row's base exactly when that row is fixed by the equations whatever
the other suppressed rows hold: when its unit vector lies in the row space of the equations restricted to the
suppressed rows. That is stronger than checking each total and its parts one at a time (a cell of a two-way table
can be pinned by a chain of rows and columns, each with two suppressed cells). Nothing here is imported from the
code that applied the rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.people import ETHNICITY

CELL = ["geography_level", "geography_code", "boundaries", "period", "metric_id", "source"]
BAND_OF = {group: band for _, group, band in ETHNICITY}


def _equations(dimensions: list[str], groups: list[str]) -> list[tuple[int, list[int]]]:
    """(total, parts) positions among one cell's rows (their dimensions and groups) for every sum the contract
    promises."""
    where = {(d, g): i for i, (d, g) in enumerate(zip(dimensions, groups, strict=True))}
    overall = where.get(("overall", "All"))
    sums: dict[tuple[int, str], list[int]] = {}
    for (dimension, group), i in where.items():
        if dimension == "overall":
            continue
        if overall is not None:
            sums.setdefault((overall, dimension), []).append(i)
        if dimension == "ethnicity" and ("ethnicity_band", BAND_OF.get(group)) in where:
            sums.setdefault((where[("ethnicity_band", BAND_OF[group])], dimension), []).append(i)
        names, parts = dimension.split(" x "), group.split(" | ")
        if len(names) == 2 and len(parts) == 2:
            for margin in zip(names, parts, strict=True):
                if margin in where:
                    sums.setdefault((where[margin], dimension), []).append(i)
    return [(total, members) for (total, _), members in sums.items()]


def pinned_suppressed(dimensions: list[str], groups: list[str], suppressed: np.ndarray) -> np.ndarray:
    """Positions among one cell's rows of the suppressed rows whose base the cell's equations pin down."""
    hidden = np.flatnonzero(suppressed)
    if not len(hidden):
        return hidden
    column = {row: k for k, row in enumerate(hidden)}
    matrix = []
    for total, parts in _equations(dimensions, groups):
        line = np.zeros(len(hidden))
        if total in column:
            line[column[total]] += 1.0
        for part in parts:
            if part in column:
                line[column[part]] -= 1.0
        if line.any():
            matrix.append(line)
    if not matrix:
        return hidden[:0]
    _, singular, vt = np.linalg.svd(np.array(matrix), full_matrices=True)
    basis = vt[: int((singular > 1e-9).sum())]
    # A suppressed row is pinned when its unit vector is its own projection onto the equations' row space.
    return hidden[np.isclose((basis * basis).sum(axis=0), 1.0, atol=1e-9)]


def recoverable_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The suppressed rows of ``table`` (published metric_by_group rows) a reader recovers by differencing."""
    table = table.reset_index(drop=True)
    dimensions = table["dimension"].astype(str).to_numpy()
    groups = table["group_value"].astype(str).to_numpy()
    suppressed = table["denominator"].isna().to_numpy()
    found: list[int] = []
    for rows in table.groupby(CELL, dropna=False, sort=False).indices.values():
        if suppressed[rows].any():
            pinned = pinned_suppressed(list(dimensions[rows]), list(groups[rows]), suppressed[rows])
            found.extend(rows[pinned].tolist())
    return table.iloc[sorted(found)]
