"""`volunteer-bot scheduler`: the one process that runs timed jobs when the bot runs as several workers.

APScheduler 3 job stores must not be shared by two running schedulers, so the process first takes a
lock only one process per database can hold (bot/singleton.py); a second one refuses to start.
It also edits the campaigns' live progress messages, which needs one editor per database too.
With METRICS_PORT it serves /healthz (503 once the scheduler stopped; losing the lock ends the process) and /metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.app import create_app, freeze_startup_objects
from bot.config import Settings
from bot.metrics_server import start_metrics_server
from bot.scheduler import create_scheduler, set_job_context
from bot.singleton import SingletonLock

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "scheduler"
LOCK_CHECK_SECONDS = 15.0


async def run_scheduler(settings: Settings) -> None:
    """Hold the lock, run the jobs until SIGTERM/SIGINT; raises AlreadyRunningError if another one runs."""
    lock = SingletonLock(SCHEDULER_LOCK, settings.database_url)
    await lock.acquire()
    has_token = settings.bot_token is not None and bool(settings.bot_token.get_secret_value().strip())
    app = create_app(settings, with_bot=has_token)
    freeze_startup_objects()
    scheduler = create_scheduler(settings)
    set_job_context(app)
    reporter: asyncio.Task[None] | None = None
    server: web.AppRunner | None = None
    try:
        scheduler.start()
        if settings.metrics_port:
            server = await start_metrics_server(settings.webhook_host, settings.metrics_port, role="scheduler",
                                                sessions=app.sessions, working=lambda: scheduler.running)
        if app.bot is not None:
            # campaigns' live progress messages: one editor per database, so it lives with the one scheduler
            from bot.delivery.progress import ProgressReporter

            reporter = asyncio.create_task(ProgressReporter(app.bot, app.sessions).run(), name="progress")
        log.info("scheduler running %d job(s)", len(scheduler.get_jobs()))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOCK_CHECK_SECONDS)
            # Lost the connection that holds the lock: another scheduler may start, so this one stops.
            await lock.check()
        log.info("scheduler stopping")
    finally:
        if server is not None:
            await server.cleanup()
        if reporter is not None:
            reporter.cancel()
            await asyncio.gather(reporter, return_exceptions=True)
        if scheduler.running:
            scheduler.shutdown(wait=False)
        set_job_context(None)
        await app.close()
        await lock.release()
