"""Free-text processing for patient comments: offline PII redaction and theme/sentiment models."""
