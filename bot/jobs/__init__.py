"""Timed jobs, one module per feature; each is a module-level coroutine the scheduler finds by name."""
