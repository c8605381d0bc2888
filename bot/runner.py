"""Start the bot: the embedded default runs polling, scheduler and sender in one process on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.app import App, create_app, freeze_startup_objects
from bot.config import Settings
from bot.db import upgrade_database
from bot.delivery.budget import close_budgets
from bot.polling import StoredPolling, poll_until_stopped
from bot.scheduler import create_scheduler, set_job_context
from bot.scheduler_process import SCHEDULER_LOCK
from bot.singleton import SingletonLock
from handlers.foundation.commands import publish_commands

log = logging.getLogger(__name__)


# Updates handled at once. Beyond a few dozen nothing goes faster (SQLite has one writer) and every extra
# in-flight update costs memory (~75 KB each, measured); the rest wait at Telegram until polled.
UPDATE_CONCURRENCY = 64


async def start_background(app: App) -> list[asyncio.Task[None]]:
    """The scheduler and the outbox sender, in this process (embedded mode)."""
    lock = SingletonLock(SCHEDULER_LOCK, app.settings.database_url)
    await lock.acquire()  # exactly one scheduler per database, embedded or `volunteer-bot scheduler`
    scheduler = create_scheduler(app.settings)
    set_job_context(app)
    scheduler.start()
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(_stop_on_cancel(scheduler, lock), name="scheduler")]
    if app.bot is not None:
        from bot.delivery import create_sender
        from bot.delivery.progress import ProgressReporter

        sender = create_sender(app.sessions, app.settings)
        tasks.append(asyncio.create_task(sender.run(), name="sender"))
        reporter = ProgressReporter(app.bot, app.sessions)
        tasks.append(asyncio.create_task(reporter.run(), name="progress"))
    await asyncio.sleep(0)  # let the tasks start: a task cancelled before it ran skips its cleanup (the lock)
    return tasks


async def _stop_on_cancel(scheduler: object, lock: SingletonLock) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)  # type: ignore[attr-defined]
        await lock.release()


class BackgroundTaskDied(RuntimeError):
    """The scheduler, the sender or the progress reporter stopped: the process exits non-zero rather than
    answer updates while mass sending or timed jobs are dead (its supervisor restarts it)."""


async def run_polling(settings: Settings) -> None:
    app = create_app(settings)
    freeze_startup_objects()
    assert app.bot is not None
    await upgrade_database(app.engine)
    me = await app.bot.get_me()
    log.info("bot @%s starting (polling, database %s)", me.username, app.engine.dialect.name)
    await publish_commands(app)
    tasks = await start_background(app)
    polling = StoredPolling(app, concurrency=UPDATE_CONCURRENCY)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, polling.stop)
    died: list[asyncio.Task[None]] = []

    def watch(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.critical("%s stopped (%s): stopping the bot", task.get_name(), type(task.exception()).__name__)
            died.append(task)
            polling.stop()

    for task in tasks:
        task.add_done_callback(watch)
    try:
        await poll_until_stopped(app, polling)
    finally:
        for task in tasks:
            task.remove_done_callback(watch)
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        set_job_context(None)
        await close_budgets()
        await app.close()
    if died:
        raise BackgroundTaskDied(f"{died[0].get_name()} stopped") from died[0].exception()
