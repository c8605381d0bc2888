"""Missions upkeep: the day-before reminder to everyone holding a seat (outbox, once per sign-up), and the
seats of people who erased their data given back."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduler import job_context
from models.base import utcnow
from services import missions

log = logging.getLogger(__name__)


async def send_mission_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due at `now` (default: the current time); returns how many messages."""
    async with job_context().sessions.begin() as session:
        sent = await missions.enqueue_reminders(session, now or utcnow())
    if sent:
        log.info("mission reminders queued: %d", sent)
    return sent


async def release_erased_seats(now: datetime | None = None) -> int:
    """Free the upcoming seats of people who erased their data."""
    async with job_context().sessions.begin() as session:
        released = await missions.release_erased(session, now or utcnow())
    if released:
        log.info("mission seats released after erasure: %d", released)
    return released
