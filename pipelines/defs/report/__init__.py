"""The inequalities report: self-contained HTML per ICB from the published store."""
