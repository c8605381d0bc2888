"""Scheduled jobs, one module per feature; each gets the running app from `bot.scheduler.job_context()`."""
