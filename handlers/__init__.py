"""One aiogram Router per feature, assembled here in the order they are tried."""

from __future__ import annotations

from aiogram import Router

from handlers import coordinator, fallback, language, membership, menu, privacy, signup
from handlers.alert_answers import router as alert_answers_router
from handlers.alerts import router as alerts_router
from handlers.kit import router as kit_router


def feature_routers() -> list[Router]:
    # Commands that work everywhere come first, so that no conversation state can swallow them.
    return [
        membership.router,
        menu.router,
        language.router,
        privacy.router,
        coordinator.router,
        signup.router,
        kit_router, alert_answers_router, alerts_router,  # heat-wave kit and alerts
        # features go above this line; fallback must stay last
        fallback.router,
    ]


def build_router() -> Router:
    """A fresh root over the feature routers (a restart or a test builds a new Dispatcher in-process)."""
    root = Router(name="root")
    for router in feature_routers():
        # aiogram lets a router have one parent; the previous root, if any, is being discarded
        router._parent_router = None
        root.include_router(router)
    return root
