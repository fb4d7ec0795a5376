"""GP Patient Survey: layouts, grammar, measure catalogue and weighted outcomes (no Dagster here)."""
