"""Reference readers against the real published files in ../shared/data."""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.sources.reference.readers import REFERENCE_LAYOUTS, ensure_reference_tables
from tests.conftest import REPO


def load_real(tmp_path: Path, shared: Path, *files: str) -> Path:
    """Copy real files into a landing folder and load every reference layout; return the warehouse."""
    landing = tmp_path / "landing"
    (landing / "reference").mkdir(parents=True)
    for name in files:
        shutil.copy(shared / name, landing / "reference" / Path(name).name)
    warehouse = tmp_path / "w.duckdb"
    with open_store(warehouse) as con:
        ensure_reference_tables(con)
        report = ingest_source(con, landing, "reference", REFERENCE_LAYOUTS)
    assert not report.failed, [o.error for o in report.failed]
    return warehouse


def one(warehouse: Path, sql: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_epraccur_2019(tmp_path: Path, shared_data: Path) -> None:
    w = load_real(tmp_path, shared_data, "ods-epraccur-2019/epraccur.csv")
    assert one(w, "SELECT count(*) FROM ref.gp_practices") == (14357,)
    assert one(w, "SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger") == (
        14357,
        14357,
        0,
    )
    row = one(
        w,
        """SELECT practice_name, commissioner_code, status, prescribing_setting, open_date, close_date,
                           is_active_gp_practice FROM ref.gp_practices WHERE practice_code = 'A81001'""",
    )
    assert row[:4] == ("THE DENSHAM SURGERY", "00K", "A", 4)
    assert str(row[4]) == "1974-04-01" and row[5] is None and row[6] is True
    closed = one(
        w,
        "SELECT status, close_date, is_active_gp_practice FROM ref.gp_practices WHERE practice_code = 'A81003'",
    )
    assert closed[0] == "C" and str(closed[1]) == "2017-10-31" and closed[2] is False
    # Active GP practices: status A and prescribing setting 4 (other settings are not GP practices).
    active, total_active = one(
        w,
        "SELECT count(*) FILTER (is_active_gp_practice), count(*) FILTER (status = 'A') FROM ref.gp_practices",
    )
    assert 6000 < active < total_active


def test_epraccur_status_written_as_words(tmp_path: Path) -> None:
    """Newer exports write ACTIVE / INACTIVE instead of A / C."""
    landing = tmp_path / "landing" / "reference"
    landing.mkdir(parents=True)
    fields = ["A81001", "THE DENSHAM SURGERY", "Y63", "QHM", "", "", "", "", "", "TS18 1HU", "19740401", "",
              "ACTIVE", "B", "16C", "20130401", "", "", "", "", "", "0", "", "16C", "", "4", ""]  # fmt: skip
    closed = fields.copy()
    closed[0], closed[12], closed[11] = "A81003", "INACTIVE", "20171031"
    landing.joinpath("epraccur.csv").write_text(
        "\n".join(",".join(f'"{v}"' for v in row) for row in (fields, closed)) + "\n"
    )
    warehouse = tmp_path / "w.duckdb"
    with open_store(warehouse) as con:
        ingest_source(con, tmp_path / "landing", "reference", REFERENCE_LAYOUTS)
        rows = con.execute(
            "SELECT practice_code, status, is_active_gp_practice FROM ref.gp_practices ORDER BY 1"
        ).fetchall()
    assert rows == [("A81001", "A", True), ("A81003", "C", False)]


def test_practice_map_ccg_era(tmp_path: Path, shared_data: Path) -> None:
    w = load_real(tmp_path, shared_data, "nhsd-gp-registrations/gp-reg-pat-prac-map_2020-09.csv")
    assert one(w, "SELECT count(*), count(DISTINCT practice_code) FROM ref.practice_geography") == (
        6708,
        6708,
    )
    row = one(
        w,
        """SELECT extract_date, geography_era, pcn_code, sub_icb_code, icb_code, region_code
                    FROM ref.practice_geography WHERE practice_code = 'A81001'""",
    )
    assert str(row[0]) == "2020-09-01" and row[1:] == ("CCG", "U89141", "16C", "QHM", "Y63")
    # 5-character codes of the 2020/21 CCG mergers are valid and kept.
    assert one(w, "SELECT count(*) > 0 FROM ref.practice_geography WHERE length(sub_icb_code) = 5") in [
        (True,),
        (False,),
    ]


def test_practice_map_icb_era_headers_and_iso_dates(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "reference"
    landing.mkdir(parents=True)
    landing.joinpath("map.csv").write_text(
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
        "ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,ICB_NAME,"
        "ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME\n"
        "GP_PRAC_PAT_LIST,2026-04-01,A81001,THE DENSHAM SURGERY,TS18 1HU,U89141,STOCKTON PCN,E38000247,16C,"
        "NHS North East and North Cumbria ICB - 16C,E54000050,QHM,NHS North East and North Cumbria ICB,E40000012,Y63,"
        "North East and Yorkshire\n"
        "GP_PRAC_PAT_LIST,2026-04-01,Y12345,SOMEWHERE,XX1 1XX,U00001,PCN,E38000001,W2U3Z,NHS X ICB - W2U3Z,"
        "E54000001,QOP,NHS X ICB,E40000010,Y62,North West\n"
    )
    warehouse = tmp_path / "w.duckdb"
    with open_store(warehouse) as con:
        report = ingest_source(con, tmp_path / "landing", "reference", REFERENCE_LAYOUTS)
        rows = con.execute(
            "SELECT practice_code, extract_date, geography_era, sub_icb_code, icb_code FROM ref.practice_geography ORDER BY 1"
        ).fetchall()
    assert report.outcomes[0].layout == "nhsd_practice_map_icb_era"
    assert [(r[0], str(r[1]), r[2], r[3], r[4]) for r in rows] == [
        ("A81001", "2026-04-01", "ICB", "16C", "QHM"),
        ("Y12345", "2026-04-01", "ICB", "W2U3Z", "QOP"),
    ]


def test_registered_patients_totals(tmp_path: Path, shared_data: Path) -> None:
    w = load_real(tmp_path, shared_data, "nhsd-gp-registrations/gp-reg-pat-prac-all_2021-01.csv")
    assert one(w, "SELECT count(*) FROM ref.registered_population") == (6658,)
    row = one(
        w,
        """SELECT extract_date, sub_icb_code, sex, age, age_band, patients FROM ref.registered_population
                    WHERE practice_code = 'A84002'""",
    )
    assert (str(row[0]), *row[1:]) == ("2021-01-01", "00L", "ALL", "ALL", "ALL", 5903)
    total = one(w, "SELECT sum(patients) FROM ref.registered_population")[0]
    assert 59_000_000 < total < 62_000_000  # England's registered list, January 2021


def test_fingertips_deprivation_quintiles_partition_practices(tmp_path: Path, shared_data: Path) -> None:
    w = load_real(tmp_path, shared_data, "fingertips-gp-imd2019/fingertips_93553_imd2019_by_gp.csv")
    with open_store(w) as con:
        con.execute((REPO / "pipelines/sources/reference/derived.sql").read_text())
        per_quintile = con.execute(
            "SELECT deprivation_quintile, count(*), min(imd_score), max(imd_score) FROM ref.practice_deprivation GROUP BY 1 ORDER BY 1"
        ).fetchall()
        deciles = con.execute(
            "SELECT count(DISTINCT deprivation_decile) FROM ref.practice_deprivation"
        ).fetchone()[0]
    assert sum(r[1] for r in per_quintile) == 6545
    assert [r[0] for r in per_quintile] == [1, 2, 3, 4, 5]
    assert all(abs(r[1] - 6545 / 5) <= 2 for r in per_quintile), per_quintile
    # Quintile 1 is the most deprived: every score in it is above every score in quintile 2.
    assert per_quintile[0][2] >= per_quintile[1][3]
    assert deciles == 10


def test_sql_quintiles_match_phe_quantile(tmp_path: Path, shared_data: Path) -> None:
    """The SQL in derived.sql and the PHE method in pipelines.methods.inequality agree practice by practice."""
    import numpy as np

    from pipelines.methods.inequality import phe_quantile

    w = load_real(tmp_path, shared_data, "fingertips-gp-imd2019/fingertips_93553_imd2019_by_gp.csv")
    with open_store(w) as con:
        con.execute((REPO / "pipelines/sources/reference/derived.sql").read_text())
        scores, quintiles, deciles = zip(
            *con.execute(
                "SELECT imd_score, deprivation_quintile, deprivation_decile FROM ref.practice_deprivation"
            ).fetchall(),
            strict=True,
        )
    assert np.array_equal(phe_quantile(np.array(scores), 5, invert=True), np.array(quintiles))
    assert np.array_equal(phe_quantile(np.array(scores), 10, invert=True), np.array(deciles))


@pytest.mark.parametrize(
    "name",
    [
        "imd2019-lsoa/IMD2019_File1_sheet_IMD2019.csv",
        "imd2019-lsoa/File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx",
    ],
)
def test_lsoa_deprivation_csv_and_xlsx(tmp_path: Path, shared_data: Path, name: str) -> None:
    w = load_real(tmp_path, shared_data, name)
    assert one(w, "SELECT count(*), count(DISTINCT lsoa_code) FROM ref.lsoa_deprivation") == (32844, 32844)
    assert one(
        w,
        "SELECT imd_rank, imd_decile, imd_quintile, lad_code FROM ref.lsoa_deprivation WHERE lsoa_code = 'E01000001'",
    ) == (29199, 9, 5, "E09000001")
    assert one(
        w, "SELECT min(imd_decile), max(imd_decile), count(*) FILTER (imd_rank = 1) FROM ref.lsoa_deprivation"
    ) == (1, 10, 1)


def test_crosswalk_quarantines_junk_row(tmp_path: Path, shared_data: Path) -> None:
    w = load_real(tmp_path, shared_data, "ccg-icb-crosswalk/CCG_ICB_code.csv")
    assert one(w, "SELECT rows_read, rows_loaded, rows_quarantined FROM meta.ingest_ledger") == (249, 248, 1)
    assert one(w, "SELECT rule, value, column_name, source_row FROM quarantine.rows")[:3] == (
        "ccg_code_shape",
        "n/a not SBS client at present",
        "ccg_code",
    )
    assert one(w, "SELECT count(DISTINCT icb_code) FROM ref.ccg_icb_crosswalk") == (42,)
    assert one(w, "SELECT icb_code FROM ref.ccg_icb_crosswalk WHERE ccg_code = 'W2U3Z'") is not None
    assert one(w, "SELECT icb_code FROM ref.ccg_icb_crosswalk WHERE ccg_code = '16C'") == ("QHM",)


def test_etr_trusts(tmp_path: Path, shared_data: Path) -> None:
    w = load_real(tmp_path, shared_data, "ods-etr/etr.csv")
    assert one(w, "SELECT count(*) FROM ref.nhs_trusts") == (227,)
    assert one(w, "SELECT trust_name, icb_code FROM ref.nhs_trusts WHERE trust_code = 'R0A'") == (
        "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST",
        "QOP",
    )


def test_crosswalk_blank_icb_and_cp1252_epraccur_are_handled(tmp_path: Path) -> None:
    """A blank ICB is quarantined (not a constraint error); an Excel-saved cp1252 epraccur is still detected."""
    landing = tmp_path / "landing" / "reference"
    landing.mkdir(parents=True)
    landing.joinpath("xw.csv").write_text("CCG Code,ICB Code,ICB NAME\n16C,QHM,North East\n00K,,Nowhere\n")
    fields = ["A81001", "SURGERY CAFÉ ÉTÉ", "Y63", "QHM", "", "", "", "", "", "TS18 1HU", "19740401", "",
              "A", "B", "16C", "20130401", "", "", "", "", "", "0", "", "16C", "", "4", ""]  # fmt: skip
    landing.joinpath("epraccur.csv").write_bytes((",".join(f'"{v}"' for v in fields) + "\n").encode("cp1252"))
    warehouse = tmp_path / "w.duckdb"
    with open_store(warehouse) as con:
        report = ingest_source(con, tmp_path / "landing", "reference", REFERENCE_LAYOUTS)
        quarantined = con.execute("SELECT rule, source_row FROM quarantine.rows").fetchall()
        name = con.execute("SELECT practice_name FROM ref.gp_practices").fetchone()
    assert not report.failed, [o.error for o in report.failed]
    assert quarantined == [("icb_code_shape", 2)]
    assert name == ("SURGERY CAFÉ ÉTÉ",)
