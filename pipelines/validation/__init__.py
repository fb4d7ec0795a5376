"""Validation: expectation suites kept in code, run by Great Expectations (or SQL for huge batches)."""
