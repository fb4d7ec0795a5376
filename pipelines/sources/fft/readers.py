"""FFT layouts: the monthly publication workbooks and the three comment-export shapes."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from pipelines.ingest.detect import BatchLoader, ClearFiles, Layout, LoadCounts, Loader
from pipelines.ingest.files import FileRejected, LandingFile
from pipelines.sources.fft.comments import load_comment_export, load_comment_exports
from pipelines.sources.fft.common import COMMENT_TABLES
from pipelines.sources.fft.workbook import load_fft_workbook, looks_like_fft_workbook


def _comments_loader(layout: str) -> Loader:
    def load(con: duckdb.DuckDBPyConnection, f: LandingFile) -> LoadCounts:
        return load_comment_export(con, f, layout)

    load.__doc__ = f"FFT comment export, {layout} shape."
    return load


def _comments_batch_loader(layout: str) -> BatchLoader:
    def load_batch(
        con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], clear: ClearFiles
    ) -> dict[str, LoadCounts | FileRejected]:
        return load_comment_exports(con, files, clear, layout)

    load_batch.__doc__ = f"FFT comment exports, {layout} shape, loaded together."
    return load_batch


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
    load_batch=_comments_batch_loader("trust_upload"),
    signature=frozenset({"comment_id", "date", "location_1"}),
)
FFT_PUBLIC_LABELLED = Layout(
    name="fft_comments_public_labelled",
    source="fft",
    description="Public labelled FFT comments (Comment ID, Trust, Respondent ID, Date, Service type 1/2, "
    "FFT categorical answer, FFT question, FFT answer)",
    tables=COMMENT_TABLES,
    load=_comments_loader("public_labelled"),
    load_batch=_comments_batch_loader("public_labelled"),
    signature=frozenset({"comment id", "trust", "fft categorical answer", "fft answer"}),
)
FFT_PHASE1_LABELLED = Layout(
    name="fft_comments_phase1_labelled",
    source="fft",
    description="Phase-1 labelled comments (code, label, subcategory, feedback, criticality, organization, "
    "question, row_index)",
    tables=COMMENT_TABLES,
    load=_comments_loader("phase1_labelled"),
    load_batch=_comments_batch_loader("phase1_labelled"),
    signature=frozenset({"feedback", "criticality", "organization", "question", "row_index"}),
)

FFT_COMMENT_LAYOUTS: tuple[Layout, ...] = (FFT_TRUST_UPLOAD, FFT_PUBLIC_LABELLED, FFT_PHASE1_LABELLED)
FFT_LAYOUTS: tuple[Layout, ...] = (FFT_WORKBOOK, *FFT_COMMENT_LAYOUTS)
