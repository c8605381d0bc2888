"""Drop the updates of a user who floods the bot, before they cost a database round trip."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiolimiter import AsyncLimiter

from bot.middlewares import Handler
from locales import normalize_locale, t

_TRACKED_USERS = 10_000


class ThrottlingMiddleware(BaseMiddleware):
    """A token bucket per user (aiolimiter); one polite warning per burst, then silence."""

    def __init__(self, rate_per_second: float, burst: int = 8):
        self._rate = rate_per_second
        self._burst = burst
        self._limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()
        self._warned: set[int] = set()

    def _limiter(self, user_id: int) -> AsyncLimiter:
        limiter = self._limiters.pop(user_id, None)
        if limiter is None:
            limiter = AsyncLimiter(self._burst, self._burst / self._rate)
            if len(self._limiters) >= _TRACKED_USERS:
                evicted, _ = self._limiters.popitem(last=False)
                self._warned.discard(evicted)
        self._limiters[user_id] = limiter
        return limiter

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user = data.get("event_from_user")
        if tg_user is None or not isinstance(event, Update) or (event.message is None and
                                                               event.callback_query is None):
            return await handler(event, data)
        limiter = self._limiter(tg_user.id)
        if limiter.has_capacity():
            await limiter.acquire()
            self._warned.discard(tg_user.id)
            return await handler(event, data)
        if tg_user.id not in self._warned:
            self._warned.add(tg_user.id)
            text = t(normalize_locale(tg_user.language_code),
                     "Doucement ! Vous envoyez trop de messages ; attendez quelques secondes.")
            target: Message | CallbackQuery | None = event.message or event.callback_query
            if isinstance(target, CallbackQuery) or target is not None:
                await target.answer(text)
        return None
