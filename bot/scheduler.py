"""APScheduler 3 with its job store on the bot's database: timed jobs survive restarts and run in one process.

Job functions are module-level coroutines referenced by name ("package.module:function") so that the
job store can persist them; they reach the running app through `job_context()`. Every job is idempotent:
the database, not the scheduler, remembers what was already done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import make_url

from bot.config import Settings

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

# A run missed while the bot was down is caught up at start if it is at most this late.
MISFIRE_GRACE = timedelta(hours=12)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", so the persistent store can find it again
    trigger: BaseTrigger


# Recurring jobs every feature registers (id, function, trigger); added with replace_existing at start.
RECURRING_JOBS: list[JobSpec] = [
    JobSpec("procurement-feeds", "bot.jobs.procurement:poll_notice_feeds", IntervalTrigger(hours=1)),
    JobSpec("procurement-digest", "bot.jobs.procurement:send_notice_digests",
            CronTrigger(hour=8, minute=0, timezone="Europe/Paris")),
    JobSpec("newsletter:tick", "bot.jobs.newsletter:send_due_issues", IntervalTrigger(minutes=1)),
    JobSpec("night_messages", "bot.jobs.night:send_night_messages", IntervalTrigger(minutes=10)),
    JobSpec("training-reminders", "bot.jobs.training:send_training_reminders", IntervalTrigger(minutes=1)),
    JobSpec("training-erased-seats", "bot.jobs.training:release_erased_seats", IntervalTrigger(minutes=5)),
    JobSpec("alerts.live_views", "bot.jobs.alerts:refresh_live_views", IntervalTrigger(seconds=5)),
    JobSpec("alerts.reminders", "bot.jobs.alerts:send_reminders", IntervalTrigger(seconds=30)),
    JobSpec("alerts.vigilance", "bot.jobs.alerts:poll_vigilance", IntervalTrigger(minutes=15)),
]

_context: App | None = None


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


class SelfHealingScheduler(AsyncIOScheduler):
    """APScheduler 3 stops for good when a wakeup raises: `_process_jobs` writes each job's next run time
    to the job store, and a refused write (disk full, failover) escaped `wakeup` ("Exception in callback
    AsyncIOScheduler.wakeup"), leaving no timer. Here a failed wakeup is retried a moment later; a job whose
    next run time was not saved runs again then, which is fine: jobs are idempotent."""

    RETRY_SECONDS = 2.0

    def _process_jobs(self) -> float | None:
        try:
            return super()._process_jobs()  # type: ignore[no-any-return]
        except Exception as error:
            log.warning("scheduler: processing due jobs failed (%s); retrying in %.0f s", type(error).__name__,
                        self.RETRY_SECONDS)
            return self.RETRY_SECONDS


def create_scheduler(settings: Settings) -> AsyncIOScheduler:
    store = SQLAlchemyJobStore(url=sync_database_url(settings.database_url), tablename="apscheduler_jobs")
    scheduler = SelfHealingScheduler(
        jobstores={"default": store}, jobstore_retry_interval=SelfHealingScheduler.RETRY_SECONDS,
        timezone=settings.tz,
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())},
    )
    for job in RECURRING_JOBS:
        scheduler.add_job(job.func, job.trigger, id=job.id, replace_existing=True)
    return scheduler
