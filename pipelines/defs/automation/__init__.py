"""Automation: the nightly refresh, the landing-folder sensor, freshness and automation conditions."""
