"""Procurement jobs: poll the configured feeds (NOTICE_FEEDS), and the 08:00 daily digest with renewals."""

from __future__ import annotations

import logging

from bot.scheduler import job_context
from models.base import utcnow
from services.procurement import subscriptions as tenders
from services.errors import DomainError
from services.procurement.importing import import_document

log = logging.getLogger(__name__)


async def poll_notice_feeds() -> None:
    """Import every configured feed; instant matches go to the outbox batch by batch (idempotent re-runs)."""
    from bot.cli.procurement import fetch

    app = job_context()
    for url in app.settings.notice_feeds:
        try:
            summary = await import_document(app.sessions, await fetch(url), utcnow())
        except (DomainError, OSError, ValueError) as error:
            # one broken feed must not stop the others; the reason is about the file, not a person
            log.warning("notice feed %s failed: %s", url, type(error).__name__)
            continue
        log.info("notice feed %s: %s imported, %s updated, %s errors, %s matches", url, summary.imported,
                 summary.updated, len(summary.errors), summary.matched)


async def send_notice_digests() -> None:
    """Match awards that entered the renewal window, then one digest per person with daily matches."""
    app = job_context()
    now = utcnow()
    async with app.sessions.begin() as session:
        renewals = await tenders.match_due_renewals(session, now)
    async with app.sessions.begin() as session:
        sent = await tenders.send_daily_digests(session, now)
    log.info("notice digests: %s renewal matches, %s digests enqueued", renewals, sent)
