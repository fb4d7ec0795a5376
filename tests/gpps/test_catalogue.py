"""The measure catalogue says only what the real files and questionnaires say: real 2024+ stems with their
options, 2023 stems and bases as the published list of reporting variables has them, measures named for
what they count, unconfirmed stems never published, and the 2024 series break on every published row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipelines.core.store import open_store
from pipelines.marts import build
from pipelines.sources.gpps.catalogue import catalogue, measures_for_year, new_series_stems
from tests.conftest import query
from tests.gpps.helpers import FIXTURES, ingest, landing_with

INVENTED = {"contactexperience", "lastapptconfidence", "lastapptinvolved", "lastapptneedsmet", "apptoffered"}


def _shared_csv(shared_data: Path, name: str) -> list[dict[str, str]]:
    with (shared_data / "gpps" / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_shipped_new_series_stems_are_the_real_questionnaire_stems(shared_data: Path) -> None:
    real = [
        (r["question_2025"], r["stem"], r["options_in_order"])
        for r in _shared_csv(shared_data, "gpps_2024plus_stems.csv")
    ]
    shipped = [(s.question_2025, s.stem, "|".join(s.options)) for s in new_series_stems()]
    assert shipped == real


def test_every_2024_catalogue_stem_is_a_real_stem_with_its_real_options() -> None:
    stems = {s.stem: s for s in new_series_stems()}
    new_series = [m for m in catalogue() if m.series == "2024+"]
    assert new_series and not {m.question for m in catalogue()} & INVENTED
    for m in new_series:
        assert m.stem_confirmed, m
        stem = stems[m.question]
        assert m.question_number == stem.question_2025
        assert (m.positive_codes, m.evaluative_codes) == (stem.positive_codes, stem.evaluative_codes), m
        options = {str(k) for k in range(1, len(stem.options) + 1)}
        assert set(m.positive_codes) < set(m.evaluative_codes) <= options, m
        # What is outside the evaluative base is a non-answer (haven't tried, don't know, can't remember).
        for code in options - set(m.evaluative_codes):
            assert any(word in stem.options[int(code) - 1] for word in ("haven't", "don't know", "can't")), m


def test_the_2026_national_file_confirms_the_phone_measure(shared_data: Path) -> None:
    (row,) = _shared_csv(shared_data, "gpps_2026_national_excerpt_first25cols.csv")
    phone = measures_for_year(2026)["localgpservicesphone"]
    counts = {k: float(row[f"localgpservicesphone_{k}.count"]) for k in range(1, 7)}
    positive = sum(counts[int(c)] for c in phone.positive_codes)
    evaluative = sum(counts[int(c)] for c in phone.evaluative_codes)
    assert positive == pytest.approx(float(row["localgpservicesphone.counteval"]), rel=1e-12)
    assert evaluative == pytest.approx(float(row["localgpservicesphone.baseevalw"]), rel=1e-12)


# 2023 questions whose reporting variables publish a summary that is no judgement of care: when, who, which type
# of appointment, having a preferred GP, being asked for reasons, health and caring (composition).
NOT_EVALUATIVE_2023 = {"q8", "q56", "q75", "q83", "q93", "q115", "q123", "q124"}


def _plain(text: str) -> str:
    return text.replace("\u2019", "'").replace("  ", " ").strip().lower()


def test_2023_stems_bases_and_summaries_match_the_real_reporting_variables(shared_data: Path) -> None:
    described = {
        r["Variable"].lower(): r["Description"]
        for r in _shared_csv(shared_data, "gpps_2023_practice_reporting_variables.csv")
    }
    measures = measures_for_year(2023)
    # Every question the list gives a summary result is a measure, or named here as not evaluative.
    summarised = {v.split("_")[0] for v, d in described.items() if "Summary result" in d}
    assert summarised - NOT_EVALUATIVE_2023 <= set(measures)
    assert not NOT_EVALUATIVE_2023 & set(measures)
    for stem, m in measures.items():
        assert m.stem_confirmed and f"{stem}base" in described, stem
        # The options are the list's own, in code order ...
        assert [_plain(o) for o in m.options] == [
            _plain(described[f"{stem}_{k}"].rsplit(" - ", 1)[-1]) for k in range(1, len(m.options) + 1)
        ], stem
        assert f"{stem}_{len(m.options) + 1}" not in described or len(m.options) >= 9, stem
        # ... the positive summary is the published combination of exactly the positive options (or the one
        # positive option itself) ...
        summary = f"{stem}_{m.summary_code}"
        assert tuple(m.summary_code) == m.positive_codes, stem
        assert len(m.positive_codes) == 1 or "Summary result" in described[summary], stem
        # ... on the evaluative base the file publishes (qN_<codes>base), or the full base when it has none.
        eval_bases = [v for v in described if v.startswith(f"{stem}_") and v.endswith("base")]
        expected = (
            tuple(eval_bases[0][len(stem) + 1 : -len("base")])
            if eval_bases
            else tuple(str(k) for k in range(1, len(m.options) + 1))
        )
        assert m.evaluative_codes == expected, stem


def test_every_evaluative_2024_stem_is_a_measure_with_its_options_and_polarity() -> None:
    measures = measures_for_year(2025)
    evaluative = {s.stem: s for s in new_series_stems() if s.kind == "evaluative"}
    assert set(measures) == set(evaluative)
    for stem, m in measures.items():
        assert m.options == evaluative[stem].options and m.series == "2024+", stem
        assert m.higher_is_better and m.comparable_from == 2024 and m.comparable_to is None, stem
    # Composition questions feed representation, never a measure.
    assert not {s.stem for s in new_series_stems() if s.kind == "composition"} & set(measures)


def test_a_measure_has_one_theme_and_one_polarity_in_every_year() -> None:
    # marts.triangulation joins survey gaps to comment themes by measure id alone.
    seen: dict[str, set[tuple[str, bool]]] = {}
    for m in catalogue():
        seen.setdefault(m.measure_id, set()).add((m.theme, m.higher_is_better))
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_avoiding_an_appointment_is_the_measure_where_lower_is_better() -> None:
    worse_when_higher = {m.measure_id for m in catalogue() if not m.higher_is_better}
    assert worse_when_higher == {"avoided_appointment"}


def test_q104_is_named_for_what_it_counts_accepting_an_appointment(shared_data: Path) -> None:
    described = {
        r["Variable"].lower(): r["Description"]
        for r in _shared_csv(shared_data, "gpps_2023_practice_reporting_variables.csv")
    }
    assert "Accepted appointment" in described["q104_12"]
    m = measures_for_year(2023)["q104"]
    assert m.measure_id == "appointment_accepted"
    assert m.wording.startswith("Accepted an appointment")
    assert not any(q.measure_id == "appointment_offered" for q in catalogue())
    # The redesigned questionnaire has no such question: the series ends in 2023.
    assert "appointment_accepted" not in {x.measure_id for x in measures_for_year(2024).values()}


def test_a_2017_reception_stem_is_only_assumed() -> None:
    assert not measures_for_year(2017)["q4"].stem_confirmed
    assert measures_for_year(2018)["q4"].stem_confirmed


# --- through the marts ------------------------------------------------------------------------------


def _with_reception(source: Path, target: Path) -> Path:
    """The 2017 fixture plus q4 (reception) columns: a stem the catalogue only assumes for 2017."""
    lines = source.read_text().splitlines()
    extra = ["q4base", "q4_1234base", "q4_1", "q4_2", "q4_3", "q4_4", "q4_5", "q4_12",
             "q4_1pct", "q4_2pct", "q4_3pct", "q4_4pct", "q4_5pct", "q4_12pct"]  # fmt: skip
    values = ["100", "95", "40", "35", "12", "8", "5", "75", ".421", ".368", ".126", ".084", ".05", ".789"]
    target.write_text(
        "\n".join([lines[0] + "," + ",".join(extra)] + [line + "," + ",".join(values) for line in lines[1:]])
        + "\n"
    )
    return target


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("catalogue")
    gen_a = _with_reception(
        FIXTURES / "GPPS_2017_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        tmp / "GPPS_2017_Practice_data_(weighted)_(csv)_PUBLIC.csv",
    )
    landing = landing_with(
        tmp, gen_a, FIXTURES / "GPPS_2022_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        FIXTURES / "GPPS_2024_Practice_data_(weighted)_(csv)_PUBLIC.csv",
        FIXTURES / "gpps_2023_respondents_local_extract.csv",
    )  # fmt: skip
    warehouse = tmp / "w.duckdb"
    report = ingest(warehouse, landing)
    assert not report.failed, report.summary_markdown()
    with open_store(warehouse) as con:
        build.build_metric_by_group(con)
    return warehouse


def test_an_unconfirmed_stem_is_staged_but_never_published(marts: Path) -> None:
    staged = query(
        marts,
        "SELECT count(*) FROM staged.gpps_results WHERE survey_year = 2017 AND measure_id = 'reception_helpful'",
    )
    assert staged[0][0] > 0
    published = query(
        marts,
        "SELECT count(*) FROM marts.metric_by_group WHERE period = '2017' AND metric_id = 'reception_helpful'",
    )
    assert published == [(0,)]
    assert (
        query(
            marts,
            "SELECT count(*) FROM marts.metric_by_group WHERE period = '2017' AND metric_id = 'overall_experience'",
        )[0][0]
        > 0
    )


def test_every_gpps_row_carries_the_series_of_its_year(marts: Path) -> None:
    rows = query(
        marts,
        """SELECT m.source, m.period, m.series, count(*) FROM marts.metric_by_group m
           WHERE m.source LIKE 'gpps%' GROUP BY ALL ORDER BY ALL""",
    )
    assert {(source, period, series) for source, period, series, _ in rows} == {
        ("gpps_published", "2017", "2017-2023"),
        ("gpps_published", "2022", "2017-2023"),
        ("gpps_published", "2024", "2024+"),
        ("gpps_respondents", "2023", "2017-2023"),
    }
