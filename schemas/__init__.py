"""Pydantic models shared by the Chorus pipeline: settings, canonical records and vocabularies."""
