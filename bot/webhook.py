"""Webhook worker: an aiohttp server that stores each update before acknowledging it and handles it once.

Several workers run behind a load balancer (separate ports, or one port with SO_REUSEPORT). An update is
stored and claimed under its update_id before Telegram gets "200 OK"; a redelivery is acknowledged and
skipped; an update whose worker died mid-way is taken over by any worker's recovery loop when its lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import signal
import socket
import time
from datetime import timedelta
from typing import Any

from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from bot import metrics
from bot.app import App, create_app, freeze_startup_objects
from bot.config import Settings
from bot.health import missing_migrations, readiness
from bot.singleton import SingletonLock
from handlers.foundation.commands import publish_commands
from models.base import utcnow
from services import inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Handled and failed updates are forgotten after this; Telegram gives up redelivering long before.
KEEP_HANDLED = timedelta(days=2)
PURGE_EVERY = timedelta(minutes=10)
# How long an update's outcome may wait for the database before the worker gives up on it (seconds).
RECORD_PATIENCE = 120.0


class WebhookConfigError(RuntimeError):
    """The worker cannot start (no secret, database not migrated): the message says what to do."""


def worker_name() -> str:
    """Identifies this process in the update store (host and pid, nothing personal)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class UpdateProcessor:
    """Store, claim, handle and mark updates; recover the ones a dead worker left behind."""

    def __init__(self, app: App, worker: str) -> None:
        assert app.bot is not None
        self.app = app
        self.bot = app.bot
        self.worker = worker
        self.lease = timedelta(seconds=app.settings.update_lease_seconds)
        self._last_purge = 0.0

    async def receive(self, update: Update, payload: dict[str, Any]) -> str:
        """The webhook path: returns "handled", "duplicate" or "error" (an error is retried later, by anyone)."""
        async with self.app.sessions.begin() as session:
            claimed = await inbox.receive_update(session, update.update_id, payload, worker=self.worker,
                                                 now=utcnow(), lease=self.lease)
        if not claimed:
            metrics.UPDATES.labels("duplicate").inc()
            return "duplicate"
        return await self.handle(update, "handled")

    async def handle(self, update: Update, outcome: str, attempt: int = 1) -> str:
        """Handle a stored, claimed update and record how it went (handled, or released for a retry)."""
        receipt = inbox.Receipt(update.update_id, self.worker)
        try:
            # the attempt reaches the error handler, which apologises on the first one only; the receipt
            # reaches the session middleware, which marks the update handled in the handler's transaction
            await self.app.dispatcher.feed_update(self.bot, update, update_attempt=attempt, update_receipt=receipt)
        except Exception as error:
            # the class only: an exception's text may quote what the user typed
            log.error("update %s failed (%s, attempt %d)", update.update_id, type(error).__name__, attempt)
            status = await self._record(inbox.release_after_error, update.update_id, retry_in=self.lease)
            if status == "failed":
                log.error("update %s set aside after %d attempts", update.update_id, inbox.MAX_ATTEMPTS)
                metrics.UPDATES.labels("failed").inc()
            else:
                log.warning("update %s will be retried in %.0f s", update.update_id, self.lease.total_seconds())
            metrics.UPDATES.labels("error").inc()
            return "error"
        if not receipt.recorded:  # refused before any transaction (throttled), or its last commit was cut
            await self._record(inbox.mark_handled, update.update_id)
        metrics.UPDATES.labels(outcome).inc()
        return outcome

    async def _record(self, write: Any, update_id: int, **options: Any) -> Any:
        """Write an update's outcome, waiting out a database that refuses writes for a while (disk full,
        failover): a handled update not marked so would be handled again once its lease ends."""
        delay, started = 0.1, time.monotonic()
        while True:
            try:
                async with self.app.sessions.begin() as session:
                    return await write(session, update_id, worker=self.worker, now=utcnow(), **options)
            except Exception as error:
                if time.monotonic() - started > RECORD_PATIENCE:
                    raise
                log.warning("update %s: recording its outcome failed (%s); retrying in %.1f s", update_id,
                            type(error).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(5.0, delay * 2)

    async def recover_once(self, *, orphans: bool = False) -> int:
        """Handle the updates whose lease ran out (their worker crashed or hung); returns how many.

        `orphans`: also those whose lease still runs (the sole poller at start: their process is gone).
        """
        async with self.app.sessions.begin() as session:
            claimed = await inbox.claim_stale(session, worker=self.worker, now=utcnow(), lease=self.lease,
                                              orphans=orphans)
        for item in claimed:
            log.warning("recovering update %s (attempt %d)", item.update_id, item.attempts)
            try:
                update = Update.model_validate(item.payload, context={"bot": self.bot})
            except ValidationError:
                async with self.app.sessions.begin() as session:
                    await inbox.release_after_error(session, item.update_id, worker=self.worker, now=utcnow(),
                                                    retry_in=self.lease)
                continue
            await self.handle(update, "recovered", item.attempts)
        if time.monotonic() - self._last_purge > PURGE_EVERY.total_seconds():
            self._last_purge = time.monotonic()
            async with self.app.sessions.begin() as session:
                await inbox.purge_finished(session, before=utcnow() - KEEP_HANDLED)
        return len(claimed)

    async def recovery_loop(self) -> None:
        interval = self.app.settings.recovery_interval_seconds
        while True:
            try:
                await self.recover_once()
            except Exception:  # a database hiccup must not end recovery for the life of the worker
                log.exception("update recovery failed; trying again in %.1f s", interval)
            await asyncio.sleep(interval)


def _secret_matches(request: web.Request, secret: str) -> bool:
    given = request.headers.get(SECRET_HEADER)
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def create_web_app(app: App, processor: UpdateProcessor) -> web.Application:
    """The worker's HTTP face: the webhook, /healthz, /readyz and /metrics."""
    settings = app.settings
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()

    async def receive_update(request: web.Request) -> web.Response:
        if not _secret_matches(request, secret):
            metrics.UPDATES.labels("refused").inc()
            return web.json_response({"ok": False, "error": "missing or wrong secret token"}, status=401)
        started = time.perf_counter()
        try:
            payload = await request.json()
            update = Update.model_validate(payload, context={"bot": processor.bot})
        except (ValueError, ValidationError):
            metrics.UPDATES.labels("malformed").inc()
            return web.json_response({"ok": False, "error": "not a Telegram update"}, status=400)
        await processor.receive(update, payload)
        metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)
        return web.Response(status=200)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "worker": processor.worker})

    async def readyz(_request: web.Request) -> web.Response:
        checks = await readiness(app.engine, settings.redis_url)
        ready = all(value == "ok" for value in checks.values())
        return web.json_response({"ready": ready, **checks}, status=200 if ready else 503)

    async def metrics_page(_request: web.Request) -> web.Response:
        with contextlib.suppress(Exception):  # a scrape still shows the process counters without a database
            async with app.sessions() as session:
                await metrics.refresh_database_gauges(session)
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application()
    web_app.router.add_post(settings.webhook_path, receive_update)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics_page)
    return web_app


