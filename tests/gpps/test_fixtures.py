"""Hand-written real-shaped fixtures (a few practices, real column names) and the real 2026 excerpt."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.defs.gpps.checks import CATALOGUE_IN_VARIABLES_SQL
from pipelines.sources.gpps.catalogue import measures_for_year
from tests.conftest import query
from tests.gpps.helpers import FIXTURES, ingest, landing_with
from tests.gpps.weighted_outcomes import published_interval

GEN_A = FIXTURES / "GPPS_2017_Practice_data_(weighted)_(csv)_PUBLIC.csv"
GEN_B = FIXTURES / "GPPS_2022_Practice_data_(weighted)_(csv)_PUBLIC.csv"
GEN_C = FIXTURES / "GPPS_2024_Practice_data_(weighted)_(csv)_PUBLIC.csv"
EXTRACT = FIXTURES / "gpps_2023_respondents_local_extract.csv"
RESULT_COLUMNS = (
    "weighted_proportion, weighted_count, unweighted_base, weighted_base, ci_lower, ci_upper, suppressed"
)


def result(warehouse: Path, org: str, question: str, option: str, year: int | None = None) -> tuple:
    rows = query(
        warehouse,
        f"SELECT {RESULT_COLUMNS} FROM staged.gpps_results WHERE org_code = ? AND question = ? AND response_option = ?"
        + (" AND survey_year = ?" if year else ""),
        [org, question, option] + ([year] if year else []),
    )
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three generation fixtures and the respondent extract, ingested once."""
    tmp = tmp_path_factory.mktemp("fixtures")
    landing = landing_with(tmp, GEN_A, GEN_B, GEN_C, EXTRACT)
    warehouse = tmp / "w.duckdb"
    report = ingest(warehouse, landing)
    assert not report.failed, report.summary_markdown()
    return warehouse


def test_generations_detected_from_content(loaded: Path) -> None:
    layouts = dict(query(loaded, "SELECT path, layout FROM meta.ingest_ledger"))
    assert layouts == {
        f"gpps/{GEN_A.name}": "gpps_results_2017_2021",
        f"gpps/{GEN_B.name}": "gpps_results_2022_2023",
        f"gpps/{GEN_C.name}": "gpps_results_2024_on",
        f"gpps/{EXTRACT.name}": "gpps_respondent_extract",
    }


def test_2017_values_leading_dot_and_bases(loaded: Path) -> None:
    # q28 has no evaluative base: the summary sits on the full base.
    assert result(loaded, "A81001", "q28", "positive") == (0.84, 92.4, 110.0, None, None, None, False)
    # Trust was Q22 in 2017: summary on the evaluative base (q22_123base), "don't know" on the full base.
    assert result(loaded, "A81001", "q22", "positive") == (0.894, 90.3, 101.0, None, None, None, False)
    assert result(loaded, "A81001", "q22", "4") == (0.0648, 7.0, 108.0, None, None, None, False)
    measure = query(loaded, "SELECT DISTINCT measure_id FROM staged.gpps_results WHERE question = 'q22'")
    assert measure == [("confidence_trust",)]
    rates = query(
        loaded,
        "SELECT response_rate FROM staged.gpps_response_rates WHERE org_code = 'A81001' AND survey_year = 2017",
    )
    assert rates == [(0.424812030075188,)]


def test_sentinels_become_null_and_suppressed_never_zero(loaded: Path) -> None:
    assert result(loaded, "A81003", "q28", "positive") == (None, None, 8.0, None, None, None, True)
    # '*', '-' and blank are suppressions too; the bases survive.
    assert result(loaded, "A81003", "q22", "1") == (None, None, 6.0, None, None, None, True)
    assert result(loaded, "A81003", "q22", "4") == (None, None, 7.0, None, None, None, True)
    assert query(
        loaded, "SELECT count(*) FROM staged.gpps_results WHERE suppressed AND weighted_proportion = 0"
    ) == [(0,)]


def test_2022_upper_case_headers_ci_and_quarantine(loaded: Path) -> None:
    assert result(loaded, "A81001", "q89", "positive") == (0.9209, 101.3, 110.0, None, 0.8718, 0.9521, False)
    quarantined = query(
        loaded,
        "SELECT source_row, rule, value FROM quarantine.rows WHERE source_file LIKE '%2022%' ORDER BY source_row",
    )
    assert quarantined == [(3, "practice_in_geography", "Z99999"), (4, "values_numeric", "n/a")]
    ledger = query(
        loaded,
        "SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger WHERE path LIKE '%2022%'",
    )
    assert ledger == [(4, 2, 2)]
    orgs = query(
        loaded, "SELECT DISTINCT org_code FROM staged.gpps_results WHERE survey_year = 2022 ORDER BY 1"
    )
    assert orgs == [("A81001",), ("A81002",)]


