"""Telegram's sending limits: one global rate for the bot, ≤ 1 message/s per chat, and the 429 pause.

The global rate is a per-bot budget (Bots FAQ: ~30 messages/s, 1000/s with allow_paid_broadcast), so it
sits behind `RateLimiter`: the in-process `LocalRateLimiter` is the default; a shared implementation
(Redis or database) can replace it when several sender processes share one bot.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class RateLimiter(Protocol):
    """Global send budget of the bot, shared by every sender that uses the same instance (or backend)."""

    rate: float

    async def acquire(self) -> None:
        """Wait for this message's turn."""

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429 with retry_after: nobody sends for that long."""


class LocalRateLimiter:
    """A GCRA scheduler: each send reserves the next slot `1/rate` after the previous one.

    Why not aiolimiter's leaky bucket: Telegram (and our emulator) count messages in any one-second
    window. A bucket of capacity 1 loses the timer's lateness on every message (≈3% at 30/s) and a larger
    capacity bursts past the window at the start. Reserved slots do neither: a late wake-up delays one
    message, not the schedule, and the long-run rate is exactly `rate`.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._next_slot = 0.0
        self.paused_until = 0.0
        self.pauses = 0

    async def acquire(self) -> None:
        while True:
            now = time.monotonic()
            slot = max(now, self._next_slot, self.paused_until)
            self._next_slot = slot + self._interval
            if slot > now:
                await asyncio.sleep(slot - now)
            # a 429 that arrived while we slept moves every reserved slot after the pause
            if self.paused_until <= slot:
                return

    async def pause(self, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        if until > self.paused_until:
            self.paused_until = until
            self.pauses += 1
        self._next_slot = max(self._next_slot, self.paused_until)


class ChatSpacing:
    """At most one message per `interval` seconds to one chat (Bots FAQ: avoid more than 1/s per chat)."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._next: dict[int, float] = {}

    async def wait(self, chat_id: int) -> None:
        now = time.monotonic()
        slot = max(now, self._next.get(chat_id, 0.0))
        self._next[chat_id] = slot + self.interval
        if len(self._next) > 50_000:
            self._forget_before(now)
        if slot > now:
            await asyncio.sleep(slot - now)

    def _forget_before(self, now: float) -> None:
        for chat_id in [chat for chat, next_free in self._next.items() if next_free <= now]:
            del self._next[chat_id]
