"""Complaints layouts, driven by a header-mapping table kept as data (``header_map.csv``).

The published KO41 column spellings are not known here, so no header is written in code: each column of
a return is looked up in the mapping (exact header, or a ``prefix: *`` row that says the rest of the
header is a breakdown category). A renamed header is a one-row change to ``header_map.csv``, or to an extra
mapping file named by ``CHORUS_COMPLAINTS_HEADER_MAP`` (same columns) for a local layout.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal, sql_file
from pipelines.ingest.csv_staging import stage_csv
from pipelines.ingest.detect import Layout, LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.complaints import policy as P
from pipelines.sources.fft.comments import age_band_sql, clean_text_sql
from pipelines.sources.fft.common import (
    resolve_dates,
)
from pipelines.sources.ods import prepare_known_organisations, unknown_organisation_sql
from pipelines.sources.shared.as_arrived import (
    date_order_note,
    join_notes,
    readable_csv,
    stage_incremental_csv,
)
from pipelines.sources.shared.codes import COMPLAINT_ORGANISATION_CODE, PRACTICE_CODE
from pipelines.sources.shared.comments import ensure_comment_tables, is_substantive_sql
from pipelines.sources.shared.geography import ensure_geography_views, geography_sql
from pipelines.sources.shared.header_map import (
    HeaderRule,
    map_header,
    override_variable,
    register_expected_columns,
)
from pipelines.sources.shared.header_map import header_rules as shared_header_rules

HERE = Path(__file__).parent
TABLES_SQL = (HERE / "tables.sql").read_text()
HEADER_MAP = HERE / "header_map.csv"
SUBJECT_THEMES = HERE / "subject_themes.csv"
SOURCE = "complaints"
EXTRA_MAP_VARIABLE = override_variable(SOURCE)  # CHORUS_COMPLAINTS_HEADER_MAP
SUMMARY_FIELDS = ("brought_forward", "new_received", "upheld", "partially_upheld", "not_upheld", "resolved",
                  "carried_forward")  # fmt: skip
# Feedback framework v7 categories (docs/DESIGN.md section 6) plus the EDI keyword topic v7 lacks.
FRAMEWORK_CATEGORIES = ("General", "Staff", "Access to medical care & support", "Communication & involvement",
                        "Mental Health specifics", "Patient journey & service coordination", "Medication & pain",
                        "Activities", "Environment, equipment & catering", "Service location, travel & transport",
                        "Equality, Diversity & Inclusion")  # fmt: skip


def header_rules(layout: str) -> list[HeaderRule]:
    """The packaged mapping plus the extra file named by ``CHORUS_COMPLAINTS_HEADER_MAP`` (its rows first)."""
    return shared_header_rules(SOURCE, HEADER_MAP, layout)


def ensure_complaint_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the complaints tables, the shared comments tables and ``ref.complaint_subject_themes``."""
    con.execute(TABLES_SQL)
    ensure_comment_tables(con)
    load_subject_themes(con)


def load_subject_themes(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)load ``ref.complaint_subject_themes`` from the packaged CSV; returns its rows."""
    with SUBJECT_THEMES.open(newline="", encoding="utf-8") as handle:
        rows = [(r["subject"], r["subject"].strip().lower(), r["framework"], r["category"], r["subcategory"])
                for r in csv.DictReader(handle)]  # fmt: skip
    con.execute(
        """CREATE OR REPLACE TABLE ref.complaint_subject_themes (subject VARCHAR, subject_key VARCHAR PRIMARY KEY,
           framework VARCHAR, category VARCHAR, subcategory VARCHAR)"""
    )
    con.executemany("INSERT INTO ref.complaint_subject_themes VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def _mapped_columns(f: LandingFile, layout: str) -> tuple[list[str], dict[str, HeaderRule]]:
    """The normalised header and the rule for each mapped column; breakdown categories keep the file's casing."""
    header = f.csv_header()
    encoding = "utf-8-sig" if f.text_encoding() == "utf-8" else f.text_encoding()
    with f.path.open(newline="", encoding=encoding) as handle:
        published = [c.replace("\xa0", " ").strip() for c in next(csv.reader(handle), [])]
    rules = header_rules(layout)
    mapped: dict[str, HeaderRule] = {}
    for index, column in enumerate(header):
        rule = map_header(column, rules) if column else None
        if rule is None:
            continue
        if (
            rule.breakdown != "summary"
            and rule.category
            and index < len(published)
            and published[index].lower().endswith(rule.category)
        ):
            rule = HeaderRule(
                rule.layout, rule.header, rule.field, rule.breakdown, published[index][-len(rule.category) :]
            )
        mapped[column] = rule
    return header, mapped


def _sniff(layout: str, needed: set[str]) -> Callable[[LandingFile], bool]:
    def sniff(f: LandingFile) -> bool:
        try:
            _header, mapped = _mapped_columns(f, layout)
        except (UnicodeDecodeError, csv.Error):
            return False
        return needed.issubset({r.field for r in mapped.values()})

    return sniff


