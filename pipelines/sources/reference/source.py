"""The reference source: ODS, NHS Digital, Fingertips and IoD files that place everything else."""

from pipelines.sources.reference import readers as L
from pipelines.sources.reference.sample import write_reference
from pipelines.sources.reference.suite import SUITES
from pipelines.sources.source_spec import IngestTable, SourceSpec


def _table(table: str, layouts: tuple, description: str, **kwargs: object) -> IngestTable:
    return IngestTable(table, layouts, description, prepare=L.ensure_reference_tables, **kwargs)  # type: ignore[arg-type]


SOURCE = SourceSpec(
    name="reference",
    description="Organisations, geography, registered population and deprivation: the frame every view joins.",
    layouts=L.REFERENCE_LAYOUTS,
    suites=SUITES,
    write_sample=write_reference,
    tables=(
        _table(
            "ref.gp_practices",
            (L.EPRACCUR,),
            "Every organisation in ODS epraccur with open/close dates and status; active GP practices are status "
            "active and prescribing setting 4.",
            preview_order="practice_code",
        ),
        _table(
            "ref.practice_geography",
            (L.PRACTICE_MAP_CCG, L.PRACTICE_MAP_ICB),
            "Practice → PCN → CCG / sub-ICB location → STP / ICB → region, one version per NHS Digital extract "
            "date (CCG-era and ICB-era headers).",
            preview_order="extract_date, practice_code",
        ),
        _table(
            "ref.registered_population",
            (L.REGISTERED_PATIENTS,),
            "Patients registered at each GP practice, totals and by sex and single year of age, with GPPS age bands.",
            preview_order="practice_code, sex, age",
        ),
        _table(
            "ref.registered_population_quinary",
            (L.QUINARY_POPULATION,),
            "Patients registered at each GP practice (and, in the multi-level file, each area above it) by sex "
            "and 5-year age group: the age and sex denominator where no single-year-of-age file is loaded.",
            preview_order="org_type, org_code, sex, age_from",
        ),
        _table(
            "ref.practice_lsoa_registrations",
            (L.PRACTICE_LSOA,),
            "Patients registered at each GP practice by the LSOA they live in: apportions the Census's area "
            "composition (ethnic group) to practices.",
            preview_order="practice_code, lsoa_code, sex",
        ),
        _table(
            "ref.lsoa_ethnic_group",
            (L.CENSUS_ETHNIC_GROUP,),
            "Census 2021 TS021: usual residents of each LSOA by ethnic group (total, the five broad groups and "
            "the detailed categories).",
            preview_order="lsoa_code, category",
        ),
        _table(
            "ref.area_deprivation",
            (L.FINGERTIPS_DEPRIVATION,),
            "Fingertips indicator 93553: IMD 2019 deprivation score for each GP practice (and England).",
        ),
        _table(
            "ref.lsoa_deprivation",
            (L.LSOA_DEPRIVATION_CSV, L.LSOA_DEPRIVATION_XLSX),
            "IoD2019 File 1: IMD rank, decile and quintile per LSOA (CSV of the data sheet or the official "
            "workbook).",
            kinds=frozenset({"duckdb", "csv", "excel"}),
        ),
        _table(
            "ref.nhs_trusts",
            (L.ETR,),
            "NHS trusts from ODS etr.csv with the ICB each sits in; FFT, complaints and stories join through them.",
            preview_order="trust_code",
        ),
        _table(
            "ref.ccg_icb_crosswalk",
            (L.CCG_ICB_CROSSWALK,),
            "CCG → ICB code list; junk rows such lists carry are quarantined with the rule they broke.",
        ),
        _table(
            "ref.organisation_successors",
            (L.SUCC,),
            "ODS succ.csv: which organisation succeeded which, why and from when; merged and closed CCGs follow "
            "these chains to their current sub-ICB location (ref.sub_icb_continuity).",
            preview_order="effective_date, predecessor_code",
        ),
    ),
)
