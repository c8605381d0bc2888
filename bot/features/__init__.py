"""Every feature of the bot, in the order its routers are tried.

Adding a feature is its own files plus one line here.
"""

from __future__ import annotations

import importlib

from bot.feature import Feature

# Each name is a module of this package holding that feature's manifest (`FEATURE`).
FEATURES: tuple[Feature, ...] = tuple(importlib.import_module(f"bot.features.{name}").FEATURE for name in (
    "foundation",
    "newsletter",
    "procurement",
    "delivery",
    "night",
    "training",
    "heatwave",
    "programme",
    "kits",
    "missions",
))


def import_all_tables() -> None:
    """Register every feature's tables on SQLModel's metadata (Alembic, /mydata's export, erasure)."""
    for feature in FEATURES:
        for module in feature.tables:
            importlib.import_module(module)
