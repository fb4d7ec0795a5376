"""The text stage: redaction, themes, sentiment."""
