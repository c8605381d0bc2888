"""APScheduler 3 with its job store on the bot's database: a newsletter job survives a restart and is caught up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, text

from bot.app import create_app
from bot.config import Settings
from bot.scheduler import create_scheduler, set_job_context
from models.base import utcnow
from models.outbox import OutboxMessage
from services import newsletter
from tests import factories

JOB = "bot.jobs.newsletter:send_due_issues"


async def _outbox_rows(sessions: object) -> int:
    async with sessions() as session:  # type: ignore[operator]
        return (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()


async def test_a_job_missed_while_down_runs_at_restart_and_sends_once(any_db_url: str) -> None:
    settings = Settings(_env_file=None, database_url=any_db_url)
    app = create_app(settings, with_bot=False)
    set_job_context(app)
    try:
        month = newsletter.upcoming_months(utcnow())[1]
        async with app.sessions.begin() as session:
            for telegram_id, locale in ((701, "fr"), (702, "en")):
                user = await factories.volunteer(session, telegram_id, locale=locale)
                await newsletter.subscribe(session, user, locale)
            for locale, (title, body) in (("fr", ("Titre", "Corps **gras**.")), ("en", ("Title", "Body."))):
                await newsletter.save_text(session, month, locale, newsletter.IssueText(title, body), now=utcnow())
            issue = await newsletter.require_issue(session, month)
            # set directly: the 02:00-03:00 refusal of `schedule` is tested elsewhere, and this runs in real time
            issue.send_at = send_at = utcnow() + timedelta(seconds=1)

        first = create_scheduler(settings)
        first.add_job(JOB, "date", run_date=send_at, id=f"newsletter:{month}", replace_existing=True)
        first.start()
        assert first.get_job(f"newsletter:{month}").misfire_grace_time == 12 * 3600  # hours, not the default 1 s
        first.shutdown(wait=False)  # the bot stops before the issue's time…
        await asyncio.sleep(1.5)  # …and the time passes while it is down
        assert await _outbox_rows(app.sessions) == 0

        async with app.sessions() as session:  # the job is in the database, not in the stopped process
            stored = set((await session.execute(text("SELECT id FROM apscheduler_jobs"))).scalars())
        assert {f"newsletter:{month}", "newsletter.tick"} <= stored

        second = create_scheduler(settings)  # the next start, a new process on the same database
        second.start()
        try:
            for _ in range(100):
                if await _outbox_rows(app.sessions) == 2:
                    break
                await asyncio.sleep(0.05)
            assert await _outbox_rows(app.sessions) == 2
            # a second trigger of the same issue (the tick, or the job fired again) adds nobody
            second.add_job(JOB, "date", run_date=utcnow(), id=f"newsletter:{month}", replace_existing=True)
            await asyncio.sleep(0.5)
            assert await _outbox_rows(app.sessions) == 2
        finally:
            second.shutdown(wait=False)
    finally:
        set_job_context(None)
        await app.close()
