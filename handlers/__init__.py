"""The router tree: every feature's routers, in the order of `bot.features.FEATURES`, then the fallback."""

from __future__ import annotations

from aiogram import Router

from bot.feature import resolve
from bot.features import FEATURES
from bot.patches import detach, run_sync_filters_on_loop


def feature_routers() -> list[Router]:
    """Commands that work everywhere come first (the foundation), so that no conversation state can swallow
    them; the fallback is always last."""
    routers = [resolve(path) for feature in FEATURES for path in feature.routers]
    return [*routers, resolve("handlers.foundation.fallback:router")]


def build_router() -> Router:
    """A fresh root over the feature routers (a restart or a test builds a new Dispatcher in-process)."""
    root = Router(name="root")
    for router in feature_routers():
        detach(router)
        root.include_router(router)
    run_sync_filters_on_loop(root)
    return root
