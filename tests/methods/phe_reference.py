"""Where the PHEindicatormethods reference fixtures live (../shared/data/phe-methods, see SOURCE.txt there)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

PHE_FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "phe-methods"


def phe_fixture(name: str, sheet: str | int = 0) -> pd.DataFrame:
    """One PHEindicatormethods test-data file, read as the R package's own tests read it.

    Skips, naming the file, when it is not in the shared folder: SOURCE.txt there lists the package's
    DSR/ISR, ratio/rate funnel and trend-marker files, which have not all been copied yet.
    """
    path = PHE_FIXTURES / name
    if not path.is_file():
        pytest.skip(
            f"PHE reference fixture {name} is not in {PHE_FIXTURES} (copy it from PHEindicatormethods' tests)"
        )
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="utf-8-sig")
    return pd.read_excel(path, sheet_name=sheet, engine="openpyxl")
