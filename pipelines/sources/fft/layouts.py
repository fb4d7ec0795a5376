"""FFT layouts: the monthly publication workbooks and the three comment-export shapes."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.ingest import LandingFile, Layout, LoadCounts
from pipelines.sources.fft.comments import load_comment_export
from pipelines.sources.fft.workbook import load_fft_workbook, looks_like_fft_workbook
from pipelines.sources.shared.comments import ensure_comment_tables

TABLES_SQL = (Path(__file__).parent / "tables.sql").read_text()
COMMENT_TABLES = ("raw.fft_comment_rows", "raw.comment_text", "staged.comments", "staged.fft_comment_details")


def ensure_fft_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the FFT tables, the shared comments tables and the ``staged.fft_comments`` view."""
    con.execute(TABLES_SQL)
    ensure_comment_tables(con)
    con.execute(
        """CREATE OR REPLACE VIEW staged.fft_comments AS
           SELECT c.*, d.layout, d.respondent_id, d.organisation_as_written, d.location_1, d.location_2, d.location_3,
                  d.date_as_written, d.date_order
           FROM staged.comments c LEFT JOIN staged.fft_comment_details d USING (comment_id)
           WHERE c.source = 'fft'"""
    )


def _comments_loader(layout: str):  # noqa: ANN202 - returns a Loader
    def load(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
        return load_comment_export(con, f, layout)

    load.__doc__ = f"FFT comment export, {layout} shape."
    return load


FFT_WORKBOOK = Layout(
    name="nhse_fft_workbook",
    source="fft",
    description="NHS England monthly FFT workbook (.xlsm/.xlsx): ICB / Trusts / Sites / Wards / ambulance sheets, "
    "title rows, two-row header, England and Selection rows",
    tables=("raw.fft_workbook_cells", "staged.fft_scores", "staged.fft_aggregate_scores"),
    load=load_fft_workbook,
    suffixes=frozenset({".xlsx", ".xlsm"}),
    sniff=looks_like_fft_workbook,
)
FFT_TRUST_UPLOAD = Layout(
    name="fft_comments_trust_upload",
    source="fft",
    description="Comment-level FFT in the trust upload template (comment_id, date, location_1..3, fft, comment, "
    "question, demographics)",
    tables=COMMENT_TABLES,
    load=_comments_loader("trust_upload"),
    signature=frozenset({"comment_id", "date", "location_1"}),
)
FFT_PUBLIC_LABELLED = Layout(
    name="fft_comments_public_labelled",
    source="fft",
    description="Public labelled FFT comments (Comment ID, Trust, Respondent ID, Date, Service type 1/2, "
    "FFT categorical answer, FFT question, FFT answer)",
    tables=COMMENT_TABLES,
    load=_comments_loader("public_labelled"),
    signature=frozenset({"comment id", "trust", "fft categorical answer", "fft answer"}),
)
FFT_PHASE1_LABELLED = Layout(
    name="fft_comments_phase1_labelled",
    source="fft",
    description="Phase-1 labelled comments (code, label, subcategory, feedback, criticality, organization, "
    "question, row_index)",
    tables=COMMENT_TABLES,
    load=_comments_loader("phase1_labelled"),
    signature=frozenset({"feedback", "criticality", "organization", "question", "row_index"}),
)

FFT_COMMENT_LAYOUTS: tuple[Layout, ...] = (FFT_TRUST_UPLOAD, FFT_PUBLIC_LABELLED, FFT_PHASE1_LABELLED)
FFT_LAYOUTS: tuple[Layout, ...] = (FFT_WORKBOOK, *FFT_COMMENT_LAYOUTS)
