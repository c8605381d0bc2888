"""One database session per update, committed before the bot speaks and at the end of the update."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import metrics
from bot.delivery.limits import COUNTED_METHODS, INTERACTIVE, RateLimiter
from bot.middlewares import Handler
from models.base import utcnow
from services import inbox

log = logging.getLogger(__name__)

_current_session: ContextVar[AsyncSession | None] = ContextVar("update_session", default=None)


def current_session() -> AsyncSession | None:
    """The session of the update being handled in this task, if any."""
    return _current_session.get()


class DbSessionMiddleware(BaseMiddleware):
    def __init__(self, sessions: async_sessionmaker[AsyncSession]):
        self._sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._sessions() as session:
            token = _current_session.set(session)
            data["session"] = session
            try:
                result = await handler(event, data)
                # The update store's "handled" goes in the handler's last transaction: what it wrote and the
                # fact that it ran commit together, and the update costs one write transaction, not two.
                receipt: inbox.Receipt | None = data.get("update_receipt")
                if receipt is not None:
                    await inbox.mark_handled(session, receipt.update_id, worker=receipt.worker, now=utcnow())
                await session.commit()
                if receipt is not None:
                    receipt.recorded = True
                return result
            finally:
                _current_session.reset(token)


class CommitBeforeSend(BaseRequestMiddleware):
    """Commit the update's transaction before any Bot API call.

    Two reasons: the user is never told something that could still roll back, and no database
    transaction (on SQLite, the write lock) is held across a network round trip to Telegram.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = _current_session.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)


class ReliableCalls(BaseRequestMiddleware):
    """Every Bot API call survives flood control and transient faults, so nobody is left in silence.

    - A message (COUNTED_METHODS) waits for its turn in the bot's one send budget, interactive lane: replies
      go before mass sends, and the budget is the sender's too (bot/delivery/budget.py).
    - 429: the whole bot pauses `retry_after` (Bot API `parameters.retry_after`; the flood limit is per
      bot), then the call is retried, at most `max_flood_waits` times. Every other call waits out the pause.
    - 5xx and network errors: retried with exponential backoff while within `deadline` seconds. A sendMessage
      that timed out may have arrived; as for the outbox, delivery is at-least-once for calls on the wire.
    getUpdates keeps aiogram's own backoff (long polling is not a message).
    """

    def __init__(self, budget: Callable[[], RateLimiter], *, max_flood_waits: int = 8, deadline: float = 30.0,
                 backoff_base: float = 0.25, backoff_max: float = 5.0) -> None:
        self.budget = budget
        self.max_flood_waits = max_flood_waits
        self.deadline = deadline
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if name == "getUpdates":
            return await make_request(bot, method)
        counted = name in COUNTED_METHODS
        budget = self.budget()  # looked up per call: the bot may be built before the event loop runs
        started = time.monotonic()
        floods = faults = 0
        while True:
            if counted:
                await budget.acquire(INTERACTIVE)
            else:
                await budget.wait_pause()
            sent_at = time.perf_counter()
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as error:
                metrics.API_LATENCY.labels(name).observe(time.perf_counter() - sent_at)
                metrics.FLOOD_WAITS.labels(INTERACTIVE).inc()
                metrics.FLOOD_WAIT_SECONDS.inc(error.retry_after)
                await budget.pause(float(error.retry_after))
                floods += 1
                if floods > self.max_flood_waits:
                    self._count(counted, "failed")
                    raise
                log.info("%s: 429, retrying after %s s (%d)", name, error.retry_after, floods)
                continue
            except (TelegramServerError, TelegramNetworkError) as error:
                metrics.API_LATENCY.labels(name).observe(time.perf_counter() - sent_at)
                faults += 1
                delay = min(self.backoff_max, self.backoff_base * 2 ** (faults - 1)) * random.uniform(0.75, 1.0)
                if time.monotonic() + delay - started > self.deadline:
                    self._count(counted, "failed")
                    raise
                log.info("%s: %s, retrying in %.2f s (%d)", name, type(error).__name__, delay, faults)
                await asyncio.sleep(delay)
                continue
            except TelegramForbiddenError:
                self._count(counted, "unreachable")
                raise
            except Exception:
                self._count(counted, "failed")
                raise
            metrics.API_LATENCY.labels(name).observe(time.perf_counter() - sent_at)
            self._count(counted, "sent")
            return response

    @staticmethod
    def _count(counted: bool, outcome: str) -> None:
        if counted:
            metrics.SENDS.labels(INTERACTIVE, outcome).inc()
