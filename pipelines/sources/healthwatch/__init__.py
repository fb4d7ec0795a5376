"""Healthwatch: report documents with their register, the local authority → ICB lookup, star-rated reviews."""
