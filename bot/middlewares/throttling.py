"""Drop the updates of a user who floods the bot, before they cost a database round trip."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiolimiter import AsyncLimiter

from bot.middlewares import Handler
from locales import normalize_locale, t


class ThrottlingMiddleware(BaseMiddleware):
    """A token bucket per user (aiolimiter); one polite warning per burst, then silence.

    Only people writing now have a bucket: one whose tokens have all come back says nothing a new one
    would not, so it is dropped (least recently used first). Memory follows activity, not the number of
    volunteers the process has seen (measured: ~560 bytes per bucket, kept for every user before).
    """

    def __init__(self, rate_per_second: float, burst: int = 8):
        self._rate = rate_per_second
        self._burst = burst
        self._limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()  # least recently used first
        self._warned: set[int] = set()

    def _limiter(self, user_id: int) -> AsyncLimiter:
        limiter = self._limiters.pop(user_id, None)
        self._drop_refilled()
        if limiter is None:
            limiter = AsyncLimiter(self._burst, self._burst / self._rate)
        self._limiters[user_id] = limiter
        return limiter

    def _drop_refilled(self) -> None:
        while self._limiters:
            user_id, oldest = next(iter(self._limiters.items()))
            if not oldest.has_capacity(self._burst):  # still holds some of a recent burst
                return
            del self._limiters[user_id]
            self._warned.discard(user_id)

    @property
    def tracked(self) -> int:
        """Users with a bucket: those who wrote within the last burst's refill time."""
        return len(self._limiters)

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
            if target is not None:
                await target.answer(text)
        return None
