"""NHS England's monthly FFT publication workbooks (``.xlsm`` / ``.xlsx``), read with openpyxl.

The workbooks are small (a few thousand rows), so cells are read in Python and written long-form to
``raw.fft_workbook_cells``; typing, percentage scaling, suppression and the split between organisations
and aggregate rows happen in SQL (``workbook_typed.sql``).

Layout facts (docs/DESIGN.md section 4, ``../shared/data/fft-nhse-templates``): data sheets (``ICB``,
``Trusts``, ``Sites``, ``Wards``, ambulance ``PTS_ICB`` / ``PTS_Org`` / ``SaT_*`` / ``Mode_Org``) have title
and filter rows on top, then a two-row header whose top row holds ``Total Responses … Breakdown of
Responses`` and whose second row holds ``Very Good … Don't Know`` (merged group cells), then the England
and "Selection" aggregate rows, then organisations.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from pipelines.core.sql import sql_file
from pipelines.ingest.detect import LoadCounts
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.ingest.quarantine import RowRule, passing_rows, quarantine_rows
from pipelines.sources.fft import policy as P
from pipelines.sources.fft.common import ensure_fft_tables
from pipelines.sources.shared.codes import FFT_SHEET_CODE
from pipelines.sources.shared.header_map import field_map

HERE = Path(__file__).parent

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}  # fmt: skip
MONTH_ABBREVIATIONS = {name[:3]: number for name, number in MONTHS.items()}

# Setting words as they appear in titles and file names → Chorus setting code. Longest match wins.
SETTINGS = {
    "a&e": "ae", "ae": "ae", "accident and emergency": "ae", "inpatient": "inpatient", "ip": "inpatient",
    "ambulance": "ambulance", "amb": "ambulance", "gp": "gp", "general practice": "gp",
    "maternity": "maternity", "mental health": "mental_health", "community": "community",
    "outpatient": "outpatient", "dental": "dental", "post-natal": "maternity",
}  # fmt: skip
# Ambulance sheets split patient transport (PTS) from see-and-treat (SaT).
SHEET_SETTING_SUFFIX = {"pts": "pts", "sat": "see_and_treat"}
TITLE_RE = re.compile(
    r"(?P<setting>.+?)\s+friends and family test(?: \(fft\))? data\s*[-–]\s*(?P<month>[a-z]+)\s+(?P<year>\d{4})"
)
IDENTIFIER_FIELDS = ("icb_code", "icb_name", "trust_code", "trust_name", "org_code", "org_name", "site_code",
                     "site_name", "ward_name", "practice_code", "practice_name", "first_speciality", "second_speciality")  # fmt: skip
CODE_FIELDS = ("icb_code", "trust_code", "org_code", "site_code", "practice_code")
NAME_FIELDS = ("icb_name", "trust_name", "org_name", "site_name", "ward_name", "practice_name")
DASHES = {"", "-", "−", "–", "#n/a"}


def header_map(layout: str) -> dict[str, str]:
    """Normalised header → field for one layout, from ``headers.csv`` (config, not code).

    Read through the shared mechanism (``pipelines/sources/header_map.py``), so a CSV named by
    ``CHORUS_FFT_HEADER_MAP`` with the same columns adds or overrides spellings for the workbooks and for
    every comment-export layout (``trust_upload``, ``public_labelled``, ``phase1_labelled``).
    """
    return field_map("fft", HERE / "headers.csv", layout)


def normalise_label(value: object) -> str:
    """A header cell as compared: non-breaking spaces and apostrophes removed, spaces folded, lower case."""
    text = "" if value is None else str(value)
    text = text.replace("\xa0", " ").replace("'", "").replace("’", "").lower()
    return re.sub(r"\s+", " ", text).strip()


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without '.0', dates ISO, everything else as written."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def sheet_names(path: Path) -> list[str]:
    """Sheet names from the workbook's XML, without loading it (used to recognise the layout)."""
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return []
    return re.findall(r'<sheet[^>]*name="([^"]+)"', workbook)


