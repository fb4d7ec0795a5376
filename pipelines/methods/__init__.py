"""Statistical methods for the marts: standardisation, funnels, change over time and SPC (DESIGN.md section 7)."""
