"""The Friends and Family Test: NHS England's monthly workbooks and trusts' comment-level exports."""

from pipelines.sources.fft import readers as L
from pipelines.sources.fft.common import ensure_fft_tables
from pipelines.sources.fft.sample import write_fft
from pipelines.sources.fft.suite import SUITES
from pipelines.sources.source_spec import IngestTable, SourceSpec

# Geography (trust → ICB, practice → sub-ICB / ICB) is joined at load time, so the reference loads first.
REFERENCE_DEPS = ("ref/nhs_trusts", "ref/practice_geography_versions")

SOURCE = SourceSpec(
    name="fft",
    description="Friends and Family Test scores per organisation and month, and free-text comments.",
    layouts=L.FFT_LAYOUTS,
    suites=SUITES,
    write_sample=write_fft,
    tables=(
        IngestTable(
            "staged.fft_scores",
            (L.FFT_WORKBOOK,),
            "FFT responses per organisation (trust, site, ward, practice), setting and month: total responses and "
            "eligible, % positive / negative as 0-1, the very good … don't know breakdown, collection modes, '*' "
            "read as suppressed. England, ICB and Selection rows go to staged.fft_aggregate_scores.",
            kinds=frozenset({"duckdb", "excel"}),
            prepare=ensure_fft_tables,
            deps=REFERENCE_DEPS,
            preview_order="setting, period, level, organisation_code",
        ),
        IngestTable(
            "staged.fft_comments",
            L.FFT_COMMENT_LAYOUTS,
            "FFT free-text comments, one per response, in the shared staged.comments table (this asset is its FFT "
            "view, with location levels): score as rating 1 very good … 5 very poor, question, date with "
            "day/month ambiguity recorded, demographics in the shared vocabulary; text in raw.comment_text.",
            prepare=ensure_fft_tables,
            deps=REFERENCE_DEPS,
            preview_order="comment_id",
            writes_comments=True,
        ),
    ),
)
