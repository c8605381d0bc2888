"""The only places the bot reaches into a library's private internals, each for a measured speed-up.

All are written against the library versions in `WRITTEN_FOR`; with any other version installed they are
not applied (the bot is then correct, only slower), and `tests/foundation/test_patches.py` fails so that a
developer who upgrades the library re-checks them.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import aiosqlite

if TYPE_CHECKING:  # a CLI import process opens the database without loading aiogram (~130 MB)
    from aiogram import Router
    from aiogram.dispatcher.event.handler import FilterObject

log = logging.getLogger(__name__)

WRITTEN_FOR = {"aiosqlite": "0.22.", "aiogram": "3.31.", "pydantic": "2.13."}


def applies(package: str) -> bool:
    """Is the installed version of `package` one these patches were written and tested for?"""
    return version(package).startswith(WRITTEN_FOR[package])


class InlineSqliteConnection(aiosqlite.Connection):
    """aiosqlite that runs each call on the event loop instead of handing it to its worker thread.

    A call on a local WAL file takes microseconds; the thread hand-off it replaces costs 50-300 µs, and a
    handled update makes about twenty of them. The bot uses one connection (bot/db.py), so nothing in this
    process ever waits for SQLite's lock; another process (a CLI command) holding it briefly may block the
    loop for those milliseconds, which is the price of an embedded database.
    Private: overrides `aiosqlite.Connection._execute` (aiosqlite 0.22).
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def sqlite_connection_class() -> type[aiosqlite.Connection]:
    if applies("aiosqlite"):
        return InlineSqliteConnection
    log.warning("aiosqlite %s is not the version bot/patches.py was written for: SQLite calls use its thread",
                version("aiosqlite"))
    return aiosqlite.Connection


def run_sync_filters_on_loop(root: Router) -> None:
    """Evaluate synchronous filters (`F.text…`, a `State`) directly instead of in a worker thread.

    aiogram runs every non-coroutine filter through `asyncio.to_thread`; such a filter is a few attribute
    reads, so that hop (measured ~6 per update) cost more than the whole handler. Filters here must be
    cheap and never block: that is the rule this relies on. Private: rewrites `FilterObject.callback` and
    `.awaitable` (aiogram 3.31).
    """
    if not applies("aiogram"):
        log.warning("aiogram %s is not the version bot/patches.py was written for: filters run in threads",
                    version("aiogram"))
        return
    for router in root.chain_tail:
        for observer in router.observers.values():
            for handler in [observer._handler, *observer.handlers]:
                for filter_object in handler.filters or ():
                    _resolve_on_the_loop(filter_object)


def _resolve_on_the_loop(filter_object: FilterObject) -> None:
    if filter_object.awaitable:
        return
    resolve = filter_object.callback

    async def resolve_now(*args: Any, **kwargs: Any) -> Any:
        return resolve(*args, **kwargs)

    filter_object.callback = resolve_now
    filter_object.awaitable = True


def detach(router: Router) -> None:
    """Let a module-level router join a new root: aiogram allows one parent per router, and a restart or a
    test builds a new Dispatcher in the same process. Private: clears `Router._parent_router` (aiogram 3.31).
    """
    router._parent_router = None


def build_aiogram_models_on_first_use() -> None:
    """Build the validator of an aiogram model when it is first used, not all ~1,000 of them at import.

    `aiogram.types` ends by calling `model_rebuild()` on every type, which builds each one's validator; each
    validator holds the schema of every type it can contain, so the import cost ~155 MB and 2 s (measured),
    most of it for types a volunteers' bot never sees. Here that loop only records the namespace it passes,
    and a model still unbuilt is built with it when first used (pydantic's deferred build): a process that
    handles updates holds ~70 MB of aiogram instead. Must run before anything imports aiogram; `bot` runs it
    on import. Private: `model_rebuild`'s `_types_namespace` argument (pydantic 2.13, aiogram 3.31).
    """
    if "aiogram" in sys.modules or not (applies("aiogram") and applies("pydantic")):
        return
    from pydantic import BaseModel

    rebuild = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]
    aiogram_names: dict[str, Any] = {}

    def model_rebuild(cls: type[BaseModel], *, force: bool = False, raise_errors: bool = True,
                      _parent_namespace_depth: int = 2, _types_namespace: Any = None) -> bool | None:
        if not cls.__module__.startswith("aiogram."):
            return rebuild(cls, force=force, raise_errors=raise_errors,  # type: ignore[no-any-return]
                           _parent_namespace_depth=_parent_namespace_depth + 1, _types_namespace=_types_namespace)
        if _types_namespace is not None and not force and not cls.__pydantic_complete__:
            aiogram_names.update(_types_namespace)  # aiogram.types' import loop: remember, build later
            return None
        # a first use (or aiogram.methods' own build): every aiogram type resolves from the recorded names
        return rebuild(cls, force=force, raise_errors=raise_errors,  # type: ignore[no-any-return]
                       _types_namespace={**aiogram_names, **(_types_namespace or {})})

    BaseModel.model_rebuild = classmethod(model_rebuild)  # type: ignore[assignment, method-assign]
