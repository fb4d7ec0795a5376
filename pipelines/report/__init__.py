"""The inequalities report: self-contained HTML per ICB from the published marts (no Dagster here)."""

from pipelines.report.render import render_all_reports, render_icb_report, report_filename

__all__ = ["render_all_reports", "render_icb_report", "report_filename"]