def test_2024_new_series(loaded: Path) -> None:
    positive = result(loaded, "A81001", "localgpservicesphone", "positive")
    assert positive == (0.576536312849162, 51.6, 90.0, 89.5, 0.4736, 0.6735, False)
    assert result(loaded, "A81001", "localgpservicesphone", "1") == (
        0.095959595959596,
        9.5,
        99.0,
        99.0,
        None,
        None,
        False,
    )
    assert result(loaded, "A81003", "localgpservicesphone", "positive") == (
        None,
        None,
        6.0,
        None,
        None,
        None,
        True,
    )
    series = query(
        loaded, "SELECT DISTINCT series, measure_id FROM staged.gpps_results WHERE survey_year = 2024"
    )
    assert series == [("2024+", "phone_access")]


def test_respondent_extract_with_mapped_headers_and_codes(loaded: Path) -> None:
    rows = query(
        loaded,
        """SELECT respondent_id, practice_code, weight, age_band, sex, ethnicity, ethnicity_band, question,
                  answer_code, is_positive FROM staged.survey_responses ORDER BY respondent_id, question""",
    )
    by_key = {(r[0], r[7]): r for r in rows}
    # Codes decoded through the composition questions, then harmonised to the people vocabulary.
    assert by_key[("R1", "q28")][2:7] == (
        1.2,
        "16-24",
        "Male",
        "Asian or Asian British: Bangladeshi",
        "Asian",
    )
    assert by_key[("R1", "q3")][8:] == (3, False)  # not very easy
    assert by_key[("R2", "q3")][8:] == (1, True)
    assert by_key[("R3", "q3")][8:] == (5, None)  # haven't tried: outside the evaluative base
    assert by_key[("R3", "q28")][3:7] == ("Under 16", "Female", "Asian or Asian British: Indian", "Asian")
    assert ("R5", "q28") not in by_key and ("R5", "q3") not in by_key  # -99 and blank: not answered
    assert by_key[("R6", "q28")][8:] == (5, False)
    assert query(
        loaded, "SELECT rule, value FROM quarantine.rows WHERE source_file LIKE '%respondents%'"
    ) == [("weight_positive", "heavy")]
    cells = query(loaded, "SELECT count(*) FROM raw.gpps_respondent_cells")
    assert cells == [(6 * 9,)]


def test_unknown_header_fails_clearly_and_loads_nothing(tmp_path: Path) -> None:
    text = GEN_B.read_text().splitlines()
    text[0] = text[0] + ",q89.newstat2027"
    text[1:] = [line + ",1" for line in text[1:]]
    bad = tmp_path / "GPPS_2022_Practice_data_new.csv"
    bad.write_text("\n".join(text) + "\n")
    other = tmp_path / "GPPS_2022_mystery.csv"
    other.write_text("colour,shape\nred,round\n")
    landing = landing_with(tmp_path, bad, other)
    warehouse = tmp_path / "w.duckdb"
    report = ingest(warehouse, landing)
    (failed,) = report.failed
    assert failed.error.startswith(
        "gpps/GPPS_2022_Practice_data_new.csv: read as gpps_results_2022_2023 but 1 column(s)"
    )
    assert "q89.newstat2027" in failed.error
    (unrecognised,) = report.by_status("unrecognised")
    assert "layout not recognised for source 'gpps'" in unrecognised.error
    assert query(warehouse, "SELECT count(*) FROM staged.gpps_results") == [(0,)]
    assert query(warehouse, "SELECT status FROM meta.ingest_ledger ORDER BY path") == [
        ("failed",),
        ("failed",),
    ]


def test_rerun_does_not_duplicate_and_a_changed_file_replaces_its_rows(tmp_path: Path) -> None:
    landing = landing_with(tmp_path, GEN_A, EXTRACT)
    warehouse = tmp_path / "w.duckdb"
    ingest(warehouse, landing)
    before = query(warehouse, "SELECT count(*), sum(weighted_count) FROM staged.gpps_results")
    responses = query(warehouse, "SELECT count(*) FROM staged.survey_responses")
    report = ingest(warehouse, landing)
    assert {o.status for o in report.outcomes} == {"skipped"}
    assert query(warehouse, "SELECT count(*), sum(weighted_count) FROM staged.gpps_results") == before
    assert query(warehouse, "SELECT count(*) FROM staged.survey_responses") == responses
    target = landing / "gpps" / GEN_A.name
    target.write_text(target.read_text().replace(",92.4,", ",93.4,"))
    ingest(warehouse, landing)
    assert query(warehouse, "SELECT count(*) FROM staged.gpps_results") == [(before[0][0],)]
    assert result(warehouse, "A81001", "q28", "positive")[1] == 93.4


