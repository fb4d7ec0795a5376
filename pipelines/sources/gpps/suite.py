"""GP Patient Survey suites: published results (every header generation), response rates, variables, respondents.

``staged.gpps_results`` is the largest table in the store (a national practice file is millions of rows
after the reshape), so its suite usually runs as SQL over the file's rows (``frame_limit``); smaller files
(national, ICS, PCN levels) go through Great Expectations. Row-count ranges depend on the file's level.
"""

import duckdb

from pipelines.sources.gpps.grammar import SERIES as GENERATION_SERIES
from pipelines.validation.expectations import TableSuite, between, in_set, not_null, ordered, unique
from schemas.contracts import contract

LEVELS = ["practice", "pcn", "ccg", "stp", "ics", "region", "national"]
YEARS = (2017, 2035)  # the comparable series starts with the 2017 redesign
SERIES = sorted(set(GENERATION_SERIES.values()))  # 2017-2023, 2024+


def results_rows(con: duckdb.DuckDBPyConnection, table: str, source_file: str) -> tuple[int, int]:
    """Rows expected from one results file, by its level: national files are small, practice files huge."""
    row = con.execute(f"SELECT min(level) FROM {table} WHERE source_file = ?", [source_file]).fetchone()
    level = row[0] if row else None
    if level == "national":
        return (1, 100_000)  # one organisation: questions x options
    if level in {"region", "ics", "stp", "ccg"}:
        return (1, 5_000_000)
    return (1, 60_000_000)  # ~6,500 practices x ~700 question-option pairs (2024+)


GPPS_RESULTS = TableSuite(
    table="staged.gpps_results",
    source="gpps",
    description="GPPS published results, one row per year, organisation, question and option",
    columns=contract("staged.gpps_results").suite_columns(),
    expectations=(
        between("survey_year", *YEARS),
        in_set("series", SERIES),  # never compared across: the 2024 questionnaire redesign
        in_set("level", LEVELS),
        not_null("org_code"),
        unique("survey_year", "level", "org_code", "question", "response_option"),
        between("weighted_proportion", 0, 1),
        between("ci_lower", 0, 1),
        between("ci_upper", 0, 1),
        between("weighted_count", 0, None),
        between("unweighted_base", 0, None),
        ordered("ci_lower", "weighted_proportion"),
        ordered("weighted_proportion", "ci_upper"),
    ),
    rows=results_rows,
)

GPPS_ORGANISATIONS = TableSuite(
    table="staged.gpps_organisations",
    source="gpps",
    description="One row per organisation of a results file: name, parents, generation, file hash",
    columns=contract("staged.gpps_organisations").suite_columns(),
    expectations=(
        between("survey_year", *YEARS),
        in_set("level", LEVELS),
        not_null("org_code"),
        unique("source_row"),
        unique("survey_year", "level", "org_code"),
    ),
    rows=(1, 20_000),  # ~6,500-7,500 practices in a national practice file
)

GPPS_RESPONSE_RATES = TableSuite(
    table="staged.gpps_response_rates",
    source="gpps",
    description="Questionnaires distributed and received per organisation and year",
    columns=contract("staged.gpps_response_rates").suite_columns(),
    expectations=(
        between("survey_year", *YEARS),
        in_set("level", LEVELS),
        unique("survey_year", "level", "org_code"),
        between("distributed", 0, None),
        between("received", 0, None),
        between("response_rate", 0, 1),
        ordered("received", "distributed"),
    ),
    rows=(0, 100_000),  # a file may carry no response-rate columns at all
)

GPPS_VARIABLES = TableSuite(
    table="ref.gpps_variables",
    source="gpps",
    description='The published "list of reporting variables" per year',
    columns=contract("ref.gpps_variables").suite_columns(),
    expectations=(between("survey_year", *YEARS), not_null("variable"), unique("survey_year", "variable")),
    rows=(10, 20_000),
)

SURVEY_RESPONSES = TableSuite(
    table="staged.survey_responses",
    source="gpps",
    description="Respondent-level answers with weight and harmonised demographics",
    columns=contract("staged.survey_responses").suite_columns(),
    expectations=(
        in_set("survey", ["gpps"]),
        between("survey_year", *YEARS),
        unique("survey_year", "respondent_id", "question"),
        between("weight", 0, 100),  # design weights are ~0.1-20; 100 means a shifted column
        between("answer_code", -99, 999),
    ),
    rows=(1, 100_000_000),
)

SUITES: tuple[TableSuite, ...] = (
    GPPS_RESULTS,
    GPPS_ORGANISATIONS,
    GPPS_RESPONSE_RATES,
    GPPS_VARIABLES,
    SURVEY_RESPONSES,
)
