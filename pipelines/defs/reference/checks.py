"""Reference checks: unique keys, codes in the right shape, one CCG / sub-ICB per practice and extract."""

from pipelines.core.sql import quote_literal
from pipelines.lib.asset_checks import sql_row_check, unique_key_check
from pipelines.sources.reference import policy
from pipelines.sources.shared.codes import ICB_CODE, PRACTICE_CODE, SUB_ICB_CODE

gp_practices_unique = unique_key_check(
    asset="ref.gp_practices",
    name="practice_code_unique_per_file",
    description="Each organisation code appears once per epraccur file (rows sharing one are quarantined)",
    key=["source_file", *policy.GP_PRACTICES.key],
)
practice_geography_one_sub_icb = sql_row_check(
    asset="ref.practice_geography",
    name="one_sub_icb_per_practice_and_extract",
    description="Every practice maps to exactly one CCG / sub-ICB location per extract date",
    failing_rows_sql="""SELECT extract_date, practice_code, count(DISTINCT sub_icb_code) AS sub_icbs, count(*) AS n
                        FROM ref.practice_geography GROUP BY ALL HAVING sub_icbs <> 1 OR n > 1""",
    blocking=True,
)
practice_geography_code_shapes = sql_row_check(
    asset="ref.practice_geography",
    name="codes_in_ods_shape",
    description="Practice codes are a letter and five digits, sub-ICB codes 3 or 5 characters, ICB codes Q + 2",
    failing_rows_sql=f"""SELECT extract_date, practice_code, sub_icb_code, icb_code FROM ref.practice_geography
                         WHERE NOT regexp_full_match(practice_code, {quote_literal(PRACTICE_CODE)})
                            OR NOT regexp_full_match(sub_icb_code, {quote_literal(SUB_ICB_CODE)})
                            OR NOT regexp_full_match(icb_code, {quote_literal(ICB_CODE)})""",
)
registered_population_unique = unique_key_check(
    asset="ref.registered_population",
    name="one_count_per_practice_sex_age",
    description="One patient count per extract date, practice, sex and age",
    key=["extract_date", "practice_code", "sex", "age"],
    show_files=True,
)
lsoa_unique = unique_key_check(
    asset="ref.lsoa_deprivation",
    name="lsoa_code_unique_per_file",
    description="Each LSOA appears once per file",
    key=["source_file", "lsoa_code"],
)
crosswalk_one_icb = sql_row_check(
    asset="ref.ccg_icb_crosswalk",
    name="one_icb_per_ccg",
    description="Each CCG code maps to one ICB",
    failing_rows_sql="SELECT ccg_code, count(DISTINCT icb_code) AS icbs FROM ref.ccg_icb_crosswalk GROUP BY 1 HAVING icbs > 1",
)
practice_deprivation_quintiles_even = sql_row_check(
    asset="ref.practice_deprivation",
    name="quintiles_partition_practices_evenly",
    description="Each deprivation quintile holds a fifth of practices (within 1 practice or 1% of them)",
    failing_rows_sql="""SELECT deprivation_quintile, count(*) AS practices, sum(count(*)) OVER () / 5 AS expected
                        FROM ref.practice_deprivation GROUP BY 1
                        QUALIFY abs(practices - expected) > greatest(1, 0.01 * sum(count(*)) OVER ())""",
)
practice_deprivation_unique = unique_key_check(
    asset="ref.practice_deprivation",
    name="one_row_per_practice",
    description="One deprivation row per practice",
    key=["practice_code"],
)
