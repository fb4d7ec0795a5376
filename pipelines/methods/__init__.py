"""Statistical and disclosure-control methods (OHID / PHE Fingertips, NHS England), as plain functions."""