FFT_SHEETS = {"trusts", "sites", "wards", "icb", "pts_org", "pts_icb", "sat_org", "sat_icb", "mode_org",
              "practices", "practice", "organisations", "ccg", "stp"}  # fmt: skip


def looks_like_fft_workbook(f: LandingFile) -> bool:
    """A workbook with a Notes sheet and at least one FFT data sheet."""
    names = {n.lower() for n in sheet_names(f.path)}
    return "notes" in names and bool(names & FFT_SHEETS)


@dataclass(frozen=True)
class Period:
    setting: str
    period: date
    found_in: str


def _setting_from(text: str) -> str | None:
    text = text.lower().replace("_", " ").replace("-", " ")
    best: tuple[int, str] | None = None
    for word, code in SETTINGS.items():
        if re.search(rf"(^|[^a-z&]){re.escape(word)}($|[^a-z&])", text) and (
            best is None or len(word) > best[0]
        ):
            best = (len(word), code)
    return best[1] if best else None


def _month_year_from(text: str) -> date | None:
    text = text.lower()
    match = re.search(r"(january|february|march|april|may|june|july|august|september|october|november|december"
                      r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[^a-z0-9]*((?:19|20)\d{2})", text)  # fmt: skip
    if match:
        month = MONTHS.get(match.group(1)) or MONTH_ABBREVIATIONS[match.group(1)[:3]]
        return date(int(match.group(2)), month, 1)
    match = re.search(r"((?:19|20)\d{2})[-_ ]?(0[1-9]|1[0-2])(?![0-9])", text)
    return date(int(match.group(1)), int(match.group(2)), 1) if match else None


def find_period(f: LandingFile, titles: list[str]) -> Period:
    """Setting and month from the title ("A&E Friends and Family Test (FFT) data - July 2025"), else the file name."""
    for title in titles:
        match = TITLE_RE.search(normalise_label(title))
        if match:
            setting = _setting_from(match.group("setting"))
            when = _month_year_from(f"{match.group('month')} {match.group('year')}")
            if setting and when:
                return Period(setting, when, "title")
    name = f.path.stem
    setting, when = _setting_from(name), _month_year_from(name)
    if setting and when:
        return Period(setting, when, "file name")
    raise FileRejected(
        f"{f.rel_path}: FFT workbook without a recognisable setting and month: no title like "
        "'A&E Friends and Family Test (FFT) data - July 2025' and the file name does not say "
        "(e.g. friends-and-family-test-inpatient-data-july-2025.xlsx)"
    )


def _header_row(rows: list[tuple], fields: dict[str, str]) -> int | None:
    """The top row of the two-row header: 'Total Responses' among other known column labels.

    Filter and sort controls above the header (A&E sheets have them on row 2, inpatient on rows 3-8) can
    show 'Total Responses' as the chosen sort key; a lone label is not the header.
    """
    for index, row in enumerate(rows[:40]):
        labels = [normalise_label(v) for v in row]
        if "total responses" in labels and sum(1 for v in labels if v in fields) >= 3:
            return index
    return None


def _is_data_row(values: dict[str, str]) -> bool:
    """Organisation / aggregate rows, not filler ('-') rows or footnotes."""
    measures = [
        v
        for k, v in values.items()
        if k not in IDENTIFIER_FIELDS and k != "" and v.strip().lower() not in DASHES
    ]
    if measures:
        return True
    if any(re.fullmatch(FFT_SHEET_CODE, values.get(k, "").strip()) for k in CODE_FIELDS):
        return True
    return any(re.match(r"(england|selection)", values.get(k, "").strip().lower()) for k in NAME_FIELDS)


def read_workbook(f: LandingFile) -> tuple[Period, list[tuple]]:
    """Every data cell of every FFT data sheet: (source_row, sheet, excel_row, column, header, field, value)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(f.path, read_only=True, data_only=True, keep_vba=False)
    except Exception as exc:  # openpyxl raises several types for a damaged or foreign zip
        raise FileRejected(f"{f.rel_path}: not a readable Excel workbook ({exc})") from exc
    fields = header_map("workbook")
    cells: list[tuple] = []
    titles: list[str] = []
    source_row = 0
    try:
        for sheet in workbook.worksheets:
            rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
            titles += [
                str(v) for row in rows[:12] for v in row if isinstance(v, str) and "family test" in v.lower()
            ]
            top = _header_row(rows, fields)
            if top is None or sheet.title.lower() in {"notes", "summary", "bs"}:
                continue
            upper, lower = rows[top], rows[top + 1] if top + 1 < len(rows) else ()
            width = max(len(upper), len(lower))
            group = ""
            columns: list[tuple[int, str, str]] = []
            for c in range(width):
                top_cell = upper[c] if c < len(upper) else None
                bottom_cell = lower[c] if c < len(lower) else None
                if top_cell is not None and str(top_cell).strip():
                    group = str(top_cell).strip()
                label = bottom_cell if bottom_cell is not None and str(bottom_cell).strip() else top_cell
                if label is None or not str(label).strip():
                    continue
                published = f"{group} / {str(label).strip()}" if label is bottom_cell else str(label).strip()
                columns.append((c, published, fields.get(normalise_label(label), "")))
            for offset, row in enumerate(rows[top + 2 :], start=top + 3):
                values = {
                    field or published: cell_text(row[c]) if c < len(row) else ""
                    for c, published, field in columns
                }
                if not _is_data_row(
                    {field: values[field or published] for _c, published, field in columns if field}
                ):
                    continue
                source_row += 1
                for c, published, field in columns:
                    text = cell_text(row[c]) if c < len(row) else ""
                    cells.append((source_row, sheet.title, offset, openpyxl.utils.get_column_letter(c + 1),
                                  published, field or None, text))  # fmt: skip
    finally:
        workbook.close()
    if source_row == 0:
        raise FileRejected(
            f"{f.rel_path}: no FFT data rows found: no sheet has a 'Total Responses' header followed by data"
        )
    return find_period(f, titles), cells


COUNT_FIELDS = ("total_responses", "total_eligible", "very_good", "good", "neither_good_nor_poor", "poor", "very_poor",
                "dont_know", "mode_sms", "mode_electronic_discharge", "mode_electronic_home", "mode_paper_discharge",
                "mode_paper_home", "mode_telephone", "mode_online", "mode_other")  # fmt: skip
PCT_FIELDS = ("pct_positive", "pct_negative")


def _number(column: str) -> str:
    """SQL: a cell's text as a number ('1,234', '93%', ' 12 ' all read); NULL for '*' and blanks."""
    return f"CASE WHEN {column} = '*' THEN NULL ELSE try_cast(replace(replace({column}, ',', ''), '%', '') AS DOUBLE) END"


def type_workbook_rows(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    """Create ``_fft_typed``: one typed row per data row of ``_fft_cells``, with rule inputs.

    Identifier columns keep their names; measure text columns are ``<field>_t`` so the typed values
    can take the plain names.
    """

    def text(field: str, alias: str) -> str:
        return f"nullif(trim(replace(max(value) FILTER (WHERE field = '{field}'), chr(160), ' ')), '') AS {alias}"

    texts = ",\n".join(
        [*(text(f, f) for f in IDENTIFIER_FIELDS), *(text(f, f"{f}_t") for f in (*COUNT_FIELDS, *PCT_FIELDS))]
    )
    counts = ",\n".join(f"CAST({_number(f + '_t')} AS BIGINT) AS {f}" for f in COUNT_FIELDS)
    bad_counts = " || ".join(
        f"CASE WHEN {f}_t IS NOT NULL AND {f}_t <> '*' AND ({_number(f + '_t')} IS NULL OR {_number(f + '_t')} < 0 "
        f"OR {_number(f + '_t')} <> floor({_number(f + '_t')})) THEN ['{f}'] ELSE [] END"
        for f in COUNT_FIELDS
    )
    # Percentages: '93%' is always 0-100; otherwise a sheet whose column goes above 1 was written 0-100.
    hundred = {
        f: f"(contains({f}_t, '%') OR max({_number(f + '_t')}) OVER (PARTITION BY sheet) > 1)"
        for f in PCT_FIELDS
    }
    pcts = ",\n".join(
        f"CASE WHEN {hundred[f]} THEN {_number(f + '_t')} / 100 ELSE {_number(f + '_t')} END AS {f}"
        for f in PCT_FIELDS
    )
    bad_pcts = " || ".join(
        f"CASE WHEN {f}_t IS NOT NULL AND {f}_t <> '*' AND coalesce(NOT (CASE WHEN {hundred[f]} THEN "
        f"{_number(f + '_t')} / 100 ELSE {_number(f + '_t')} END BETWEEN 0 AND 1), TRUE) THEN ['{f}'] ELSE [] END"
        for f in PCT_FIELDS
    )
    scale = " OR ".join(hundred.values())
    suppressed = " || ".join(
        f"CASE WHEN {f}_t = '*' THEN ['{f}'] ELSE [] END" for f in (*COUNT_FIELDS, *PCT_FIELDS)
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _fft_text AS
            SELECT source_row, any_value(sheet) AS sheet, any_value(excel_row) AS excel_row, {texts}
            FROM _fft_cells GROUP BY source_row"""
    )
    con.execute(
        sql_file(
            HERE / "workbook_typed.sql",
            counts=counts,
            percentages=pcts,
            suppressed_fields=suppressed,
            percent_scale_100=scale,
            bad_count_fields=bad_counts,
            bad_pct_fields=bad_pcts,
        ),
        {"setting": period.setting, "period": period.period},
    )


WORKBOOK_RULES = [
    RowRule("count_is_whole_number", "bad_count_fields",
            "len(bad_count_fields) > 0", "a count is neither a whole number, blank nor '*'"),
    RowRule("percentage_in_range", "bad_pct_fields",
            "len(bad_pct_fields) > 0", "a percentage is not a number between 0 and 1 (or 0 and 100)"),
    RowRule("breakdown_sums_to_total", "total_responses",
            "NOT is_suppressed AND total_responses IS NOT NULL AND very_good IS NOT NULL "
            "AND very_good + good + neither_good_nor_poor + poor + very_poor + dont_know <> total_responses",
            "Very Good … Don't Know do not add up to Total Responses"),
    RowRule("organisation_identified", "organisation_code",
            "aggregate_level IS NULL AND organisation_code IS NULL AND ward_name IS NULL",
            "an organisation row has no ODS code"),
]  # fmt: skip


def load_fft_workbook(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
    """One monthly FFT workbook → raw cells → ``staged.fft_scores`` + ``staged.fft_aggregate_scores``."""

    ensure_fft_tables(con)
    period, cells = read_workbook(f)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fft_cells (source_row BIGINT, sheet VARCHAR, excel_row INTEGER,
           column_letter VARCHAR, header VARCHAR, field VARCHAR, value VARCHAR)"""
    )
    con.executemany("INSERT INTO _fft_cells VALUES (?, ?, ?, ?, ?, ?, ?)", cells)
    con.execute(
        """INSERT INTO raw.fft_workbook_cells BY NAME
           SELECT *, ? AS source_file, ? AS file_sha256 FROM _fft_cells""",
        [f.rel_path, f.sha256],
    )
    type_workbook_rows(con, period)
    rows_read = int(con.execute("SELECT count(*) FROM _fft_typed").fetchone()[0])
    quarantined = quarantine_rows(con, "_fft_typed", WORKBOOK_RULES, f, policy=P.SCORES)
    keep = passing_rows(WORKBOOK_RULES)
    con.execute(sql_file(HERE / "staged_fft_scores.sql", passes=keep), f.provenance_params())
    con.execute(sql_file(HERE / "staged_fft_aggregate_scores.sql", passes=keep), f.provenance_params())
    return LoadCounts(rows_read, rows_read - quarantined, quarantined)
