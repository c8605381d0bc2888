"""`volunteer-bot sender` at scale: one or more outbox senders sharing the bot's global rate.

With REDIS_URL, any number of senders share the rate (RedisRateLimiter) and claim rows with SKIP LOCKED.
Without Redis the rate lives in one process, so only one sender may run (bot/singleton.py).
With METRICS_PORT it serves /healthz (503 once the sending task ended) and /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiohttp import web

from bot import metrics
from bot.config import Settings
from bot.db import create_engine, create_sessionmaker
from bot.delivery.limits import RateLimiter
from bot.delivery.sender import Sender, create_sender
from bot.delivery.shared_limits import RedisRateLimiter
from bot.metrics_server import start_metrics_server
from bot.singleton import SingletonLock

log = logging.getLogger(__name__)

METRICS_EVERY = 1.0


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


async def run_sender(settings: Settings, **options: Any) -> None:
    """Send until SIGTERM/SIGINT; raises AlreadyRunningError when a second sender starts without Redis.

    `options` go to create_sender (lease, recover_on_start, poll_interval, max_in_flight).
    """
    lock: SingletonLock | None = None
    limiter: RateLimiter | None = None
    if settings.redis_url:
        limiter = RedisRateLimiter.from_url(settings.redis_url, settings.bot_send_rate,
                                            prefix=f"{settings.redis_key_prefix}:send")
    else:
        lock = SingletonLock("sender", settings.database_url)
        await lock.acquire()
    engine = create_engine(settings.database_url)
    sessions = create_sessionmaker(engine)
    sender = create_sender(sessions, settings, limiter=limiter, **options)
    published = SenderMetrics(sender)
    task = asyncio.create_task(sender.run(), name="sender")
    server: web.AppRunner | None = None
    try:
        if settings.metrics_port:
            server = await start_metrics_server(settings.webhook_host, settings.metrics_port, role="sender",
                                                sessions=sessions, working=lambda: not task.done())
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
        if server is not None:
            await server.cleanup()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        published.publish()
        stats = sender.stats
        log.info("sender stopped: sent=%d unreachable=%d failed=%d too_many_requests=%d",
                 stats.sent, stats.unreachable, stats.failed, stats.too_many_requests)
        if isinstance(limiter, RedisRateLimiter):
            await limiter.close()
        await engine.dispose()
        if lock is not None:
            await lock.release()
