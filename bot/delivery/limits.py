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

# Methods Telegram counts against the bot's ~30 messages/s (a message appears or changes in a chat).
COUNTED_METHODS = frozenset({
    "sendMessage", "sendDocument", "sendPhoto", "editMessageText", "sendVideo", "sendAudio", "sendVoice",
    "sendAnimation", "sendSticker", "sendLocation", "sendContact", "sendMediaGroup", "copyMessage",
    "forwardMessage", "sendPoll", "sendVenue", "sendDice",
})

# Lanes of the one budget: replies to the person who just wrote go first; mass sends take what is left.
INTERACTIVE = "interactive"
MASS = "mass"


class RateLimiter(Protocol):
    """Global send budget of the bot, shared by every sender that uses the same instance (or backend)."""

    rate: float

    async def acquire(self, lane: str = MASS) -> None:
        """Wait for this message's turn (interactive waiters are served before mass ones)."""

    async def pause(self, seconds: float) -> None:
        """Telegram answered 429 with retry_after: nobody sends for that long."""

    async def wait_pause(self) -> None:
        """Wait while a 429 pause runs (calls that are not counted against the rate still honour it)."""


class LocalRateLimiter:
    """Telegram counts messages in any one-second window; so do we, at our end, with a little room.

    Two rules: a GCRA schedule (each send takes the slot `1/rate` after the previous one, so a late wake-up
    delays one message, not the schedule) and a sliding window (the n-th send is at least `window + safety`
    seconds after the (n-rate)-th). The window alone keeps event-loop hiccups from bunching sends into a
    429; the safety absorbs network jitter on the way. One granter hands out the slots: at each slot an
    interactive waiter (a reply) goes before any mass one, so a campaign at full rate delays a reply by at
    most one slot and the campaign takes whatever the replies leave.
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
        self._waiters: dict[str, deque[asyncio.Future[None]]] = {INTERACTIVE: deque(), MASS: deque()}
        self._granter: asyncio.Task[None] | None = None
        self.paused_until = 0.0
        self.pauses = 0
        self.granted = {INTERACTIVE: 0, MASS: 0}

    async def acquire(self, lane: str = MASS) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters[INTERACTIVE if lane == INTERACTIVE else MASS].append(waiter)
        if self._granter is None or self._granter.done() or self._granter.get_loop() is not loop:
            self._granter = loop.create_task(self._grant(), name="rate-granter")
        await waiter  # a cancelled waiter stays in its queue, done: the granter skips it

    def _next_waiter(self) -> asyncio.Future[None] | None:
        for lane in (INTERACTIVE, MASS):
            queue = self._waiters[lane]
            while queue and queue[0].done():
                queue.popleft()
            if queue:
                return queue[0]
        return None

    async def _grant(self) -> None:
        while self._next_waiter() is not None:
            now = time.monotonic()
            slot = max(now, self._next_slot, self.paused_until)
            if len(self._stamps) == self._stamps.maxlen:
                slot = max(slot, self._stamps[0] + self._span)
            if slot > now:
                await asyncio.sleep(slot - now)
                if self.paused_until > slot:
                    continue  # a 429 arrived while we slept: wait for the end of the pause
            # the waiter is chosen now, after the sleep: a reply that came meanwhile goes first
            waiter = self._next_waiter()
            if waiter is None:
                return
            lane = INTERACTIVE if self._waiters[INTERACTIVE] and self._waiters[INTERACTIVE][0] is waiter else MASS
            self._waiters[lane].popleft()
            # the schedule moves from the slot, not from a late wake-up: lateness does not accumulate
            self._next_slot = max(slot, self._next_slot) + self._interval
            self._stamps.append(time.monotonic())
            self.granted[lane] += 1
            waiter.set_result(None)

    async def pause(self, seconds: float) -> None:
        until = time.monotonic() + max(0.0, seconds)
        if until > self.paused_until:
            self.paused_until = until
            self.pauses += 1

    async def wait_pause(self) -> None:
        while True:  # a pause may be lengthened by another 429 while we wait
            left = self.paused_until - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(left)


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
