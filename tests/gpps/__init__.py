"""GPPS tests: every header generation, the catalogue, respondent extracts and weighted outcomes."""
