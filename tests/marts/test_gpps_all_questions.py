"""Every evaluative GPPS question reaches the marts, read from files in the real header generations: the
sample's 2019 (2017-2021 headers), 2023 (2022-2023) and 2025 (2024+) practice, CCG / ICS and national files
for a synthetic ICS, and the real 2026 England row (its first 25 columns). Each evaluative question in a file
gives a ``marts.metric_by_group`` row per organisation; ``marts.gpps_question_options`` holds each option's
share exactly as the file published it; nothing of the 2017-2023 series is compared with 2024+."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pipelines.core.store import open_store
from pipelines.marts import build
from pipelines.sample.ics import SEED, synthetic_ics
from pipelines.sources.gpps import grammar as G
from pipelines.sources.gpps.catalogue import measures_for_year
from pipelines.sources.gpps.sample import write_dot_files, write_qn_files
from tests.conftest import query
from tests.gpps.helpers import ingest, landing_with, seed_geography

REAL_2026 = "GPPS_2026_National_data_(weighted)_(csv)_PUBLIC.csv"


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [c.strip().lower() for c in next(csv.reader(handle))]


def _evaluative_questions(path: Path, year: int) -> set[str]:
    """The catalogue's evaluative questions whose positive share the file publishes (read from its header)."""
    header = _header(path)
    generation = G.detect_generation(header, year)
    assert generation is not None, path
    measures = measures_for_year(year)
    plan = G.plan_header(header, generation, {q: m.summary_code for q, m in measures.items()})
    return {s.question for s in plan.specs if s.response_option == "positive" and s.question in measures}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, dict[Path, int]]:
    """A store with every file ingested and both marts built; and each results file with its survey year."""
    tmp = tmp_path_factory.mktemp("gpps_all")
    ics = synthetic_ics(practices_per_sub_icb=4)
    folder = tmp / "written"
    rng = np.random.default_rng([SEED, 3])
    files = {p: 2019 for p in write_qn_files(ics, folder, 2019, rng)}
    files |= {p: 2023 for p in write_qn_files(ics, folder, 2023, rng)}
    files |= {p: 2025 for p in write_dot_files(ics, folder, 2025, rng)}
    real = shared_data / "gpps" / "gpps_2026_national_excerpt_first25cols.csv"
    landing = landing_with(tmp, *files, (real, REAL_2026))
    files[landing / "gpps" / REAL_2026] = 2026
    warehouse = tmp / "w.duckdb"
    practices = [
        row
        for p in ics.practices
        for row in (("2017-04-01", "CCG", p.code, p.old_ccg, ics.icb_code),
                    ("2022-07-01", "ICB", p.code, p.sub_icb, ics.icb_code))
    ]  # fmt: skip
    with open_store(warehouse) as con:
        seed_geography(con, practices)
    report = ingest(warehouse, landing)
    assert not report.failed, report.summary_markdown()
    with open_store(warehouse) as con:
        build.build_metric_by_group(con)
        build.build_gpps_question_options(con)
    return warehouse, {p: y for p, y in files.items() if p.name.startswith("GPPS_")}


def test_every_evaluative_question_in_a_file_gives_a_metric_row(store: tuple[Path, dict[Path, int]]) -> None:
    warehouse, files = store
    published = query(
        warehouse,
        """SELECT DISTINCT m.period, g.question, m.geography_level FROM marts.metric_by_group m
           JOIN ref.gpps_measures g ON g.measure_id = m.metric_id AND CAST(g.survey_year AS VARCHAR) = m.period
           WHERE m.source = 'gpps_published' AND m.dimension = 'overall'""",
    )
    by_file: dict[tuple[str, str], set[str]] = {}
    for period, question, level in published:
        by_file.setdefault((period, level), set()).add(question)
    levels = {"Practice": "practice", "CCG": "sub_icb", "ICS": "icb", "National": "england"}
    for path, year in files.items():
        level = levels[path.name.split("_")[2]]
        expected = _evaluative_questions(path, year)
        assert expected, path.name
        assert expected <= by_file.get((str(year), level), set()), path.name
    # Every evaluative question of each generation is in some file, so each reached the marts.
    assert {q for (period, _), qs in by_file.items() if period == "2023" for q in qs} == set(
        measures_for_year(2023)
    )
    assert {q for (period, _), qs in by_file.items() if period == "2025" for q in qs} == set(
        measures_for_year(2025)
    )
    assert by_file[("2026", "england")] == {"localgpservicesphone"}


