"""Publishing the analyst-facing store."""
