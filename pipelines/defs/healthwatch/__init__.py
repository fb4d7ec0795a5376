"""Healthwatch: report documents and their register, the local authority → ICB lookup, star-rated reviews."""
