"""The router tree: every feature's routers, in the order of `bot.features.FEATURES`, then the fallback."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery

from bot.feature import resolve
from bot.features import FEATURES
from bot.patches import applies, detach, run_sync_filters_on_loop


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
    route_taps_by_prefix(root)
    return root


_GATES: WeakKeyDictionary[Router, TapPrefixes] = WeakKeyDictionary()  # each router gated once per process


def route_taps_by_prefix(root: Router) -> None:
    """Let a button tap skip, in one check, every router none of whose handlers can take it.

    aiogram tries each callback handler in turn until one's filter matches: with ~180 of them, a tap on a
    late feature's button (a heat-wave answer) ran ~150 `CallbackData` filters, each failing by raising
    inside `unpack` (measured with py-spy: about a third of an answer's CPU). Our handlers read typed
    `CallbackData`, so a router whose whole subtree does gets a root filter on the prefixes it can take: a
    tap with another prefix cannot match any of its handlers, and aiogram checks a root filter before the
    router's handlers and sub-routers, so skipping them changes nothing else. A router with a handler that
    takes other taps (the fallback) keeps seeing them all. Reads the public `filters` of aiogram's
    `HandlerObject` (checked for aiogram 3.31, as bot/patches.py is; tests/foundation/test_routing.py).
    """
    if not applies("aiogram"):
        return
    for router in root.chain_tail:
        if router is root or router in _GATES:  # a restart builds a new root over the same routers
            continue
        handlers = [handler for each in router.chain_tail for handler in each.callback_query.handlers]
        prefixes: dict[str, set[str]] = {}  # separator -> prefixes
        for handler in handlers:
            typed = [each.callback for each in handler.filters or () if isinstance(each.callback, CallbackQueryFilter)]
            if not typed:
                break  # this handler may take any tap: the router must see them all
            data = typed[0].callback_data
            prefixes.setdefault(data.__separator__, set()).add(data.__prefix__)
        else:
            if handlers:
                _GATES[router] = TapPrefixes(prefixes)
                router.callback_query.filter(_GATES[router])


def tap_gate(router: Router) -> TapPrefixes | None:
    """The prefixes a router lets through (None: it sees every tap)."""
    return _GATES.get(router)


class TapPrefixes(Filter):
    """Does the tap carry one of these `CallbackData` prefixes (by separator)?"""

    def __init__(self, prefixes: dict[str, set[str]]) -> None:
        self._prefixes = [(separator, frozenset(names)) for separator, names in prefixes.items()]

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data or ""
        return any(data.split(separator, 1)[0] in names for separator, names in self._prefixes)
