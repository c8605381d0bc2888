"""`volunteer-bot sender`: outbox sender process(es) outside the webhook workers.

With REDIS_URL, any number of senders share the bot's global rate (RedisRateLimiter) and claim rows with
SKIP LOCKED. Without Redis the rate lives in one process, so only one sender may run (bot/singleton.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot import metrics
from bot.app import create_app
from bot.config import Settings
from bot.delivery import Sender, create_sender
from bot.delivery.limits import RateLimiter
from bot.delivery.shared_limits import RedisRateLimiter
from bot.health import missing_migrations
from bot.singleton import AlreadyRunningError, SingletonLock

log = logging.getLogger(__name__)

METRICS_EVERY = 1.0


class NotMigratedError(RuntimeError):
    """The sender would fail on missing tables: say so instead."""


class SenderMetrics:
    """Copies the sender's own counters into Prometheus, without touching the sender's code path."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self._seen = (0, 0, 0)

    def publish(self) -> None:
        stats = self.sender.stats
        now = (stats.sent, stats.too_many_requests, stats.unreachable)
        sent, limited, unreachable = (new - old for new, old in zip(now, self._seen, strict=True))
        metrics.MESSAGES_SENT.inc(sent)
        metrics.RATE_LIMITED.inc(limited)
        metrics.UNREACHABLE_FOUND.inc(unreachable)
        self._seen = now


async def run_sender(settings: Settings) -> None:
    """Send until SIGTERM/SIGINT; rows in flight at a kill are resent after their lease (at-least-once)."""
    app = create_app(settings)
    assert app.bot is not None
    if await missing_migrations(app.engine):
        await app.close()
        raise NotMigratedError("The database is not migrated: run `volunteer-bot db upgrade` first.")
    lock: SingletonLock | None = None
    limiter: RateLimiter | None = None
    if settings.redis_url:
        limiter = RedisRateLimiter.from_url(settings.redis_url, settings.bot_send_rate,
                                            prefix=f"{settings.redis_key_prefix}:send")
    else:
        lock = SingletonLock("sender", settings.database_url)
        try:
            await lock.acquire()
        except AlreadyRunningError:
            await app.close()
            raise
    sender = create_sender(app.bot, app.sessions, settings, limiter=limiter)
    published = SenderMetrics(sender)
    task = asyncio.create_task(sender.run(), name="sender")
    try:
        if settings.metrics_port:
            from prometheus_client import start_http_server

            start_http_server(settings.metrics_port, addr=settings.webhook_host)
        log.info("sender running at %.0f messages/s (%s rate)", settings.bot_send_rate,
                 "shared" if settings.redis_url else "single-process")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set() and not task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), METRICS_EVERY)
            published.publish()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        published.publish()
        stats = sender.stats
        log.info("sender stopped: sent=%d unreachable=%d failed=%d too_many_requests=%d",
                 stats.sent, stats.unreachable, stats.failed, stats.too_many_requests)
        if isinstance(limiter, RedisRateLimiter):
            await limiter.close()
        await app.close()
        if lock is not None:
            await lock.release()