def test_the_real_2026_england_row_is_published_as_ipsos_published_it(
    store: tuple[Path, dict[Path, int]], shared_data: Path
) -> None:
    warehouse, _ = store
    with (shared_data / "gpps" / "gpps_2026_national_excerpt_first25cols.csv").open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    ((value, lower, upper, n),) = query(
        warehouse,
        """SELECT value, lower_95, upper_95, unweighted_n FROM marts.metric_by_group
           WHERE period = '2026' AND metric_id = 'phone_access' AND geography_code = 'E92000001'""",
    )
    assert value == pytest.approx(float(row["localgpservicesphone.pcteval"]), abs=1e-12)
    assert (lower, upper) == pytest.approx(
        (float(row["localgpservicesphone.lowileval"]), float(row["localgpservicesphone.hiwileval"])),
        abs=1e-12,
    )
    assert n == float(row["localgpservicesphone.baseevaluw"])
    options = dict(
        query(
            warehouse,
            """SELECT option_code, share FROM marts.gpps_question_options
               WHERE period = '2026' AND question = 'localgpservicesphone' AND geography_code = 'E92000001'""",
        )
    )
    assert options == {
        str(k): pytest.approx(float(row[f"localgpservicesphone_{k}.pct"]), abs=1e-12) for k in range(1, 7)
    }


def test_an_option_share_is_the_published_value_with_its_base_and_label(
    store: tuple[Path, dict[Path, int]],
) -> None:
    warehouse, files = store
    practice_2023 = next(p for p, y in files.items() if y == 2023 and "Practice" in p.name)
    with practice_2023.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["practice_code"] != "X99999"]
    row = next(r for r in rows if float(r["q86bbase"]) >= 10)
    published = query(
        warehouse,
        """SELECT option_code, option_label, share, unweighted_base, share_of, is_positive, suppressed
           FROM marts.gpps_question_options
           WHERE period = '2023' AND question = 'q86b' AND geography_code = ? ORDER BY option_code""",
        [row["practice_code"]],
    )
    assert [r[0] for r in published] == ["1", "2", "3", "4", "5", "6"]
    assert [r[1] for r in published][:2] == ["Very good", "Good"]
    for code, _, share, base, share_of, positive, suppressed in published:
        assert not suppressed
        assert share == pytest.approx(float(row[f"q86b_{code}pct"]), abs=1e-9)
        # Options inside the evaluative base are shares of it; "doesn't apply" is a share of everyone.
        base_column = "q86b_12345base" if code != "6" else "q86bbase"
        assert share_of == ("evaluative_base" if code != "6" else "full_base")
        assert base == 5 * np.floor(float(row[base_column]) / 5 + 0.5)
        assert positive == (code in {"1", "2"})


def test_an_option_on_fewer_than_ten_respondents_is_withheld(store: tuple[Path, dict[Path, int]]) -> None:
    warehouse, _ = store
    small = query(
        warehouse,
        """SELECT count(*), count(share), count(unweighted_base) FROM marts.gpps_question_options
           WHERE suppressed""",
    )[0]
    assert small[0] > 0 and small[1:] == (0, 0)
    # No share published on a base under 10, and every base below England rounded to 5.
    assert query(
        warehouse,
        """SELECT count(*) FROM marts.gpps_question_options
           WHERE share IS NOT NULL AND (unweighted_base < 10
                 OR (geography_level <> 'england' AND unweighted_base % 5 <> 0))""",
    ) == [(0,)]


def test_no_question_is_compared_across_the_2023_2024_series_break(
    store: tuple[Path, dict[Path, int]],
) -> None:
    warehouse, _ = store
    # Measures asked in both series (the same metric_id): 2025 rows never look back to a 2017-2023 year.
    both = query(
        warehouse,
        """SELECT count(DISTINCT metric_id) FROM marts.metric_by_group WHERE source = 'gpps_published'
           AND metric_id IN (SELECT metric_id FROM marts.metric_by_group WHERE period = '2023')
           AND period = '2025'""",
    )[0][0]
    assert both >= 10
    crossing = query(
        warehouse,
        """SELECT period, metric_id, previous_period, earliest_period FROM marts.metric_by_group
           WHERE source LIKE 'gpps%' AND series = '2024+'
             AND (CAST(previous_period AS INTEGER) < 2024 OR CAST(earliest_period AS INTEGER) < 2024)""",
    )
    assert crossing == []
    # Within a series the change is computed: 2023 against 2019.
    assert (
        query(
            warehouse,
            """SELECT count(DISTINCT metric_id) FROM marts.metric_by_group
           WHERE source = 'gpps_published' AND period = '2023' AND previous_period = '2019'""",
        )[0][0]
        >= 10
    )


def test_polarity_comes_from_the_catalogue(store: tuple[Path, dict[Path, int]]) -> None:
    warehouse, _ = store
    polarity = dict(
        query(
            warehouse,
            """SELECT metric_id, bool_and(higher_is_better) FROM marts.metric_by_group
               WHERE source = 'gpps_published' AND period = '2023' GROUP BY 1""",
        )
    )
    assert polarity["avoided_appointment"] is False
    assert polarity["overall_experience"] is True
