"""One aiogram Router per feature, assembled here in the order they are tried."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject

from handlers import (
    alert_answers,
    alerts,
    broadcast,
    coordinator,
    fallback,
    kit,
    language,
    membership,
    menu,
    newsletter,
    night,
    night_coord,
    privacy,
    signup,
    tenders,
    training,
    training_coordinator,
)


def feature_routers() -> list[Router]:
    # Commands that work everywhere come first, so that no conversation state can swallow them.
    return [
        membership.router,
        menu.router,
        language.router,
        privacy.router,
        coordinator.router,
        newsletter.router,
        signup.router,
        tenders.router,
        broadcast.router,
        night.router,
        night_coord.router,
        training.router,
        training_coordinator.router,
        kit.router,
        alert_answers.router,
        alerts.router,
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
    for router in root.chain_tail:
        for observer in router.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                for filter_object in handler.filters or ():
                    _resolve_on_the_loop(filter_object)
    return root


def _resolve_on_the_loop(filter_object: FilterObject) -> None:
    """Evaluate a synchronous filter (`F.text…`, a `State`) directly instead of in a worker thread.

    aiogram runs every non-coroutine filter through `asyncio.to_thread`; such a filter is a few attribute
    reads, so that hop (measured ~6 per update) cost more than the whole handler. Filters here must be
    cheap and never block: that is the rule this relies on.
    """
    if filter_object.awaitable:
        return
    resolve = filter_object.callback

    async def resolve_now(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    filter_object.callback = resolve_now
    filter_object.awaitable = True
