"""APScheduler 3 with its job store on the bot's database: timed jobs survive restarts and run in one process.

Job functions are module-level coroutines referenced by name ("package.module:function") so that the
job store can persist them; they reach the running app through `job_context()`. Every job is idempotent:
the database, not the scheduler, remembers what was already done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    EVENT_SCHEDULER_STARTED,
    JobEvent,
    JobExecutionEvent,
)
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import make_url

from bot import metrics
from bot.config import Settings

if TYPE_CHECKING:
    from bot.app import App

# A run missed while the bot was down is caught up at start if it is at most this late.
MISFIRE_GRACE = timedelta(hours=12)


def recurring_jobs() -> dict[str, tuple[str, BaseTrigger]]:
    """Every feature's recurring jobs by id ("<feature>.<name>"): (function path, trigger)."""
    from bot.features import FEATURES

    jobs: dict[str, tuple[str, BaseTrigger]] = {}
    for feature in FEATURES:
        for job in feature.jobs:
            fields = dict(job.schedule.fields)
            trigger: BaseTrigger = (IntervalTrigger(**fields) if job.schedule.kind == "interval"  # type: ignore[arg-type]
                                    else CronTrigger(**fields))
            jobs[feature.job_id(job)] = (job.func, trigger)
    return jobs


# Jobs that run more often than this log a successful, quick run at DEBUG only (heatwave.live_views runs every 5 s)
CHATTY_INTERVAL = timedelta(minutes=1)
SLOW_RUN_SECONDS = 1.0

log = logging.getLogger(__name__)
_context: App | None = None


class JobRunRecorder:
    """Scheduler listener: counts, times and logs every job run (job id, outcome, duration; nothing personal)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._started: dict[str, float] = {}  # max_instances=1: at most one run per job id at a time
        self._chatty = {job_id for job_id, (_func, trigger) in recurring_jobs().items()
                        if isinstance(trigger, IntervalTrigger) and trigger.interval < CHATTY_INTERVAL}

    def __call__(self, event: JobEvent) -> None:
        job = event.job_id
        if event.code == EVENT_JOB_SUBMITTED:
            self._started[job] = self.clock()
            return
        if event.code == EVENT_JOB_MISSED:
            metrics.SCHEDULER_JOBS.labels(job, "missed").inc()
            log.warning("job %s missed its run due at %s", job, getattr(event, "scheduled_run_time", "?"))
            return
        if event.code == EVENT_JOB_MAX_INSTANCES:
            metrics.SCHEDULER_JOBS.labels(job, "skipped").inc()
            log.warning("job %s skipped a run: the previous run has not finished", job)
            return
        now = self.clock()
        seconds = now - self._started.pop(job, now)
        metrics.SCHEDULER_JOB_SECONDS.labels(job).observe(seconds)
        exception = getattr(event, "exception", None) if isinstance(event, JobExecutionEvent) else None
        if event.code == EVENT_JOB_ERROR or exception is not None:
            metrics.SCHEDULER_JOBS.labels(job, "error").inc()
            # the class only: an exception's text may quote someone's data
            log.error("job %s failed after %.3f s (%s)", job, seconds, type(exception).__name__)
            return
        metrics.SCHEDULER_JOBS.labels(job, "ok").inc()
        metrics.SCHEDULER_JOB_LAST_SUCCESS.labels(job).set(time.time())
        quiet = job in self._chatty and seconds < SLOW_RUN_SECONDS
        log.log(logging.DEBUG if quiet else logging.INFO, "job %s ok in %.3f s", job, seconds)

    EVENTS = EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES


def set_job_context(app: App | None) -> None:
    global _context
    _context = app


def job_context() -> App:
    if _context is None:
        raise RuntimeError("scheduler jobs need a running app (set_job_context)")
    return _context


def sync_database_url(url: str) -> str:
    """APScheduler 3's job store is synchronous: same database, synchronous driver."""
    url = (url.replace("sqlite+aiosqlite", "sqlite")
              .replace("postgresql+asyncpg", "postgresql+psycopg"))
    parsed = make_url(url)
    schema = parsed.query.get("search_path")
    if isinstance(schema, str):
        # psycopg takes no search_path argument (see bot.db.create_engine): pass it as a server option
        parsed = parsed.difference_update_query(["search_path"]).update_query_dict(
            {"options": f"-csearch_path={schema}"})
        return parsed.render_as_string(hide_password=False)
    return url


def create_scheduler(settings: Settings) -> AsyncIOScheduler:
    store = SQLAlchemyJobStore(url=sync_database_url(settings.database_url), tablename="apscheduler_jobs")
    scheduler = AsyncIOScheduler(
        jobstores={"default": store},
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
    )
    for job_id, (func, trigger) in recurring_jobs().items():
        scheduler.add_job(func, trigger, id=job_id, replace_existing=True)
    scheduler.add_listener(lambda _event: forget_retired_jobs(scheduler), EVENT_SCHEDULER_STARTED)
    scheduler.add_listener(JobRunRecorder(), JobRunRecorder.EVENTS)
    return scheduler


def forget_retired_jobs(scheduler: AsyncIOScheduler) -> None:
    """Remove stored recurring jobs no feature declares any more (a renamed or retired one would run forever);
    one-off (date) jobs stay.

    Runs when the scheduler starts: only then has it opened the persistent store.
    """
    declared = recurring_jobs()
    for job in scheduler.get_jobs():
        if job.id not in declared and not isinstance(job.trigger, DateTrigger):
            scheduler.remove_job(job.id)
