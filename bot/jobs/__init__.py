"""Timed work, one module per feature; each feature's manifest (bot/features/) declares its jobs."""
