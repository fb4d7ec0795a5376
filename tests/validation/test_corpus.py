"""The bad-input corpus, reference and GPPS: every malformed file has exactly its documented outcome.

One warehouse is loaded from the good sample once per module; each case works on a copy of it (see
``harness.run_case``). The feedback sources' cases run in ``test_corpus_feedback.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.gx_resource import GreatExpectationsResource
from tests.validation.corpus import CASES, GPPS_CASES, REFERENCE_CASES, Case
from tests.validation.harness import load_baseline, run_case

SOURCES = ["reference", "gpps"]  # reference first: GPPS looks practices up in it


@pytest.fixture(scope="module")
def gx() -> GreatExpectationsResource:
    return GreatExpectationsResource()


@pytest.fixture(scope="module")
def loaded(
    sample_landing: Path, tmp_path_factory: pytest.TempPathFactory, gx: GreatExpectationsResource
) -> dict:
    """A warehouse holding every good reference and GPPS sample file, with its baseline."""
    return load_baseline(sample_landing, tmp_path_factory.mktemp("corpus") / "good.duckdb", SOURCES, gx)


def test_corpus_is_big_enough_and_names_are_unique() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    per_source = {
        s: sum(c.source == s for c in CASES) for s in ("fft", "complaints", "healthwatch", "stories")
    }
    assert min(per_source.values()) >= 4, per_source


@pytest.mark.parametrize("case", [*REFERENCE_CASES, *GPPS_CASES], ids=lambda c: c.name)
def test_bad_file_has_its_exact_outcome(
    case: Case, loaded: dict, tmp_path: Path, gx: GreatExpectationsResource
) -> None:
    run_case(case, loaded, tmp_path, gx)
