"""The sample's two respondent extracts (2021 and 2023) differ only where the generator planted a change:
the same respondents, the same answers, except phone access and making an appointment, whose answers move
only the way the widening deprivation gap says (issue 19: no change where none was planted)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipelines.sample.ics import PLANTED, synthetic_ics
from pipelines.sources.gpps.catalogue import catalogue
from pipelines.sources.gpps.sample import EXTRACT_QUESTIONS

WIDENING = PLANTED["widening_deprivation_gap"]
PLANTED_MEASURES = ("phone_access", "making_appointment")
RESPONDENT = ["practice_code", "weight", "age_band", "sex", "ethnicity"]


def extracts(sample_landing: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    earlier, later = (
        pd.read_csv(
            sample_landing / "gpps" / f"gpps_{year}_respondent_extract.csv", dtype=str, keep_default_na=False
        )
        for year in (WIDENING["earlier_year"], WIDENING["later_year"])
    )
    return earlier, later


def test_both_years_have_the_same_respondents(sample_landing: Path) -> None:
    earlier, later = extracts(sample_landing)
    assert len(earlier) == len(later) > 5000
    pd.testing.assert_frame_equal(earlier[RESPONDENT], later[RESPONDENT])
    assert set(earlier.survey_year) == {str(WIDENING["earlier_year"])} and set(later.survey_year) == {"2023"}


def test_only_the_planted_measures_change_and_only_the_planted_way(sample_landing: Path) -> None:
    earlier, later = extracts(sample_landing)
    shared = [stem for stem in EXTRACT_QUESTIONS if stem in earlier.columns and stem in later.columns]
    planted = [stem for stem in shared if EXTRACT_QUESTIONS[stem][0] in PLANTED_MEASURES]
    assert len(shared) >= 8 and len(planted) == 2
    for stem in set(shared) - set(planted):
        assert (earlier[stem] == later[stem]).all(), stem
    deprivation = later.practice_code.map({p.code: p.deprivation for p in synthetic_ics().practices})
    positive_codes = {m.question: set(m.positive_codes) for m in catalogue() if m.survey_year == 2023}
    for stem in planted:
        changed = earlier[stem] != later[stem]
        # A changed answer is one that crossed between positive and negative, in the direction the gap widens:
        # worse in practices more deprived than the middle, better in the less deprived ones.
        was = earlier.loc[changed, stem].isin(positive_codes[stem])
        now = later.loc[changed, stem].isin(positive_codes[stem])
        assert (was != now).all(), stem
        worse = was & ~now
        assert (deprivation[changed][worse] > 0.5).all() and (deprivation[changed][~worse] < 0.5).all(), stem
        assert worse.sum() > 50 and (~worse).sum() > 50, stem  # the plant has teeth both ways
