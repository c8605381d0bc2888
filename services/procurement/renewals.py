"""Renewal leads: contracts whose term ends in 6 to 18 months, in each subscriber's trades and places, with
the current holder and the amount: once a month, one paginated message per person (a digest of kind
"renewals", its `day` the Paris month, which makes a second run in the same month send nothing)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.procurement import Notice, TenderDigest
from models.user import User
from services import outbox
from services.procurement import subscriptions as tenders
from services.timing import to_paris

LEAD_FROM = timedelta(days=183)  # about 6 months: time to prepare for the next call for tender
LEAD_UNTIL = timedelta(days=548)  # about 18 months
MAX_LEADS = 200  # per person and month, soonest first


async def send_renewal_leads(session: AsyncSession, now: datetime) -> int:
    """This month's renewal leads for everyone who wants renewals; returns how many people get one."""
    month = to_paris(now).strftime("%Y-%m")
    index = await tenders.load_index(session)
    awards = (await session.execute(select(Notice).where(
        col(Notice.kind) == "award", col(Notice.status) != "cancelled",
        col(Notice.term_end) >= now + LEAD_FROM, col(Notice.term_end) <= now + LEAD_UNTIL,
    ).order_by(col(Notice.term_end)))).scalars()
    leads: dict[int, list[int]] = {}
    for notice in awards:
        for rule, _kind in index.match(tenders.facts(notice), now, as_kinds={"renewal"}):
            found = leads.setdefault(rule.user_id, [])
            if notice.id not in found and len(found) < MAX_LEADS:
                found.append(notice.id or 0)
    if not leads:
        return 0
    done = set((await session.execute(select(col(TenderDigest.user_id)).where(
        col(TenderDigest.kind) == "renewals", col(TenderDigest.day) == month,
        col(TenderDigest.user_id).in_(list(leads))))).scalars())
    people = {user.id: user for user in (await session.execute(
        select(User).where(col(User.id).in_(list(leads))))).scalars()}
    campaign, _ = await outbox.create_campaign(session, kind="tenders-renewals", title=f"Renewal leads {month}",
                                               source_key=f"tenders:renewals:{month}")
    outgoing = []
    for user_id, notice_ids in leads.items():
        person = people.get(user_id)
        if user_id in done or person is None or person.telegram_id is None:
            continue
        digest = TenderDigest(user_id=user_id, kind="renewals", day=month, notice_ids=notice_ids)
        session.add(digest)
        await session.flush()
        text, markup = await tenders.digest_page(session, digest, 0, person.locale, now)
        outgoing.append(outbox.Outgoing(person.telegram_id, [outbox.Part(text, markup)], user_id))
    await outbox.enqueue(session, campaign, outgoing)
    return len(outgoing)
