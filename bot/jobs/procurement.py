"""Procurement jobs: poll the configured feeds (NOTICE_FEEDS), and the 08:00 daily digest with renewals."""

from __future__ import annotations

import logging

from bot.scheduler import job_context
from models.base import utcnow
from services.procurement import deadlines, renewals
from services.procurement import subscriptions as tenders
from services.procurement.feeds import import_feeds

log = logging.getLogger(__name__)


async def poll_notice_feeds() -> None:
    """Import every configured feed, each on its own: a failing one is logged and tried again next hour."""
    app = job_context()
    for result in await import_feeds(app.sessions, app.settings.notice_feeds, utcnow()):
        if result.summary is None:
            log.warning("notice feed %s failed: %s", result.source, result.error)
        else:
            log.info("notice feed %s: %s imported, %s updated, %s errors, %s matches", result.source,
                     result.summary.imported, result.summary.updated, len(result.summary.errors),
                     result.summary.matched)


async def send_notice_digests() -> None:
    """Match awards that entered the renewal window, then one digest per person with daily matches."""
    app = job_context()
    now = utcnow()
    async with app.sessions.begin() as session:
        renewals = await tenders.match_due_renewals(session, now)
    async with app.sessions.begin() as session:
        sent = await tenders.send_daily_digests(session, now)
    log.info("notice digests: %s renewal matches, %s digests enqueued", renewals, sent)


async def send_deadline_reminders() -> None:
    """⭐ Followed calls: the reminders now due (3 days, 1 day before the deadline), each once."""
    app = job_context()
    async with app.sessions.begin() as session:
        sent = await deadlines.send_reminders(session, utcnow())
    if sent:
        log.info("notice deadline reminders: %s enqueued", sent)


async def send_renewal_leads() -> None:
    """Once a month (the first run of the month sends, later ones find it done): renewal leads."""
    app = job_context()
    async with app.sessions.begin() as session:
        sent = await renewals.send_renewal_leads(session, utcnow())
    if sent:
        log.info("renewal leads: %s people", sent)
