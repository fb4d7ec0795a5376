"""Reference suites: what each reference table must look like per file before it is published.

Row rules (``pipelines/sources/reference/readers/``) have already quarantined rows with malformed
codes and dates; these suites are about the file as a whole: the columns and types the marts rely on,
a plausible number of rows, keys unique within the file, vocabularies, ranges and date order. Ranges are
set from the real national files (``../shared/data``) with head-room, so a real file passes and a file
that is clearly something else (a regional extract saved over the national one, a column shifted) fails.
"""

from pipelines.sources.reference import policy
from pipelines.sources.shared.codes import (
    EPRACCUR_ORGANISATION_CODE,
    ICB_CODE,
    LSOA_CODE,
    ODS_CODE,
    PRACTICE_CODE,
    REGION_CODE,
    SUB_ICB_CODE,
    anchored,
)
from pipelines.validation.expectations import TableSuite, between, in_set, matches, not_null, ordered, unique
from schemas.contracts import contract

# ODS prescribing setting codes run 0-26 (4 = GP practice); anything else means a shifted column.
PRESCRIBING_SETTINGS = (0, 26)
# England has 32,844 LSOAs (2011); IMD ranks run 1..32,844.
ENGLAND_LSOAS = 32_844

GP_PRACTICES = TableSuite(
    table="ref.gp_practices",
    source="reference",
    description="ODS epraccur, one row per organisation",
    columns=contract("ref.gp_practices").suite_columns(),
    expectations=(
        not_null("practice_code"),
        unique(*policy.GP_PRACTICES.key),  # rows sharing it were quarantined (duplicate_key)
        matches("practice_code", anchored(EPRACCUR_ORGANISATION_CODE)),
        not_null("status"),
        in_set("status", ["A", "C", "D", "P"]),
        between("prescribing_setting", *PRESCRIBING_SETTINGS),
        ordered("open_date", "close_date"),
    ),
    # The national file has ~14-17k organisations; a small ICB's extract a few dozen.
    rows=(1, 40_000),
)

PRACTICE_GEOGRAPHY = TableSuite(
    table="ref.practice_geography",
    source="reference",
    description="NHS Digital practice → PCN → sub-ICB → ICB → region, one extract per file",
    columns=contract("ref.practice_geography").suite_columns(),
    expectations=(
        not_null("extract_date"),
        unique(*policy.PRACTICE_GEOGRAPHY.key),
        matches("practice_code", anchored(PRACTICE_CODE)),
        in_set("geography_era", ["CCG", "ICB"]),
        not_null("sub_icb_code"),
        matches("sub_icb_code", anchored(SUB_ICB_CODE)),
        not_null("icb_code"),
        matches("icb_code", anchored(ICB_CODE)),
        matches("region_code", anchored(REGION_CODE)),
    ),
    rows=(1, 12_000),  # ~6,500-7,500 practices nationally
)

REGISTERED_POPULATION = TableSuite(
    table="ref.registered_population",
    source="reference",
    description="Patients registered per practice, by sex and single year of age (or ALL)",
    columns=contract("ref.registered_population").suite_columns(),
    expectations=(
        unique("extract_date", "practice_code", "sex", "age"),
        in_set("sex", ["ALL", "MALE", "FEMALE"]),
        matches("age", r"^(ALL|[0-9]{1,2}|9[5-9]\+|1[0-9]{2}\+?)$"),
        in_set(
            "age_band",
            ["ALL", "Under 16", "16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"],
        ),
        # The largest practice lists are ~100k patients; 250k means a total was loaded as a practice.
        between("patients", 0, 250_000),
    ),
    rows=(1, 2_000_000),  # single year of age: ~6,600 practices x 96 ages per sex file
)

REGISTERED_POPULATION_QUINARY = TableSuite(
    table="ref.registered_population_quinary",
    source="reference",
    description="Patients registered per organisation (GP practices and, in the multi-level file, the areas "
    "above them), by sex and 5-year age group (or ALL)",
    columns=contract("ref.registered_population_quinary").suite_columns(),
    expectations=(
        unique("extract_date", "org_type", "org_code", "sex", "age_group"),
        in_set("sex", ["ALL", "MALE", "FEMALE"]),
        matches("age_group", r"^(ALL|[0-9]{1,2}_[0-9]{1,2}|95\+)$"),
        between("age_from", 0, 95),
        # A region's list is ~10M; far more means national totals were summed into one row.
        between("patients", 0, 70_000_000),
    ),
    rows=(1, 500_000),  # ~6,600 practices x 21 age groups x 3 sexes, plus the areas above them
)

