"""Quarantine policy of the reference tables (see :mod:`pipelines.sources.policy`)."""

from pipelines.ingest.quarantine import MAX_REFERENCE_LOSS, PolicyRule, TablePolicy

SHAPE = "a code of the wrong shape would join nothing, or the wrong organisation"
DATE = "a date that cannot be read would open or close the organisation at an unknown time"

NHS_TRUSTS = TablePolicy(
    "reference",
    "ref.nhs_trusts",
    (
        PolicyRule("trust_code_shape", "row", SHAPE),
        PolicyRule("open_date_format", "row", DATE),
        PolicyRule("close_date_format", "row", DATE),
    ),
)
GP_PRACTICES = TablePolicy(
    "reference",
    "ref.gp_practices",
    (
        PolicyRule("ods_code_shape", "row", SHAPE),
        PolicyRule("status_known", "row", "an unknown status cannot say whether the practice is open"),
        PolicyRule("open_date_format", "row", DATE),
        PolicyRule("close_date_format", "row", DATE),
        PolicyRule(
            "prescribing_setting_integer", "row", "the setting says whether it is a GP practice at all"
        ),
    ),
    key=("practice_code",),
    max_loss=MAX_REFERENCE_LOSS,
)
PRACTICE_GEOGRAPHY = TablePolicy(
    "reference",
    "ref.practice_geography",
    (
        PolicyRule("extract_date_format", "row", "the extract date dates the geography version"),
        PolicyRule("practice_code_shape", "row", SHAPE),
        PolicyRule(
            "sub_icb_code_shape", "row", "a practice without a readable sub-ICB would be placed nowhere"
        ),
        PolicyRule("icb_code_shape", "row", "a practice without a readable ICB would be placed nowhere"),
    ),
    key=("extract_date", "practice_code"),
    max_loss=MAX_REFERENCE_LOSS,
)
REGISTERED_POPULATION = TablePolicy(
    "reference",
    "ref.registered_population",
    (
        PolicyRule("extract_date_format", "row", "the extract date dates the population"),
        PolicyRule("practice_code_shape", "row", SHAPE),
        PolicyRule("sex_known", "row", "a count of unknown sex cannot be put in any population share"),
        PolicyRule("age_known", "row", "a count of unknown age cannot be put in any age band"),
        PolicyRule("patients_count", "row", "a population must be a whole number of patients"),
    ),
)
REGISTERED_POPULATION_QUINARY = TablePolicy(
    "reference",
    "ref.registered_population_quinary",
    (
        PolicyRule("extract_date_format", "row", "the extract date dates the population"),
        PolicyRule("practice_code_shape", "row", SHAPE),
        PolicyRule("org_code_present", "row", "a count without an organisation belongs to nobody"),
        PolicyRule("sex_known", "row", "a count of unknown sex cannot be put in any population share"),
        PolicyRule("age_group_known", "row", "a count of unknown age cannot be put in any age band"),
        PolicyRule("patients_count", "row", "a population must be a whole number of patients"),
    ),
)
PRACTICE_LSOA_REGISTRATIONS = TablePolicy(
    "reference",
    "ref.practice_lsoa_registrations",
    (
        PolicyRule("extract_date_format", "row", "the extract date dates the population"),
        PolicyRule("practice_code_shape", "row", SHAPE),
        PolicyRule(
            "lsoa_code_shape", "row", "patients of unknown residence cannot be given an area's composition"
        ),
        PolicyRule("sex_known", "row", "a count of unknown sex would be counted twice or not at all"),
        PolicyRule("patients_count", "row", "a population must be a whole number of patients"),
    ),
)
LSOA_ETHNIC_GROUP = TablePolicy(
    "reference",
    "ref.lsoa_ethnic_group",
    (
        PolicyRule("lsoa_code_shape", "row", "only an LSOA can be apportioned to practices"),
        PolicyRule(
            "residents_count", "row", "an LSOA with an unreadable count would not add up to its total"
        ),
    ),
)
AREA_DEPRIVATION = TablePolicy(
    "reference",
    "ref.area_deprivation",
    (
        PolicyRule(
            "indicator_is_imd2019", "row", "a stray row of another indicator is not a deprivation score"
        ),
        PolicyRule("value_numeric", "row", "the score ranks practices into quintiles"),
        PolicyRule("area_code_present", "row", "a score without an area belongs to nobody"),
    ),
)
LSOA_DEPRIVATION = TablePolicy(
    "reference",
    "ref.lsoa_deprivation",
    (
        PolicyRule("lsoa_code_shape", "row", "only English and Welsh LSOAs are ranked by IoD2019"),
        PolicyRule("rank_integer", "row", "the rank is the published figure"),
        PolicyRule("decile_range", "row", "deciles are 1 to 10"),
    ),
)
CCG_ICB_CROSSWALK = TablePolicy(
    "reference",
    "ref.ccg_icb_crosswalk",
    (
        PolicyRule("ccg_code_shape", "row", "third-party lists carry totals and notes as rows"),
        PolicyRule("icb_code_shape", "row", SHAPE),
    ),
)

ORGANISATION_SUCCESSORS = TablePolicy(
    "reference",
    "ref.organisation_successors",
    (
        PolicyRule("predecessor_code_shape", "row", SHAPE),
        PolicyRule("successor_code_shape", "row", SHAPE),
        PolicyRule(
            "effective_date_format", "row", "a succession of unknown date cannot say which rows it moves"
        ),
    ),
)

POLICIES = (
    GP_PRACTICES,
    NHS_TRUSTS,
    PRACTICE_GEOGRAPHY,
    REGISTERED_POPULATION,
    REGISTERED_POPULATION_QUINARY,
    PRACTICE_LSOA_REGISTRATIONS,
    LSOA_ETHNIC_GROUP,
    AREA_DEPRIVATION,
    LSOA_DEPRIVATION,
    CCG_ICB_CROSSWALK,
    ORGANISATION_SUCCESSORS,
)