def _reject_unmapped(
    f: LandingFile, header: list[str], mapped: dict[str, HeaderRule], required: tuple[str, ...], what: str
) -> None:
    fields = {r.field for r in mapped.values()}
    missing = [field for field in required if field not in fields]
    unmapped = [c for c in header if c and c not in mapped]
    if missing or unmapped:
        parts = []
        if missing:
            parts.append(f"no column for {', '.join(missing)}")
        if unmapped:
            parts.append(f"header(s) not in the mapping: {', '.join(unmapped)}")
        raise FileRejected(
            f"{f.rel_path}: {what}: {'; '.join(parts)}. Add a row to pipelines/sources/complaints/header_map.csv "
            f"(or the file named by {EXTRA_MAP_VARIABLE})"
        )


def _number(column: str) -> str:
    return f"try_cast(replace(trim({column}), ',', '') AS DOUBLE)"


RETURN_RULES = [
    RowRule("period_readable", "period_label", "period_start IS NULL",
            "period is not a financial year quarter such as '2025-26 Q1' (or a year '2025-26')"),
    RowRule("organisation_code_shape", "organisation_code",
            f"organisation_code IS NULL OR NOT regexp_full_match(organisation_code, {quote_literal(COMPLAINT_ORGANISATION_CODE)})",
            "organisation code is not an ODS code"),
    RowRule("known_organisation", "organisation_code", "org_unknown",
            "organisation code is not in the ODS reference (ref.gp_practices / ref.nhs_trusts)"),
    RowRule("counts_are_whole_numbers", "bad_counts", "len(bad_counts) > 0",
            "a count is not a non-negative whole number"),
    RowRule("resolved_equals_outcomes", "resolved", "resolved <> upheld + partially_upheld + not_upheld",
            "resolved is not upheld + partially upheld + not upheld"),
    RowRule("carried_forward_balances", "carried_forward",
            "carried_forward <> brought_forward + new_received - resolved",
            "carried forward is not brought forward + new - resolved"),
    RowRule("breakdowns_cover_total", "short_breakdowns", "len(short_breakdowns) > 0",
            "a breakdown adds up to fewer than the new complaints (each complaint counts at least once)"),
]  # fmt: skip


