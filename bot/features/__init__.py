"""Every feature of the bot, in the order its routers are tried.

Adding a feature is its own files plus one line here.
"""

from __future__ import annotations

from bot.feature import Feature
from bot.features import delivery, foundation, heatwave, newsletter, night, procurement, training

FEATURES: tuple[Feature, ...] = (
    foundation.FEATURE,
    newsletter.FEATURE,
    procurement.FEATURE,
    delivery.FEATURE,
    night.FEATURE,
    training.FEATURE,
    heatwave.FEATURE,
)


def import_all_tables() -> None:
    """Register every feature's tables on SQLModel's metadata (Alembic, /mydata's export, erasure)."""
    import importlib

    for feature in FEATURES:
        for module in feature.tables:
            importlib.import_module(module)
