"""Benchmarks: each prints one JSON line with its same-run baseline (see README, Performance)."""

import bot  # noqa: F401  (first: aiogram's models are then built on first use, as in the running bot)
