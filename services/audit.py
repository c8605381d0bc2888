"""The audit trail of coordinator actions: recorded by the services that act, read by coordinators.

Mass sendings need no entry of their own: every one is a campaign (`created_by`, `kind`, its outbox rows
are the count), so the trail reads campaigns and `audit_entries` together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.audit import AuditEntry
from models.outbox import Campaign, OutboxMessage
from models.user import User


@dataclass(frozen=True)
class TrailLine:
    at: datetime
    actor: str | None  # the coordinator's name; None for the operator's command line
    action: str  # an AuditEntry action, or "campaign:<kind>"
    subject: str | None
    target: str | None
    count: int
    campaign_id: int | None


async def record(session: AsyncSession, *, actor: User | None, action: str, now: datetime, count: int = 0,
                 subject: str | None = None, target: User | None = None, campaign_id: int | None = None) -> None:
    session.add(AuditEntry(at=now, actor_id=actor.id if actor else None, action=action, subject=subject,
                           target_id=target.id if target else None, count=count, campaign_id=campaign_id))
    await session.flush()


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.full_name or (str(user.telegram_id) if user.telegram_id else "—")


async def trail(session: AsyncSession, limit: int | None = 20) -> list[TrailLine]:
    """The most recent actions first (all of them when `limit` is None)."""
    lines: list[TrailLine] = []
    entries = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if limit is not None:
        entries = entries.limit(limit)
    found = list((await session.execute(entries)).scalars())
    people = {user.id: user for user in (await session.execute(select(User).where(col(User.id).in_(
        {entry.actor_id for entry in found} | {entry.target_id for entry in found})))).scalars()}
    lines += [TrailLine(entry.at, _name(people.get(entry.actor_id)), entry.action, entry.subject,
                        _name(people.get(entry.target_id)), entry.count, entry.campaign_id) for entry in found]
    counts = (select(col(OutboxMessage.campaign_id), func.count().label("n"))
              .group_by(col(OutboxMessage.campaign_id)).subquery())
    campaigns = (select(Campaign, User, func.coalesce(counts.c.n, 0))
                 .join(User, col(User.id) == col(Campaign.created_by))
                 .outerjoin(counts, counts.c.campaign_id == col(Campaign.id))
                 .order_by(col(Campaign.created_at).desc(), col(Campaign.id).desc()))
    if limit is not None:
        campaigns = campaigns.limit(limit)
    for campaign, creator, count in (await session.execute(campaigns)).all():
        lines.append(TrailLine(campaign.created_at, _name(creator), f"campaign:{campaign.kind}", None, None,
                               int(count), campaign.id))
    lines.sort(key=lambda line: line.at, reverse=True)
    return lines[:limit] if limit is not None else lines
