"""Statistical and disclosure-control methods (OHID / PHE Fingertips, NHS England; docs/DESIGN.md section 7), as plain functions."""