def test_practice_file_needs_geography(tmp_path: Path) -> None:
    landing = landing_with(tmp_path, GEN_A)
    report = ingest(tmp_path / "w.duckdb", landing, geography=False)
    (failed,) = report.failed
    assert "no practice geography is loaded" in failed.error


def test_real_2026_national_excerpt_parsed_exactly(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "gpps" / "gpps_2026_national_excerpt_first25cols.csv"
    landing = landing_with(tmp_path, source)
    warehouse = tmp_path / "w.duckdb"
    report = ingest(warehouse, landing, geography=False)
    assert [o.status for o in report.outcomes] == ["loaded"]
    rows = query(
        warehouse,
        f"SELECT response_option, {RESULT_COLUMNS}, level, org_code, measure_id, series FROM staged.gpps_results "
        "ORDER BY response_option",
    )
    got = {r[0]: r[1:] for r in rows}
    assert set(got) == {"1", "2", "3", "4", "5", "6", "positive"}
    assert got["positive"] == (
        0.568864572315908, 339165.388313143, 613457.0, 596214.643728585, 0.566930842824648, 0.570796204203842, False,
        "national", "E92000001", "phone_access", "2024+",
    )  # fmt: skip
    assert got["1"][:4] == (0.0880090842215753, 57535.9950260668, 653363.0, 653750.638754651)
    assert got["6"][:2] == (0.106915912903641, 63744.8329207609)
    rates = query(
        warehouse,
        "SELECT distributed, received, response_rate, population_size FROM staged.gpps_response_rates",
    )
    assert rates == [(2968415.0, 654714.0, 0.220560130574734, 51580330.0)]
    # The published pct is count / base, never a sum of option percentages.
    assert got["positive"][1] / got["positive"][3] == pytest.approx(got["positive"][0], abs=1e-12)


def test_wilson_on_effective_n_reproduces_published_2026_interval(shared_data: Path) -> None:
    import csv

    with (shared_data / "gpps" / "gpps_2026_national_excerpt_first25cols.csv").open() as handle:
        row = next(csv.DictReader(handle))
    p = float(row["localgpservicesphone.pcteval"])
    base = float(row["localgpservicesphone.baseevaluw"])
    lower, upper = published_interval(p, base)
    assert lower == pytest.approx(float(row["localgpservicesphone.lowileval"]), abs=1e-6)
    assert upper == pytest.approx(float(row["localgpservicesphone.hiwileval"]), abs=1e-6)
    # And the effective n matters: the plain unweighted base gives a visibly narrower interval.
    narrow_lower, _ = published_interval(p, base, design_effect=1.0)
    assert abs(narrow_lower - float(row["localgpservicesphone.lowileval"])) > 1e-4


def test_catalogue_trust_question_moves() -> None:
    assert measures_for_year(2017)["q22"].measure_id == "confidence_trust"
    assert measures_for_year(2017)["q22"].question_number == "Q22"
    assert measures_for_year(2018)["q89"].measure_id == "confidence_trust"
    assert "q22" not in measures_for_year(2018)
    assert measures_for_year(2024)["localgpservicesphone"].series == "2024+"


def test_catalogue_matches_real_2023_reporting_variables(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "gpps" / "gpps_2023_practice_reporting_variables.csv"
    landing = landing_with(tmp_path, source)
    warehouse = tmp_path / "w.duckdb"
    report = ingest(warehouse, landing, geography=False)
    assert [o.status for o in report.outcomes] == ["loaded"]
    assert query(warehouse, "SELECT count(*) FROM ref.gpps_variables WHERE survey_year = 2023") == [(1001,)]
    # The asset check's own SQL: every catalogue stem of 2023 is in the real list.
    assert query(warehouse, CATALOGUE_IN_VARIABLES_SQL) == []
    assert query(
        warehouse, "SELECT count(DISTINCT measure_id) FROM ref.gpps_measures WHERE survey_year = 2023"
    ) == [(len(measures_for_year(2023)),)]