PRACTICE_LSOA_REGISTRATIONS = TableSuite(
    table="ref.practice_lsoa_registrations",
    source="reference",
    description="Patients registered per GP practice by LSOA of residence",
    columns=contract("ref.practice_lsoa_registrations").suite_columns(),
    expectations=(
        unique("extract_date", "practice_code", "lsoa_code", "sex"),
        matches("practice_code", anchored(PRACTICE_CODE)),
        matches("lsoa_code", anchored(LSOA_CODE)),
        in_set("sex", ["ALL", "MALE", "FEMALE"]),
        between("patients", 0, 250_000),
    ),
    rows=(1, 3_000_000),  # ~1.3M practice x LSOA pairs in the national -all file
)

LSOA_ETHNIC_GROUP = TableSuite(
    table="ref.lsoa_ethnic_group",
    source="reference",
    description="Census 2021 TS021 usual residents per LSOA and ethnic group category",
    columns=contract("ref.lsoa_ethnic_group").suite_columns(),
    expectations=(
        unique("lsoa_code", "category"),
        matches("lsoa_code", anchored(LSOA_CODE)),
        in_set("category_level", ["total", "broad", "detailed"]),
        in_set("ethnicity_band", ["White", "Mixed", "Asian", "Black", "Other"]),
        # An LSOA has ~1,000-3,000 usual residents; 100k means a district's row was loaded as an LSOA.
        between("residents", 0, 100_000),
    ),
    rows=(1, 1_000_000),  # 35,672 LSOAs x 25 categories
)

AREA_DEPRIVATION = TableSuite(
    table="ref.area_deprivation",
    source="reference",
    description="Fingertips indicator 93553 (IMD 2019 score) per GP practice and England",
    columns=contract("ref.area_deprivation").suite_columns(),
    expectations=(
        not_null("area_code"),
        in_set("indicator_id", ["93553"]),
        # IMD 2019 scores are 0-100 by construction (real practice range 3.4-68.7).
        between("imd_score", 0, 100),
        matches("time_period", r"^(19|20)[0-9]{2}"),
    ),
    rows=(1, 20_000),
)

LSOA_DEPRIVATION = TableSuite(
    table="ref.lsoa_deprivation",
    source="reference",
    description="IoD2019 File 1: IMD rank and decile per LSOA",
    columns=contract("ref.lsoa_deprivation").suite_columns(),
    expectations=(
        not_null("lsoa_code"),
        unique("lsoa_code"),
        matches("lsoa_code", anchored(LSOA_CODE)),
        between("imd_rank", 1, ENGLAND_LSOAS),
        between("imd_decile", 1, 10),
        between("imd_quintile", 1, 5),
        ordered("imd_quintile", "imd_decile"),
    ),
    rows=(1, 40_000),
)

NHS_TRUSTS = TableSuite(
    table="ref.nhs_trusts",
    source="reference",
    description="ODS etr: NHS trusts",
    columns=contract("ref.nhs_trusts").suite_columns(),
    expectations=(
        not_null("trust_code"),
        unique("trust_code"),
        not_null("trust_name"),
        ordered("open_date", "close_date"),
    ),
    rows=(1, 2_000),  # ~230 open trusts nationally, ~1,000 with closed ones
)

CCG_ICB_CROSSWALK = TableSuite(
    table="ref.ccg_icb_crosswalk",
    source="reference",
    description="CCG → ICB code list",
    columns=contract("ref.ccg_icb_crosswalk").suite_columns(),
    expectations=(
        unique("ccg_code"),
        matches("ccg_code", anchored(SUB_ICB_CODE)),
        matches("icb_code", anchored(ICB_CODE)),
    ),
    rows=(1, 1_000),  # 191 CCGs at their peak, 106 at the end; third-party lists repeat a few
)

ORGANISATION_SUCCESSORS = TableSuite(
    table="ref.organisation_successors",
    source="reference",
    description="ODS succ: successor organisations",
    columns=contract("ref.organisation_successors").suite_columns(),
    expectations=(
        not_null("predecessor_code"),
        not_null("successor_code"),
        not_null("effective_date"),
        matches("predecessor_code", anchored(ODS_CODE)),
        matches("successor_code", anchored(ODS_CODE)),
    ),
    rows=(1, 50_000),  # every legal succession ODS has recorded, trusts and commissioners alike
)

SUITES: tuple[TableSuite, ...] = (
    GP_PRACTICES, PRACTICE_GEOGRAPHY, REGISTERED_POPULATION, REGISTERED_POPULATION_QUINARY,
    PRACTICE_LSOA_REGISTRATIONS, LSOA_ETHNIC_GROUP, AREA_DEPRIVATION, LSOA_DEPRIVATION, NHS_TRUSTS, CCG_ICB_CROSSWALK, ORGANISATION_SUCCESSORS,
)  # fmt: skip
