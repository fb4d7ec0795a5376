"""marts.standardised_rates on small hand-built stores, read as an analyst reads the table.

A practice with a young list whose people comment at the same age-specific rates as everyone else's stands out on
the crude rate and not once standardised; the published DSR is calculate_dsr's on the published counts; complaints
(KO41 counts by organisation) get an ISR from the list's ages and no DSR; a count of 1-9 takes every figure with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.core.store import ensure_store
from pipelines.marts import build
from pipelines.marts.standardised_rates import build_standardised_rates
from pipelines.methods.intervals import byar_interval
from pipelines.methods.standardisation import calculate_dsr, esp2013
from pipelines.sources.complaints.readers import ensure_complaint_tables
from pipelines.sources.reference.readers import ensure_reference_tables

# The people vocabulary's age bands (first and last age; None = open) and one single year of age standing for
# each band in the hand-built single-year-of-age file.
BANDS = {
    "Under 16": (0, 15, "10"),
    "16-24": (16, 24, "20"),
    "25-34": (25, 34, "30"),
    "35-44": (35, 44, "40"),
    "45-54": (45, 54, "50"),
    "55-64": (55, 64, "60"),
    "65-74": (65, 74, "70"),
    "75-84": (75, 84, "80"),
    "85+": (85, None, "90"),
}
ORDINARY_LIST = dict(zip(BANDS, (1000, 600, 700, 700, 700, 600, 500, 300, 100), strict=True))
YOUNG_LIST = dict(zip(BANDS, (500, 3000, 3000, 800, 400, 200, 100, 50, 20), strict=True))
# Everyone comments at these rates a year, per registered patient: the young far more than the rest.
COMMENT_RATE = dict(zip(BANDS, (0.001, 0.02, 0.02, 0.003, 0.003, 0.003, 0.003, 0.003, 0.003), strict=True))
YOUNG = "X90099"


def _store(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    ensure_store(con)
    ensure_reference_tables(con)
    ensure_complaint_tables(con)
    return con


def _place(con: duckdb.DuckDBPyConnection, practices: dict[str, str]) -> None:
    """Practices (code → sub-ICB location) in ICB QZ9, and the geography versions derived from them."""
    con.executemany(
        """INSERT INTO ref.practice_geography BY NAME
           SELECT DATE '2024-04-01' AS extract_date, 'ICB' AS geography_era, ? AS practice_code, 'U1' AS pcn_code,
                  ? AS sub_icb_code, 'QZ9' AS icb_code""",
        list(practices.items()),
    )
    con.execute((Path(build.__file__).parents[1] / "sources/reference/derived.sql").read_text())


def _list(con: duckdb.DuckDBPyConnection, practice: str, patients: dict[str, int]) -> None:
    """A single-year-of-age extract: each band's patients at one age, half men and half women."""
    rows = pd.DataFrame(
        [
            (practice, sex, BANDS[band][2], band, n // 2)
            for band, n in patients.items()
            for sex in ("MALE", "FEMALE")
        ],
        columns=["practice_code", "sex", "age", "age_band", "patients"],
    )
    _insert(con, "ref.registered_population", rows.assign(extract_date=pd.Timestamp("2025-01-01").date()))


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> None:
    """Insert a frame's rows by column name (one statement: row-at-a-time inserts take seconds)."""
    con.register("_rows", rows)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def _comments(con: duckdb.DuckDBPyConnection, practice: str, counts: dict[str, int]) -> None:
    rows = pd.DataFrame(
        [(f"{practice}-{band}-{i}", practice, band) for band, n in counts.items() for i in range(n)],
        columns=["comment_id", "practice_code", "age_band"],
    )
    rows = rows.assign(source="fft", channel="survey_comment", comment_date=pd.Timestamp("2025-03-01").date(),
                       text_ref="ref")  # fmt: skip
    _insert(con, "staged.comments", rows)


def _read(con: duckdb.DuckDBPyConnection, where: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM marts.standardised_rates WHERE {where}").df()


@pytest.fixture(scope="module")
def young_list_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Twenty practices with an ordinary list and one with a very young list, all commenting at COMMENT_RATE."""
    con = _store(tmp_path_factory.mktemp("young") / "w.duckdb")
    ordinary = [f"X900{i:02d}" for i in range(1, 21)]
    _place(con, {**{p: "ZA1" if i < 10 else "ZB2" for i, p in enumerate(ordinary)}, YOUNG: "ZB2"})
    for practice in ordinary:
        _list(con, practice, ORDINARY_LIST)
        _comments(con, practice, {b: round(n * COMMENT_RATE[b]) for b, n in ORDINARY_LIST.items()})
    _list(con, YOUNG, YOUNG_LIST)
    _comments(con, YOUNG, {b: round(n * COMMENT_RATE[b]) for b, n in YOUNG_LIST.items()})
    build_standardised_rates(con)
    yield con
    con.close()


def test_a_young_list_that_comments_at_ordinary_rates_is_high_only_before_standardising(
    young_list_store: duckdb.DuckDBPyConnection,
) -> None:
    young = _read(young_list_store, f"geography_code = '{YOUNG}' AND measure = 'comments'").iloc[0]
    assert young["observed"] == 125  # 124 comments, rounded to 5
    assert young["crude_rate"] > 2 * young["crude_funnel_baseline"]
    assert young["crude_funnel"] == "High (0.001)"
    assert young["crude_judgement"] == "not compared"  # comments are neither good nor bad
    # Its people comment as everyone else's do: neither standardised value stands out.
    assert young["dsr_funnel"] == "Not significant"
    assert young["isr_funnel"] == "Not significant"
    assert young["isr"] == pytest.approx(1.0, abs=0.1)
    assert young["dsr"] == pytest.approx(young["dsr_funnel_baseline"], rel=0.1)
    assert young["standard_population"] == "ESP2013" and young["dsr_note"] is None


def _esp_for(first: int, last: int | None) -> float:
    """ESP 2013 weight of a band, spreading each five-year band evenly over its years (the open 90+ whole)."""
    total = 0.0
    for _, row in esp2013().iterrows():
        if pd.isna(row["age_to"]):  # 90+
            total += row["standard_population"] if last is None else 0.0
            continue
        years = range(int(row["age_from"]), int(row["age_to"]) + 1)
        inside = [a for a in years if a >= first and (last is None or a <= last)]
        total += row["standard_population"] * len(inside) / len(years)
    return total


def test_the_published_dsr_is_calculate_dsr_on_the_published_count(
    young_list_store: duckdb.DuckDBPyConnection,
) -> None:
    young = _read(young_list_store, f"geography_code = '{YOUNG}' AND measure = 'comments'").iloc[0]
    counts = {b: round(n * COMMENT_RATE[b]) for b, n in YOUNG_LIST.items()}
    true_total = sum(counts.values())
    by_hand = pd.DataFrame(
        {
            "band": list(BANDS),
            # every band scaled to the published count (124 → 125), as nothing may give the true count back
            "x": [counts[b] * young["observed"] / true_total for b in BANDS],
            "n": [YOUNG_LIST[b] // 2 * 2 for b in BANDS],
            "w": [_esp_for(BANDS[b][0], BANDS[b][1]) for b in BANDS],
        }
    )
    assert by_hand["w"].sum() == pytest.approx(100_000)
    expected = calculate_dsr(
        by_hand, x="x", n="n", stdpop="w", multiplier=1000, confidence=(0.95, 0.998)
    ).iloc[0]
    for column in ("dsr", "dsr_lower_95", "dsr_upper_95", "dsr_lower_998", "dsr_upper_998"):
        source = "value" if column == "dsr" else column.removeprefix("dsr_")
        assert young[column] == pytest.approx(expected[source], rel=1e-12), column
    # The crude rate and its limits are phe_rate's on the same published count.
    lower, upper = byar_interval(125.0, 0.95)
    assert young["crude_rate"] == pytest.approx(125 / young["person_years"] * 1000, rel=1e-12)
    assert young["crude_lower_95"] == pytest.approx(lower / young["person_years"] * 1000, rel=1e-12)
    assert young["crude_upper_95"] == pytest.approx(upper / young["person_years"] * 1000, rel=1e-12)


def test_areas_sum_their_practices_and_the_reference_gives_back_the_total(
    young_list_store: duckdb.DuckDBPyConnection,
) -> None:
    icb = _read(young_list_store, "geography_level = 'icb' AND measure = 'comments'").iloc[0]
    practices = _read(young_list_store, "geography_level = 'practice' AND measure = 'comments'")
    assert icb["practices"] == 21 and icb["registered_patients"] == practices["registered_patients"].sum()
    # The reference rates are those of every practice loaded, so the whole ICB is exactly as expected.
    assert icb["expected"] == pytest.approx(20 * 36 + 124)
    assert icb["isr_reference"] == "practices loaded (1 ICB; not all of England)"
    sub_icbs = _read(young_list_store, "geography_level = 'sub_icb' AND measure = 'comments'")
    assert sorted(sub_icbs["geography_code"]) == ["ZA1", "ZB2"] and (sub_icbs["icb_code"] == "QZ9").all()


def test_complaints_by_organisation_get_an_isr_from_the_list_and_no_dsr(tmp_path: Path) -> None:
    """KO41 returns: a total per practice and ages only in three broad bands. Two practices with the same rates
    in each band, one list old and one young: the old list has more complaints and the same ISR."""
    con = _store(tmp_path / "w.duckdb")
    _place(con, {"X90001": "ZA1", "X90002": "ZA1", "X90003": "ZA1"})
    old = {"Under 16": 1000, "16-24": 500, "25-34": 500, "35-44": 500, "45-54": 1000, "55-64": 1000,
           "65-74": 2000, "75-84": 2000, "85+": 1000}  # fmt: skip
    young = {"Under 16": 1000, "16-24": 3000, "25-34": 3000, "35-44": 1000, "45-54": 500, "55-64": 500,
             "65-74": 200, "75-84": 100, "85+": 100}  # fmt: skip
    for practice, patients in (("X90001", old), ("X90002", young), ("X90003", old)):
        _list(con, practice, patients)

    # 5 complaints a year per 1,000 aged 0-17 (the under-16s: each band's patients are at one age, 16-24's at 20),
    # 10 per 1,000 aged 18-64 and 40 per 1,000 aged 65+; X90003 returns two quarters only.
    def ages(patients: dict[str, int], years: float) -> dict[str, int]:
        working = sum(patients[b] for b in ("16-24", "25-34", "35-44", "45-54", "55-64"))
        over_65 = sum(patients[b] for b in ("65-74", "75-84", "85+"))
        return {"0-17": round(5 * years * patients["Under 16"] / 1000), "18-64": round(10 * years * working / 1000),
                "65+": round(40 * years * over_65 / 1000)}  # fmt: skip

    returns = []
    for practice, patients, quarters in (("X90001", old, 4), ("X90002", young, 4), ("X90003", old, 2)):
        year = ages(patients, quarters / 4)
        for q in range(quarters):
            share = {band: n // quarters + (1 if q < n % quarters else 0) for band, n in year.items()}
            start = (pd.Timestamp(2024, 4, 1) + pd.DateOffset(months=3 * q)).date()
            returns += [
                (practice, f"2024-25 Q{q + 1}", start, "age_of_patient", band, n) for band, n in share.items()
            ]
            returns.append(
                (practice, f"2024-25 Q{q + 1}", start, "summary", "new_received", sum(share.values()))
            )
    con.executemany(
        """INSERT INTO staged.complaint_returns (form, organisation_code, practice_code, period_label, period_start,
                                                 measure_group, measure, value)
           VALUES ('KO41b', ?1, ?1, ?2, ?3, ?4, ?5, ?6)""",
        returns,
    )
    build_standardised_rates(con)
    rows = _read(con, "geography_level = 'practice' AND measure = 'complaints'").set_index("geography_code")
    assert (rows["period"] == "2024-25").all() and (rows["period_kind"] == "financial_year").all()
    assert rows.loc["X90003", "years_of_data"] == 0.5 and rows.loc["X90001", "years_of_data"] == 1.0
    assert rows["dsr"].isna().all() and rows["dsr_note"].str.contains("three broad bands").all()
    assert rows["method"].str.contains("ISR").all() and rows["standard_population"].isna().all()
    # The old list complains more per head, and only because it is old.
    assert rows.loc["X90001", "crude_rate"] > 1.5 * rows.loc["X90002", "crude_rate"]
    assert rows.loc["X90001", "isr"] == pytest.approx(rows.loc["X90002", "isr"], rel=0.05)
    # Expected: each practice's person-years by the returns' bands at the pooled rates of the three practices.
    events = {
        p: ages(pat, q / 4) for p, pat, q in (("X90001", old, 4), ("X90002", young, 4), ("X90003", old, 2))
    }
    person_years = {
        p: {
            "0-17": pat["Under 16"] * q / 4,
            "18-64": sum(pat[b] for b in ("16-24", "25-34", "35-44", "45-54", "55-64")) * q / 4,
            "65+": sum(pat[b] for b in ("65-74", "75-84", "85+")) * q / 4,
        }
        for p, pat, q in (("X90001", old, 4), ("X90002", young, 4), ("X90003", old, 2))
    }
    rate = {
        band: sum(e[band] for e in events.values()) / sum(py[band] for py in person_years.values())
        for band in ("0-17", "18-64", "65+")
    }
    for practice in ("X90001", "X90002", "X90003"):
        expected = sum(person_years[practice][b] * rate[b] for b in rate)
        assert rows.loc[practice, "expected"] == pytest.approx(expected, rel=1e-9)
        assert rows.loc[practice, "isr"] == pytest.approx(rows.loc[practice, "observed"] / expected, rel=1e-9)
    con.close()


def test_a_count_of_one_to_nine_takes_every_figure_with_it(tmp_path: Path) -> None:
    con = _store(tmp_path / "w.duckdb")
    _place(con, {"X90001": "ZA1", "X90002": "ZA1", "X90003": "ZA1"})
    for practice in ("X90001", "X90002", "X90003"):
        _list(con, practice, ORDINARY_LIST)
    _comments(con, "X90001", {"16-24": 7})
    _comments(con, "X90002", {"16-24": 12})
    build_standardised_rates(con)
    rows = _read(con, "geography_level = 'practice'").set_index("geography_code")
    hidden = rows.loc["X90001"]
    assert hidden["suppressed"] and hidden["suppression_reason"] == "small_count"
    figures = [c for c in rows.columns if c.startswith(("observed", "crude_", "dsr", "expected", "isr"))]
    figures = [c for c in figures if not c.endswith(("_note", "_baseline", "_reference"))]
    assert all(pd.isna(hidden[c]) for c in figures), {c: hidden[c] for c in figures if not pd.isna(hidden[c])}
    assert rows.loc["X90002", "observed"] == 10 and rows.loc["X90002", "crude_rate"] == pytest.approx(
        10 / rows.loc["X90002", "person_years"] * 1000
    )
    # A covered practice with no comment is a published 0, not missing.
    assert rows.loc["X90003", "observed"] == 0 and rows.loc["X90003", "crude_rate"] == 0
    assert rows.loc["X90003", "dsr_note"] == "no DSR: fewer than 10 events"
    # The mart's own disclosure check finds nothing to fail.
    from pipelines.core.sql import sql_file

    failures = sql_file(
        Path(build.__file__).parents[1] / "defs/marts/standardised_rates_disclosure_failures.sql",
        min_events="10",
        round_to="5",
    )
    assert con.execute(failures).fetchall() == []
    # Nor does the publish audit, which attacks the table as a reader would, until a row's limits rest on the
    # true count (12) instead of the published one (10): inverting them gives 12 back, and the audit says so.
    from pipelines.publish.disclosure_audit import audit_disclosure

    assert audit_disclosure(con) == []
    lower, upper = byar_interval(12.0, 0.95)
    con.execute(
        """UPDATE marts.standardised_rates SET crude_lower_95 = ? / person_years * 1000,
                  crude_upper_95 = ? / person_years * 1000
           WHERE geography_code = 'X90002' AND geography_level = 'practice'""",
        [float(lower), float(upper)],
    )
    findings = audit_disclosure(con)
    assert [(f.method, f.recovered) for f in findings] == [
        ("crude Byar/exact 95% limits inverted", "12 events, published 10")
    ]
    con.close()


def test_a_quinary_only_list_is_shared_over_the_bands_it_overlaps(tmp_path: Path) -> None:
    """Without single years of age, quinary 15-19 gives 1/5 to Under 16 and 4/5 to 16-24: the expected comments
    of a list that is all aged 15-19 are those of 200 under-16s and 800 aged 16-24 at the reference rates."""
    con = _store(tmp_path / "w.duckdb")
    _place(con, {"X90001": "ZA1", "X90002": "ZA1"})
    _list(con, "X90001", ORDINARY_LIST)
    con.execute(
        """INSERT INTO ref.registered_population_quinary BY NAME
           SELECT DATE '2025-01-01' AS extract_date, 'GP' AS org_type, 'X90002' AS org_code, 'ALL' AS sex,
                  '15_19' AS age_group, 15 AS age_from, 1000 AS patients"""
    )
    _comments(con, "X90001", {"Under 16": 10, "16-24": 30})
    build_standardised_rates(con)
    rows = _read(con, "geography_level = 'practice'").set_index("geography_code")
    # The reference rates count X90002's patients too (it has no comment: 0 in either band).
    reference = {"Under 16": 10 / (1000 + 200), "16-24": 30 / (600 + 800)}
    assert rows.loc["X90002", "registered_patients"] == 1000
    assert rows.loc["X90002", "expected"] == pytest.approx(
        200 * reference["Under 16"] + 800 * reference["16-24"]
    )
    assert rows.loc["X90002", "isr"] == 0 and np.isnan(rows.loc["X90002", "dsr"])
    con.close()
