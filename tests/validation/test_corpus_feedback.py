"""The bad-input corpus, feedback sources (FFT, complaints, Healthwatch, stories): exact outcomes.

The good sample of the four sources is loaded once per module on top of the reference (their geography
comes from it) and must pass every suite through Great Expectations; each case then works on a copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.gx_resource import GreatExpectationsResource
from tests.validation.corpus import FEEDBACK_CASES, Case
from tests.validation.harness import load_baseline, run_case

SOURCES = ["fft", "complaints", "healthwatch", "stories"]


@pytest.fixture(scope="module")
def gx() -> GreatExpectationsResource:
    return GreatExpectationsResource()


@pytest.fixture(scope="module")
def loaded(
    sample_landing: Path, tmp_path_factory: pytest.TempPathFactory, gx: GreatExpectationsResource
) -> dict:
    """A warehouse holding the reference and every good feedback-source sample file, with its baseline."""
    warehouse = tmp_path_factory.mktemp("corpus_feedback") / "good.duckdb"
    return load_baseline(sample_landing, warehouse, SOURCES, gx, support=["reference"])


@pytest.mark.parametrize("case", FEEDBACK_CASES, ids=lambda c: c.name)
def test_bad_file_has_its_exact_outcome(
    case: Case, loaded: dict, tmp_path: Path, gx: GreatExpectationsResource
) -> None:
    run_case(case, loaded, tmp_path, gx)
