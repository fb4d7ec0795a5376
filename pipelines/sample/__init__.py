"""The synthetic sample: one made-up ICS (``ics``) that every source's ``sample.py`` writes in its real published format."""
