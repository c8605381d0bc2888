"""Training upkeep: reminders 24 hours and 2 hours before each session (outbox), and seats given back
when someone erased their data.

Reminders run every minute; a reminder is one campaign whose source_key ("training:ID:reminder:24h:…")
makes a second run, a restart or a catch-up after downtime enqueue nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduler import job_context
from models.base import utcnow
from services import training as trainings
from services import training_reminders

log = logging.getLogger(__name__)


async def send_training_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due at `now` (default: the current time); returns how many messages."""
    app = job_context()
    async with app.sessions.begin() as session:
        queued = await training_reminders.enqueue_reminders(session, now or utcnow())
    if queued:
        log.info("training reminders queued: %d", queued)
    return queued


async def release_erased_seats(now: datetime | None = None) -> int:
    """Free the seats of people who erased their data; the first person waiting gets each (and is told)."""
    app = job_context()
    async with app.sessions.begin() as session:
        released = await trainings.release_erased(session, now or utcnow())
    if released:
        log.info("training seats released after erasure: %d", released)
    return released
