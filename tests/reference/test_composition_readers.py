"""The population-composition layouts, read by content: NHS Digital's quinary-age and practice-by-LSOA
registered-patient files and Census 2021 TS021 ethnic group by LSOA, in their real header forms."""

from pathlib import Path

import duckdb

from pipelines.core.store import open_store
from pipelines.ingest.loop import ingest_source
from pipelines.sources.reference.readers import REFERENCE_LAYOUTS, ensure_reference_tables

# The multi-level file (every organisation level in one, ORG_TYPE / ORG_CODE / ONS_CODE).
QUINARY_MULTI_LEVEL = (
    "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
    "GP_PRAC_PAT_LIST,01-Sep-20,Comm Region,Y56,E40000003,,MALE,15_19,201345\n"
    "GP_PRAC_PAT_LIST,01-Sep-20,GP,A81001,,TS18 1HU,MALE,15_19,150\n"
    "GP_PRAC_PAT_LIST,01-Sep-20,GP,A81001,,TS18 1HU,MALE,95+,3\n"
    "GP_PRAC_PAT_LIST,01-Sep-20,GP,A81001,,TS18 1HU,FEMALE,ALL,2100\n"
    "GP_PRAC_PAT_LIST,01-Sep-20,GP,A81001,,TS18 1HU,MALE,15_20,7\n"  # not a 5-year group: quarantined
)
# The practice file with the era's commissioner column (sub-ICB era; TYPE, no ORG_TYPE).
QUINARY_PRACTICE_ONLY = (
    "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,ORG_CODE,POSTCODE,SEX,"
    "AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
    "GP_PRAC_PAT_LIST,2024-04-01,GP,16C,E38000247,A81001,TS18 1HU,FEMALE,20_24,180\n"
    "GP_PRAC_PAT_LIST,2024-04-01,GP,16C,E38000247,A8100,TS18 1HU,FEMALE,20_24,180\n"  # bad practice code
)
PRACTICE_LSOA = (
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
    "GP_PRAC_PAT_LIST,01JAN2024,A81001,THE DENSHAM SURGERY,E01012052,ALL,1203\n"
    "GP_PRAC_PAT_LIST,01JAN2024,A81001,THE DENSHAM SURGERY,E01033467,ALL,88\n"
    "GP_PRAC_PAT_LIST,01JAN2024,A81001,THE DENSHAM SURGERY,NO2011,ALL,4\n"  # residence unknown
)
TS021_CATEGORIES = [
    "Total: All usual residents",
    "Asian, Asian British or Asian Welsh",
    "Asian, Asian British or Asian Welsh: Bangladeshi",
    "Asian, Asian British or Asian Welsh: Other Asian",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed or Multiple ethnic groups",
    "White",
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: Other White",
    "Other ethnic group",
]


def _csv_row(values: list[str]) -> str:
    return ",".join(f'"{v}"' if "," in v else v for v in values) + "\n"


TS021 = (
    _csv_row(["date", "geography", "geography code", *(f"Ethnic group: {c}" for c in TS021_CATEGORIES)])
    + _csv_row(["2021", "Hartlepool 001A", "E01011949", "1500", "120", "70", "50", "30", "20", "1300", "1250", "50", "30"])
    + _csv_row(["2021", "Hartlepool 001B", "E01011950", "1000", "x", "0", "0", "0", "0", "1000", "1000", "0", "0"])
    + _csv_row(["2021", "Hartlepool", "E06000001", "92000", "1", "1", "0", "0", "0", "1", "1", "0", "0"])
)  # fmt: skip