async def serve_webhook(settings: Settings, *, host: str, port: int, reuse_port: bool = False) -> None:
    """Run one worker until SIGTERM/SIGINT; migrations must already be applied (`volunteer-bot db upgrade`)."""
    if settings.webhook_secret is None or not settings.webhook_secret.get_secret_value():
        raise WebhookConfigError(
            "WEBHOOK_SECRET is not set: without it anyone who finds the URL could send fake updates.\n"
            "Set WEBHOOK_SECRET to 1-256 characters A-Z, a-z, 0-9, _ or - (the same on every worker).")
    lock: SingletonLock | None = None
    if not settings.redis_url:
        # Without Redis the conversation state is cached in this process (bot/fsm_storage.py): one worker only.
        lock = SingletonLock("webhook-worker", settings.database_url)
        await lock.acquire()
    app = create_app(settings)
    freeze_startup_objects()
    assert app.bot is not None
    try:
        missing = await missing_migrations(app.engine)
        if missing:
            raise WebhookConfigError("The database is not migrated: run `volunteer-bot db upgrade` once "
                                     "per deploy, then start the workers.")
        processor = UpdateProcessor(app, worker_name())
        runner = web.AppRunner(create_web_app(app, processor), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
        if settings.webhook_url:
            await app.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
                                      allowed_updates=app.dispatcher.resolve_used_update_types())
            await publish_commands(app)
        await app.dispatcher.emit_startup(bot=app.bot)
        log.info("webhook worker %s listening on %s:%d (database %s, fsm %s)", processor.worker, host, port,
                 app.engine.dialect.name, "redis" if settings.redis_url else "database")
        recovery = asyncio.create_task(processor.recovery_loop(), name="update-recovery")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("webhook worker %s stopping", processor.worker)
        recovery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovery
        await runner.cleanup()  # finishes the requests in flight
        await app.dispatcher.emit_shutdown(bot=app.bot)
    finally:
        await app.close()
        if lock is not None:
            await lock.release()
