"""Healthwatch layouts (docs/DESIGN.md section 4, "Healthwatch"), one module per format family:

- ``lookup``: ``ons_lad_icb_lookup``, the ONS local authority → sub-ICB → ICB lookup;
- ``register``: ``healthwatch_register``, the CSV describing every report file;
- ``reports``: ``healthwatch_report_*``, report documents (PDF, HTML, DOCX, Markdown) and their findings;
- ``reviews``: ``healthwatch_reviews``, Feedback Centre-style star-rated reviews;
- ``common``: the tables, dates and header-mapped columns they share.
"""

from __future__ import annotations

from pipelines.ingest.detect import Layout
from pipelines.sources.healthwatch.readers.common import SOURCE, date_sql, ensure_healthwatch_tables
from pipelines.sources.healthwatch.readers.lookup import LAD_LOOKUP, la_join, load_lad_lookup
from pipelines.sources.healthwatch.readers.register import REGISTER, load_register
from pipelines.sources.healthwatch.readers.reports import (
    REPORT_DOCX,
    REPORT_HTML,
    REPORT_LAYOUTS,
    REPORT_MARKDOWN,
    REPORT_PDF,
    load_report,
    load_reports,
    refresh_report_metadata,
)
from pipelines.sources.healthwatch.readers.reviews import REVIEWS, load_reviews

HEALTHWATCH_LAYOUTS: tuple[Layout, ...] = (LAD_LOOKUP, REGISTER, *REPORT_LAYOUTS, REVIEWS)

__all__ = [
    "HEALTHWATCH_LAYOUTS",
    "LAD_LOOKUP",
    "REGISTER",
    "REPORT_DOCX",
    "REPORT_HTML",
    "REPORT_LAYOUTS",
    "REPORT_MARKDOWN",
    "REPORT_PDF",
    "REVIEWS",
    "SOURCE",
    "date_sql",
    "ensure_healthwatch_tables",
    "la_join",
    "load_lad_lookup",
    "load_register",
    "load_report",
    "load_reports",
    "load_reviews",
    "refresh_report_metadata",
]
