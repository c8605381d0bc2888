"""Training reminders, 24 hours and 2 hours before each session, through the outbox.

Runs every minute; a reminder is one campaign whose source_key ("training:ID:reminder:24h") makes a
second run, a restart or a catch-up after downtime enqueue nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduler import job_context
from models.base import utcnow
from services import training as trainings

log = logging.getLogger(__name__)


async def send_training_reminders(now: datetime | None = None) -> int:
    """Queue every reminder due at `now` (default: the current time); returns how many messages."""
    app = job_context()
    async with app.sessions.begin() as session:
        queued = await trainings.enqueue_reminders(session, now or utcnow())
    if queued:
        log.info("training reminders queued: %d", queued)
    return queued
