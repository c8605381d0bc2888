"""The foundation's timed work: data minimisation (texts and payloads dropped after the retention period)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.scheduler import job_context
from models.base import utcnow
from services import privacy

log = logging.getLogger(__name__)


async def drop_old_texts(now: datetime | None = None) -> tuple[int, int]:
    """Declared as "foundation.retention", daily; idempotent (a second run finds nothing left to drop)."""
    app = job_context()
    async with app.sessions.begin() as session:
        dropped = await privacy.drop_old_texts(session, now=now or utcnow(), days=app.settings.retention_days)
    if any(dropped):
        log.info("retention: %d outbox texts and %d update payloads dropped", *dropped)
    return dropped
