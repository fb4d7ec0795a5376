"""Complaints: KO41a/KO41b-style returns and local complaints registers."""

from pipelines.sources.complaints import readers as L
from pipelines.sources.complaints.sample import write_complaints
from pipelines.sources.complaints.suite import SUITES
from pipelines.sources.source_spec import IngestTable, SourceSpec

DEPS = ("ref/nhs_trusts", "ref/practice_geography_versions", "ref/complaint_subject_themes")

SOURCE = SourceSpec(
    name="complaints",
    description="Written complaints: KO41 returns (counts) and local registers (one row per complaint).",
    layouts=L.COMPLAINT_LAYOUTS,
    suites=SUITES,
    write_sample=write_complaints,
    tables=(
        IngestTable(
            "staged.complaint_returns",
            (L.RETURNS,),
            "Written complaints returns (KO41a hospital and community, KO41b GP and dental) in long form: brought "
            "forward, new, upheld / partially / not upheld, resolved, carried forward and the breakdowns by age, "
            "complainant status, service area, subject and profession. Headers are read through header_map.csv; a "
            "return whose arithmetic fails is quarantined with the rule it broke.",
            prepare=L.ensure_complaint_tables,
            deps=DEPS,
            preview_order="organisation_code, period_start, measure_group, measure",
        ),
        IngestTable(
            "staged.complaints",
            (L.REGISTER,),
            "Local complaints registers, one row per complaint: received / closed dates, organisation and "
            "geography, subjects mapped to framework themes, outcome, patient demographics; the description goes "
            "to staged.comments (channel 'complaint') with its text in raw.comment_text.",
            prepare=L.ensure_complaint_tables,
            deps=DEPS,
            preview_order="complaint_id",
            writes_comments=True,
        ),
    ),
)
