"""Training upkeep: reminders 24 hours and 2 hours before each session (outbox), and seats given back
when someone erased their data.

Reminders run every minute; a reminder is one campaign whose source_key ("training:ID:reminder:24h:…")
makes a second run, a restart or a catch-up after downtime enqueue nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler import job_context
from models.base import utcnow
from services.training import reminders as training_reminders
from services.training import sessions as trainings

log = logging.getLogger(__name__)


async def _in_transaction(work: Callable[[AsyncSession, datetime], Awaitable[int]], now: datetime | None,
                          what: str) -> int:
    async with job_context().sessions.begin() as session:
        done = await work(session, now or utcnow())
    if done:
        log.info("%s: %d", what, done)
    return done


async def send_training_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due at `now` (default: the current time); returns how many messages."""
    return await _in_transaction(training_reminders.enqueue_reminders, now, "training reminders queued")


async def release_erased_seats(now: datetime | None = None) -> int:
    """Free the seats of people who erased their data; the first person waiting gets each (and is told)."""
    return await _in_transaction(trainings.release_erased, now, "training seats released after erasure")
