"""Flood limits and injected faults: 429 windows, per-chat buckets, latency, 5xx and slow answers."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from emulator.errors import ApiError, server_error, too_many_requests

# Methods counted against the send rate (Bots FAQ: ~30 messages/s per bot, 1/s per chat).
RATE_LIMITED_METHODS = frozenset(
    {
        "sendmessage", "senddocument", "sendphoto", "editmessagetext", "sendvideo",
        "sendaudio", "sendvoice", "sendanimation", "sendsticker", "sendlocation", "sendcontact",
        "sendmediagroup", "copymessage", "forwardmessage", "sendpoll", "sendvenue", "senddice",
    }
)  # fmt: skip


class SlidingWindow:
    """At most `limit` events in any one-second window; O(1) amortised per event."""

    __slots__ = ("limit", "stamps")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.stamps: deque[float] = deque()

    def try_acquire(self, now: float) -> bool:
        """Record an event at `now` if the window has room."""
        stamps = self.stamps
        while stamps and stamps[0] <= now - 1.0:
            stamps.popleft()
        if len(stamps) >= self.limit:
            return False
        stamps.append(now)
        return True


@dataclass
class TokenBucket:
    """Per-chat limit: `rate` messages per second with a burst of `burst`."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def try_acquire(self, now: float) -> bool:
        """Take one token if available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class RateLimits:
    """The bot's flood limits; None disables a limit (the default: no limit at all)."""

    per_second: float | None = None
    retry_after: int = 1
    per_chat: float | None = None
    per_chat_burst: float = 3.0
    paid_per_second: float = 1000.0
    _global: SlidingWindow | None = None
    _paid: SlidingWindow = field(default_factory=lambda: SlidingWindow(1000.0))
    _chats: dict[int, TokenBucket] = field(default_factory=dict)

    def configure(
        self,
        per_second: float | None,
        retry_after: int = 1,
        per_chat: float | None = None,
        per_chat_burst: float = 3.0,
    ) -> None:
        """Replace the limits (resets their windows)."""
        self.per_second = per_second
        self.retry_after = retry_after
        self.per_chat = per_chat
        self.per_chat_burst = per_chat_burst
        self._global = SlidingWindow(per_second) if per_second else None
        self._chats = {}

    def set_paid_rate(self, per_second: float) -> None:
        """Rate for sends with allow_paid_broadcast=true (Bot API: up to 1000/s)."""
        self.paid_per_second = per_second
        self._paid = SlidingWindow(per_second)

    def admit(self, chat_id: int, now: float, paid: bool = False) -> None:
        """Count one send or raise the 429 Telegram would answer."""
        if self.per_chat is not None:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                bucket = self._chats[chat_id] = TokenBucket(
                    self.per_chat, self.per_chat_burst, self.per_chat_burst, now
                )
            if not bucket.try_acquire(now):
                raise too_many_requests(self.retry_after)
        window = self._paid if paid else self._global
        if window is not None and not window.try_acquire(now):
            if bucket_refund := (self._chats.get(chat_id) if self.per_chat is not None else None):
                bucket_refund.tokens += 1.0  # the message was refused, give its per-chat token back
            raise too_many_requests(self.retry_after)


@dataclass
class Faults:
    """Injected failures: the next N calls fail, a failure probability, latency, slow answers."""

    fail_remaining: int = 0
    fail_status: int = 502
    fail_methods: frozenset[str] | None = None  # lower-case names; None = every method but getUpdates
    fail_probability: float = 0.0
    probability_status: int = 500
    timeout_remaining: int = 0
    timeout_delay: float = 0.0
    latency: float = 0.0
    jitter: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def _applies(self, method: str) -> bool:
        if self.fail_methods is None:
            return method not in ("getupdates", "setwebhook", "deletewebhook", "getwebhookinfo")
        return method in self.fail_methods

    def injected_error(self, method: str) -> ApiError | None:
        """A 5xx to answer instead of running the method, if one is due."""
        if self.fail_remaining > 0 and self._applies(method):
            self.fail_remaining -= 1
            return server_error(self.fail_status)
        if self.fail_probability and self._applies(method) and self.rng.random() < self.fail_probability:
            return server_error(self.probability_status)
        return None

    def response_delay(self, method: str) -> float:
        """Seconds to hold an already-processed answer (the ambiguous-send case), or 0."""
        if self.timeout_remaining > 0 and self._applies(method):
            self.timeout_remaining -= 1
            return self.timeout_delay
        return 0.0

    def call_latency(self) -> float:
        """Delay added before every call."""
        if not self.jitter:
            return self.latency
        return max(0.0, self.latency + self.rng.uniform(-self.jitter, self.jitter))
