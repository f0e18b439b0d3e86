"""The sync engine: runs as records, RQ jobs, batched ingest, the watchdog that resumes abandoned runs."""