def load_complaint_returns(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A KO41a/KO41b-style return (one row per organisation and period) → ``staged.complaint_returns``."""
    ensure_complaint_tables(con)
    header, mapped = _mapped_columns(f, "returns")
    _reject_unmapped(f, header, mapped, ("organisation_code", "period", *SUMMARY_FIELDS), "complaints return")
    with readable_csv(f) as (readable, notes):
        rows_read = stage_csv(con, readable, "_ret")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ret_map (header VARCHAR, field VARCHAR, measure_group VARCHAR, measure VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _ret_map VALUES (?, ?, ?, ?)",
        [(c, r.field, r.breakdown or None, r.category or None) for c, r in mapped.items()],
    )
    columns = ", ".join(quote_identifier(c) for c in header if c)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ret_long AS
            SELECT u.source_row, u.header, m.field, m.measure_group, m.measure,
                   nullif(trim(replace(u.value, chr(160), ' ')), '') AS value_text
            FROM (UNPIVOT (SELECT source_row, {columns} FROM _ret) ON {columns} INTO NAME header VALUE value) u
            JOIN _ret_map m USING (header)"""
    )
    # UNPIVOT skips NULL cells; a blank count is read as not given, which the arithmetic rules then ignore.
    ident = ", ".join(
        f"max(value_text) FILTER (WHERE field = {quote_literal(field)}) AS {field}"
        for field in ("organisation_code", "organisation_name", "form", "period")
    )
    summary = ", ".join(
        f"CAST(max({_number('value_text')}) FILTER (WHERE measure_group = 'summary' AND measure = {quote_literal(m)}) AS BIGINT) AS {m}"
        for m in SUMMARY_FIELDS
    )
    con.execute(
        sql_file(
            HERE / "complaint_returns_typed.sql",
            identity_columns=ident,
            summary_columns=summary,
            summary_fields=", ".join(f"p.{m}" for m in SUMMARY_FIELDS),
        ),
        {"file_name": f.path.name, "practice_code": PRACTICE_CODE},
    )
    known = prepare_known_organisations(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ret_typed AS SELECT *, {unknown_organisation_sql('organisation_code', *known)} AS org_unknown FROM _ret_typed"
    )
    quarantined = quarantine_rows(con, "_ret_typed", RETURN_RULES, f, policy=P.RETURNS)
    ensure_geography_views(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ret_keep AS
            {geography_sql(f"(SELECT *, period_start AS geo_date FROM _ret_typed WHERE {passing_rows(RETURN_RULES)})")}"""
    )
    con.execute(sql_file(HERE / "staged_complaint_returns.sql"), f.provenance_params())
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


REGISTER_FIELDS = ("complaint_reference", "date_received", "date_closed", "organisation_code", "service_area",
                   "subjects", "outcome", "complainant_status", "patient_age", "patient_sex", "patient_ethnicity",
                   "postcode_district", "description")  # fmt: skip
REGISTER_RULES = [
    RowRule("complaint_reference_present", "complaint_reference", "complaint_reference IS NULL",
            "the complaint has no reference"),
    P.COMPLAINTS.duplicate_key_rule("complaint_reference"),
    RowRule("received_date_readable", "date_received", "received_date IS NULL", "date received is missing or unreadable"),
    RowRule("closed_date_readable", "date_closed", "date_closed IS NOT NULL AND closed_date IS NULL",
            "date closed is unreadable"),
    RowRule("closed_after_received", "date_closed", "closed_date < received_date", "closed before it was received"),
    RowRule("organisation_code_shape", "organisation_code",
            f"organisation_code IS NULL OR NOT regexp_full_match(organisation_code, {quote_literal(COMPLAINT_ORGANISATION_CODE)})",
            "organisation code is not an ODS code"),
    RowRule("known_organisation", "organisation_code", "org_unknown",
            "organisation code is not in the ODS reference (ref.gp_practices / ref.nhs_trusts)"),
    RowRule("outcome_known", "outcome", "outcome_value IS NULL",
            "outcome is not Upheld, Partially upheld, Not upheld, Withdrawn or Open"),
    RowRule("description_present", "description", "description IS NULL OR trim(description) = ''",
            "the complaint has no description"),
]  # fmt: skip


def load_complaints_register(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """A local complaints register → ``staged.complaints`` + descriptions in ``staged.comments``."""
    ensure_complaint_tables(con)
    header, mapped = _mapped_columns(f, "register")
    _reject_unmapped(f, header, mapped, ("complaint_reference", "date_received", "organisation_code", "description"),
                     "complaints register")  # fmt: skip
    rows_read, notes = stage_incremental_csv(con, f, "_reg_c")
    by_field: dict[str, str] = {}
    for column, rule in mapped.items():
        by_field.setdefault(rule.field, column)
    select = ", ".join(
        f"{clean_text_sql(quote_identifier(by_field[field])) if field in by_field else 'NULL::VARCHAR'} AS {field}"
        for field in REGISTER_FIELDS
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _reg_fields AS SELECT source_row, {select} FROM _reg_c")
    resolve_dates(con, "_reg_fields", "date_received")
    notes.append(date_order_note(con, "date received") or "")
    con.execute("CREATE OR REPLACE TEMP TABLE _reg_received AS SELECT * FROM _dates")
    resolve_dates(con, "_reg_fields", "date_closed")
    notes.append(date_order_note(con, "date closed") or "")
    con.execute(sql_file(HERE / "register_dates.sql"))
    con.execute(sql_file(HERE / "register_coded.sql"), {"practice_code": PRACTICE_CODE})
    known = prepare_known_organisations(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _reg_typed AS
            SELECT *, {P.COMPLAINTS.key_count_sql()}, {unknown_organisation_sql("organisation_code", *known)} AS org_unknown
            FROM _reg_typed"""
    )
    quarantined = quarantine_rows(con, "_reg_typed", REGISTER_RULES, f, policy=P.COMPLAINTS)
    ensure_geography_views(con)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _reg_keep AS
            {geography_sql(f"(SELECT * FROM _reg_typed WHERE {passing_rows(REGISTER_RULES)})")}"""
    )
    age = age_band_sql("patient_age")
    con.execute(sql_file(HERE / "register_themes.sql"))
    con.execute(sql_file(HERE / "staged_complaints.sql", age_band=age), f.provenance_params())
    con.execute(
        """INSERT INTO raw.comment_text BY NAME
           SELECT comment_id, 'complaints' AS source, description AS text, ? AS source_file, ? AS file_sha256, source_row
           FROM _reg_keep""",
        [f.rel_path, f.sha256],
    )
    con.execute(
        sql_file(
            HERE / "staged_comments.sql", age_band=age, is_substantive=is_substantive_sql("description")
        ),
        f.provenance_params(),
    )
    return LoadCounts(rows_read, rows_read - quarantined, quarantined, join_notes(*notes))


RETURNS = Layout(
    name="complaints_ko41_returns",
    source="complaints",
    description="KO41a / KO41b-style written complaints return, one row per organisation and period; headers "
    "read through header_map.csv",
    tables=("staged.complaint_returns",),
    load=load_complaint_returns,
    sniff=_sniff("returns", {"organisation_code", "new_received"}),
)
REGISTER = Layout(
    name="complaints_register",
    source="complaints",
    description="Local complaints register, one row per complaint with subjects, outcome, dates, demographics and "
    "description; headers read through header_map.csv",
    tables=("staged.complaints", "raw.comment_text", "staged.comments"),
    load=load_complaints_register,
    sniff=_sniff("register", {"complaint_reference", "date_received", "description"}),
)
COMPLAINT_LAYOUTS: tuple[Layout, ...] = (RETURNS, REGISTER)
register_expected_columns(RETURNS.name, SOURCE, HEADER_MAP, "returns", ("organisation_code", "new_received"))
register_expected_columns(
    REGISTER.name, SOURCE, HEADER_MAP, "register", ("complaint_reference", "date_received", "description")
)
