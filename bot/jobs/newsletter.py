"""The newsletter's timed work: send every scheduled issue whose time has come (idempotent, so safe to repeat)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduler import job_context
from models.base import utcnow
from services import newsletter

log = logging.getLogger(__name__)

# Declared in bot/features/newsletter.py as "newsletter.tick", every minute. An issue's time lives in the
# database (newsletter_issues.send_at), not in a job of its own: coordinators schedule from any process
# (webhook workers, the CLI) while only the scheduler process may touch the job store.


async def send_due_issues(now: datetime | None = None) -> list[str]:
    """Enqueue each issue that is due; a second run (restart, double trigger) enqueues nobody twice."""
    app = job_context()
    async with app.sessions.begin() as session:
        months = await newsletter.send_due(session, now or utcnow())
    if months:
        log.info("newsletter issues enqueued: %s", ", ".join(months))
    return months
