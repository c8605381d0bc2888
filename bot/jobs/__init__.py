"""Scheduled jobs, one module per feature; each is idempotent (the database remembers what was done)."""
