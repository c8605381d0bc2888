"""Timed work, one module per feature; functions are referenced by name from bot/scheduler.py RECURRING_JOBS."""
