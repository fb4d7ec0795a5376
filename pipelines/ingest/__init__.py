"""The ingest loop every source uses: landing files, layout detection, CSV staging, row quarantine, the ledger."""
