"""Long polling that loses no update to a crash: each batch is stored before the offset that confirms it.

`getUpdates` with offset N tells Telegram that every update below N was received, and Telegram forgets
them. aiogram's polling moves the offset as soon as it has read a batch, so a crash (SIGKILL, OOM, deploy)
lost what was read but not yet handled. Here a batch is stored in the update store (the webhook's,
services/inbox.py) before the next call moves the offset; a restart first handles what the previous run
stored but did not finish, once. Handling, retries after a failure, "failed" after the documented attempts
and the metrics are the webhook worker's (bot/webhook.py UpdateProcessor): one behaviour for both modes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from aiogram.methods import GetUpdates
from aiogram.types import Update

from bot import metrics
from bot.app import App
from bot.webhook import UpdateProcessor, worker_name
from models.base import utcnow
from services import inbox

log = logging.getLogger(__name__)

BACKOFF_MAX = 5.0


class StoredPolling:
    """`await polling.run()` until `stop()`; updates are handled as tasks, at most `concurrency` at once."""

    def __init__(self, app: App, *, timeout: int = 30, concurrency: int = 64,
                 allowed_updates: Sequence[str] | None = None) -> None:
        assert app.bot is not None
        self.app = app
        self.bot = app.bot
        # this run's own name: a restart in the same process (tests) must see the old run's updates as orphans
        self.processor = UpdateProcessor(app, f"{worker_name()}/{secrets.token_hex(3)}")
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else \
            app.dispatcher.resolve_used_update_types()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Handle what a previous run left, then poll until stopped; waits for the updates in hand."""
        # Only one process may call getUpdates for a bot: whatever another run still holds is an orphan.
        # Before polling, so that an update of this run is never taken for one.
        while await self._retrying(lambda: self.processor.recover_once(orphans=True), "recovering stored updates"):
            pass
        recovery = asyncio.create_task(self._recover_loop(), name="update-recovery")
        poller = asyncio.create_task(self._poll(), name="polling")
        stopped = asyncio.create_task(self._stop.wait())
        try:
            done, _ = await asyncio.wait({poller, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if poller in done:
                poller.result()
        finally:
            for task in (poller, recovery, stopped):
                task.cancel()
            await asyncio.gather(poller, recovery, stopped, return_exceptions=True)
            if self._tasks:  # let the updates in hand finish: stopping must not cut a reply in half
                await asyncio.wait(list(self._tasks), timeout=10)

    async def _recover_loop(self) -> None:
        while True:
            await asyncio.sleep(self.app.settings.recovery_interval_seconds)
            try:
                await self.processor.recover_once()  # failed updates come back after their lease
            except Exception as error:
                log.warning("update recovery failed (%s); trying again later", type(error).__name__)

    async def _poll(self) -> None:
        offset: int | None = None
        delay = 0.1
        while True:
            try:
                updates = await self.bot(GetUpdates(offset=offset, timeout=self.timeout,
                                                    allowed_updates=self.allowed_updates),
                                         request_timeout=self.timeout + 30)
                if updates:
                    fresh = await self._store(updates)
                    offset = updates[-1].update_id + 1  # only now: the next call confirms what is stored
                    for update in updates:
                        if update.update_id in fresh:
                            await self._slots.acquire()
                            task = asyncio.create_task(self._handle(update))
                            self._tasks.add(task)
                            task.add_done_callback(self._tasks.discard)
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Bot API or database unreachable: the offset did not move, so Telegram keeps the updates
                log.warning("polling: %s; trying again in %.1f s", type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(BACKOFF_MAX, delay * 2)

    async def _store(self, updates: Sequence[Update]) -> set[int]:
        """Store and claim the batch in one transaction; returns the ids this run should handle (a
        redelivered id already stored is handled by recovery, not twice)."""
        now, lease = utcnow(), self.processor.lease
        fresh: set[int] = set()
        async with self.app.sessions.begin() as session:
            for update in updates:
                payload = update.model_dump(mode="json", by_alias=True, exclude_none=True)
                if await inbox.receive_update(session, update.update_id, payload, worker=self.processor.worker,
                                              now=now, lease=lease):
                    fresh.add(update.update_id)
                else:
                    metrics.UPDATES.labels("duplicate").inc()
        return fresh

    async def _handle(self, update: Update) -> None:
        try:
            await self.processor.handle(update, "handled")
        except Exception as error:  # the outcome could not be recorded: recovery takes it after its lease
            log.error("update %s: %s; it will be recovered", update.update_id, type(error).__name__)
        finally:
            self._slots.release()

    async def _retrying(self, work: Any, what: str) -> Any:
        delay = 0.1
        while True:
            try:
                return await work()
            except Exception as error:
                log.warning("%s failed (%s); trying again in %.1f s", what, type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(BACKOFF_MAX, delay * 2)


async def poll_until_stopped(app: App, polling: StoredPolling) -> None:
    """Run `polling` with the dispatcher's startup and shutdown hooks around it."""
    assert app.bot is not None
    await app.dispatcher.emit_startup(bot=app.bot)
    try:
        await polling.run()
    finally:
        with contextlib.suppress(Exception):
            await app.dispatcher.emit_shutdown(bot=app.bot)
