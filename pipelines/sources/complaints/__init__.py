"""Complaints readers: KO41a/KO41b-style aggregate returns and record-level local complaints registers."""
