"""What every Healthwatch layout shares: the tables, dates as registers and reviews write them, and
header-mapped columns.
"""

from pathlib import Path

import duckdb

from pipelines.core.sql import quote_identifier, quote_literal
from pipelines.sources.shared.comments import ensure_comment_tables
from pipelines.sources.shared.header_map import columns_for_fields, header_rules

SOURCE = "healthwatch"
HERE = Path(__file__).parents[1]
READERS_DIR = Path(__file__).parent
HEADER_MAP = HERE / "header_map.csv"  # + CHORUS_HEALTHWATCH_HEADER_MAP (see pipelines/sources/header_map.py)
TABLES_SQL = (HERE / "tables.sql").read_text()

# Dates as registers and review exports write them: ISO, UK day-first, or with a month name.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %Y",
    "%Y-%m-%dT%H:%M:%S",
)


def date_sql(column: str) -> str:
    """SQL: a text date in any of ``DATE_FORMATS`` as DATE, else NULL."""
    tries = ", ".join(f"try_strptime(trim({column}), {quote_literal(fmt)})" for fmt in DATE_FORMATS)
    return f"coalesce({tries})::DATE"


def ensure_healthwatch_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the Healthwatch tables and the shared comment tables if missing."""
    con.execute(TABLES_SQL)
    ensure_comment_tables(con)


def _mapped(header: list[str], layout: str, required: tuple[str, ...]) -> dict[str, str] | None:
    """Field → quoted column for a header-mapped layout, or None when a required field has no column."""
    chosen = columns_for_fields(header, header_rules(SOURCE, HEADER_MAP, layout))
    if any(field not in chosen for field in required):
        return None
    return {field: quote_identifier(column) for field, column in chosen.items()}
