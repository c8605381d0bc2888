"""Night of Solidarity reminders: before the registration deadline, on the afternoon of the night, thanks after."""

from __future__ import annotations

import logging

from bot.scheduler import job_context
from models.base import utcnow
from services.night import publication

log = logging.getLogger(__name__)


async def send_night_messages() -> None:
    """Enqueue whatever is due; the campaign source keys make a second run (or a catch-up) send nothing twice."""
    app = job_context()
    async with app.sessions.begin() as session:
        sent = await publication.send_due_messages(session, utcnow())
    if sent:
        log.info("night messages enqueued: %s", ", ".join(sent))