def load(tmp_path: Path, files: dict[str, str]) -> tuple[Path, dict[str, tuple[str | None, int, int, int]]]:
    """Write ``files`` into a landing folder, load every reference layout; return the warehouse and, per file,
    (layout, rows read, loaded, quarantined)."""
    landing = tmp_path / "landing" / "reference"
    landing.mkdir(parents=True)
    for name, text in files.items():
        (landing / name).write_text(text)
    warehouse = tmp_path / "w.duckdb"
    with open_store(warehouse) as con:
        ensure_reference_tables(con)
        report = ingest_source(con, tmp_path / "landing", "reference", REFERENCE_LAYOUTS)
    assert not report.failed, [o.error for o in report.failed]
    outcomes = {
        Path(o.rel_path).name: (o.layout, o.counts.rows_read, o.counts.rows_loaded, o.counts.rows_quarantined)
        for o in report.outcomes
    }
    return warehouse, outcomes


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_both_quinary_header_forms_are_read_by_content(tmp_path: Path) -> None:
    # Named for nothing they contain: the layout is found from the header alone.
    w, outcomes = load(tmp_path, {"a.csv": QUINARY_MULTI_LEVEL, "b.csv": QUINARY_PRACTICE_ONLY})
    assert outcomes["a.csv"] == ("nhsd_registered_patients_quinary", 5, 4, 1)
    assert outcomes["b.csv"] == ("nhsd_registered_patients_quinary", 2, 1, 1)
    loaded = rows(
        w,
        """SELECT CAST(extract_date AS VARCHAR), org_type, org_code, sub_icb_code, sex, age_group, age_from, patients
           FROM ref.registered_population_quinary ORDER BY extract_date, org_type, sex, age_group""",
    )
    assert loaded == [
        ("2020-09-01", "COMM REGION", "Y56", None, "MALE", "15_19", 15, 201345),
        ("2020-09-01", "GP", "A81001", None, "FEMALE", "ALL", None, 2100),
        ("2020-09-01", "GP", "A81001", None, "MALE", "15_19", 15, 150),
        ("2020-09-01", "GP", "A81001", None, "MALE", "95+", 95, 3),
        ("2024-04-01", "GP", "A81001", "16C", "FEMALE", "20_24", 20, 180),
    ]
    rules = rows(w, "SELECT rule, value FROM quarantine.rows ORDER BY rule")
    assert rules == [("age_group_known", "15_20"), ("practice_code_shape", "A8100")]


def test_practice_lsoa_file_sets_aside_patients_of_unknown_residence(tmp_path: Path) -> None:
    w, outcomes = load(tmp_path, {"gp-reg-pat-prac-lsoa-all.csv": PRACTICE_LSOA})
    assert outcomes["gp-reg-pat-prac-lsoa-all.csv"] == ("nhsd_practice_lsoa", 3, 2, 1)
    assert rows(
        w, "SELECT practice_code, lsoa_code, sex, patients FROM ref.practice_lsoa_registrations ORDER BY 2"
    ) == [
        ("A81001", "E01012052", "ALL", 1203),
        ("A81001", "E01033467", "ALL", 88),
    ]
    assert rows(w, "SELECT rule, value FROM quarantine.rows") == [("lsoa_code_shape", "NO2011")]


def test_census_ts021_becomes_one_row_per_lsoa_and_category(tmp_path: Path) -> None:
    w, outcomes = load(tmp_path, {"census2021-ts021-lsoa.csv": TS021})
    # Three LSOA rows: one loads; an unreadable count and a district's code are quarantined whole.
    assert outcomes["census2021-ts021-lsoa.csv"] == ("ons_census2021_ts021_lsoa", 3, 1, 2)
    loaded = rows(
        w,
        """SELECT category, category_level, ethnicity_band, residents FROM ref.lsoa_ethnic_group
           WHERE lsoa_code = 'E01011949' ORDER BY source_row, category""",
    )
    assert len(loaded) == len(TS021_CATEGORIES) == rows(w, "SELECT count(*) FROM ref.lsoa_ethnic_group")[0][0]
    by_category = {c: (level, band, n) for c, level, band, n in loaded}
    assert by_category["Total: All usual residents"] == ("total", None, 1500)
    assert by_category["Asian, Asian British or Asian Welsh"] == ("broad", "Asian", 120)
    assert by_category["Asian, Asian British or Asian Welsh: Bangladeshi"] == ("detailed", "Asian", 70)
    assert by_category["Black, Black British, Black Welsh, Caribbean or African"] == ("broad", "Black", 30)
    assert by_category["White: Other White"] == ("detailed", "White", 50)
    broad = sum(n for level, _b, n in by_category.values() if level == "broad")
    assert broad == by_category["Total: All usual residents"][2]
    assert sorted(rows(w, "SELECT rule FROM quarantine.rows")) == [("lsoa_code_shape",), ("residents_count",)]
