"""Telegram's sending limits: one global rate for the bot, ≤ 1 message/s per chat, and the 429 pause.

The global rate is a per-bot budget (Bots FAQ: ~30 messages/s, 1000/s with allow_paid_broadcast), so it
sits behind `RateLimiter`: the in-process `LocalRateLimiter` is the default; a shared implementation
(Redis or database) can replace it when several sender processes share one bot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Protocol


class RateLimiter(Protocol):
    """Global send budget of the bot, shared by every sender that uses the same instance (or backend)."""

    rate: float

    async def acquire(self) -> None:
        """Wait for this message's turn."""

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429 with retry_after: nobody sends for that long."""


class LocalRateLimiter:
    """Telegram counts messages in any one-second window; so do we, at our end, with a little room.

    Two rules, both in FIFO order under one lock: a GCRA schedule (each send reserves the slot `1/rate`
    after the previous one, so a late wake-up delays one message, not the schedule) and a sliding window
    (the n-th send is at least `window + safety` seconds after the (n-rate)-th). The window alone keeps
    event-loop hiccups from bunching sends into a 429; the safety absorbs network jitter on the way.
    Why not aiolimiter: its leaky bucket either loses each timer's lateness (capacity 1, ≈3% at 30/s) or
    bursts past the window (capacity > 1), and Telegram answers a window overrun with a whole-bot pause.
    """

    def __init__(self, rate: float, *, window: float = 1.0, safety: float = 0.02) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self._interval = 1.0 / rate
        self._span = window + safety
        self._stamps: deque[float] = deque(maxlen=max(1, int(rate * window)))
        self._next_slot = 0.0
        self._lock = asyncio.Lock()
        self.paused_until = 0.0
        self.pauses = 0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                slot = max(now, self._next_slot, self.paused_until)
                if len(self._stamps) == self._stamps.maxlen:
                    slot = max(slot, self._stamps[0] + self._span)
                if slot > now:
                    await asyncio.sleep(slot - now)
                    now = time.monotonic()
                # a 429 that arrived while we slept: wait for the end of the pause
                if self.paused_until <= now:
                    self._next_slot = max(slot, self._next_slot) + self._interval
                    self._stamps.append(now)
                    return

    async def pause(self, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        if until > self.paused_until:
            self.paused_until = until
            self.pauses += 1


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
