"""Reference layouts, each reading the real published format (docs/DESIGN.md section 4, "Reference data"),
one module per format family:

- ``ods_extracts``: ODS ``epraccur.csv`` (GP practices), ``etr.csv`` (NHS trusts) and ``succ.csv``
  (successor organisations);
- ``practices``: NHS Digital's practice map (CCG and ICB eras) and registered patients;
- ``deprivation``: the Fingertips IMD score per practice and IoD2019 File 1 per LSOA (CSV or workbook);
- ``composition``: registered patients by quinary age group and by LSOA, and Census 2021 TS021 ethnic group
  by LSOA (the population composition representation compares voices with);
- ``crosswalk``: a CCG → ICB code list;
- ``common``: the tables, staging and the layout declaration they share.
"""

from __future__ import annotations

from pipelines.ingest.detect import Layout
from pipelines.sources.reference.readers.common import DERIVED_SQL, HERE, ensure_reference_tables
from pipelines.sources.reference.readers.composition import (
    CENSUS_ETHNIC_GROUP,
    PRACTICE_LSOA,
    QUINARY_POPULATION,
    load_census_ethnic_group,
    load_practice_lsoa,
    load_quinary_population,
)
from pipelines.sources.reference.readers.crosswalk import CCG_ICB_CROSSWALK, load_ccg_icb_crosswalk
from pipelines.sources.reference.readers.deprivation import (
    FINGERTIPS_DEPRIVATION,
    LSOA_DEPRIVATION_CSV,
    LSOA_DEPRIVATION_XLSX,
    load_fingertips_deprivation,
    load_lsoa_deprivation_csv,
    load_lsoa_deprivation_xlsx,
)
from pipelines.sources.reference.readers.ods_extracts import (
    EPRACCUR,
    ETR,
    SUCC,
    load_epraccur,
    load_etr,
    load_succ,
)
from pipelines.sources.reference.readers.practices import (
    PRACTICE_MAP_CCG,
    PRACTICE_MAP_ICB,
    REGISTERED_PATIENTS,
    load_practice_map_ccg_era,
    load_practice_map_icb_era,
    load_registered_patients,
)

REFERENCE_LAYOUTS: tuple[Layout, ...] = (
    EPRACCUR, ETR, PRACTICE_MAP_CCG, PRACTICE_MAP_ICB, REGISTERED_PATIENTS, QUINARY_POPULATION, PRACTICE_LSOA,
    CENSUS_ETHNIC_GROUP, FINGERTIPS_DEPRIVATION, LSOA_DEPRIVATION_CSV, LSOA_DEPRIVATION_XLSX, CCG_ICB_CROSSWALK, SUCC,
)  # fmt: skip

__all__ = [
    "CCG_ICB_CROSSWALK",
    "CENSUS_ETHNIC_GROUP",
    "DERIVED_SQL",
    "EPRACCUR",
    "ETR",
    "FINGERTIPS_DEPRIVATION",
    "HERE",
    "LSOA_DEPRIVATION_CSV",
    "LSOA_DEPRIVATION_XLSX",
    "PRACTICE_MAP_CCG",
    "PRACTICE_LSOA",
    "PRACTICE_MAP_ICB",
    "QUINARY_POPULATION",
    "REFERENCE_LAYOUTS",
    "REGISTERED_PATIENTS",
    "SUCC",
    "ensure_reference_tables",
    "load_ccg_icb_crosswalk",
    "load_census_ethnic_group",
    "load_epraccur",
    "load_etr",
    "load_fingertips_deprivation",
    "load_lsoa_deprivation_csv",
    "load_lsoa_deprivation_xlsx",
    "load_practice_map_ccg_era",
    "load_practice_lsoa",
    "load_practice_map_icb_era",
    "load_quinary_population",
    "load_registered_patients",
    "load_succ",
]
