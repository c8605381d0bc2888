"""Enqueue messages for many people and read a campaign's progress. Only the sender (bot/delivery) sends.

A feature renders each recipient's text in that recipient's language, then calls `enqueue`. Buttons are
plain Bot API dicts ({"inline_keyboard": [[{"text": …, "callback_data": …}]]}), so no aiogram here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from locales import N_
from models.base import utcnow
from models.outbox import Campaign, CampaignStatus, DeliveryStatus, OutboxMessage
from services.errors import DomainError

TEXT_LIMIT = 4096  # Bot API: sendMessage text is 1-4096 characters after entity parsing
_INSERT_BATCH = 1000


@dataclass(frozen=True)
class Part:
    text: str
    reply_markup: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outgoing:
    """What one recipient gets: one or more parts, in order."""

    chat_id: int
    parts: list[Part]
    user_id: int | None = None


@dataclass
class Progress:
    total: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    cancelled: int = 0
    pending: int = 0
    rate: float = 0.0  # messages/s over the last minute
    status: str = CampaignStatus.RUNNING
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.sent + self.unreachable + self.failed + self.cancelled

    @property
    def finished(self) -> bool:
        return (self.total > 0 and self.pending == 0) or (self.status == CampaignStatus.CANCELLED and self.pending == 0)

    @property
    def seconds_left(self) -> float | None:
        if self.pending == 0:
            return 0.0
        return self.pending / self.rate if self.rate > 0 else None


async def create_campaign(
    session: AsyncSession,
    *,
    kind: str,
    title: str,
    source_key: str | None = None,
    created_by: int | None = None,
    report_chat_id: int | None = None,
    paid: bool = False,
) -> tuple[Campaign, bool]:
    """A new campaign, or the existing one with the same source_key; the flag says whether it is new."""
    if source_key is not None:
        existing = (await session.execute(
            select(Campaign).where(col(Campaign.source_key) == source_key))).scalar_one_or_none()
        if existing is not None:
            return existing, False
    campaign = Campaign(kind=kind, title=title[:200], source_key=source_key, created_by=created_by,
                        report_chat_id=report_chat_id, paid=paid)
    session.add(campaign)
    await session.flush()
    return campaign, True


def _check(message: Outgoing) -> None:
    if not message.parts:
        raise DomainError(N_("Un message ne peut pas être vide."))
    for part in message.parts:
        if not part.text.strip():
            raise DomainError(N_("Un message ne peut pas être vide."))
        if len(part.text) > TEXT_LIMIT:
            raise DomainError(N_("Un message dépasse {limit} caractères : il faut le découper."), limit=TEXT_LIMIT)


async def enqueue(session: AsyncSession, campaign: Campaign, messages: Iterable[Outgoing]) -> int:
    """Add recipients to a campaign; a recipient already in it is skipped (each person gets it once)."""
    assert campaign.id is not None
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(OutboxMessage).on_conflict_do_nothing(
            index_elements=["campaign_id", "chat_id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(OutboxMessage).on_conflict_do_nothing(index_elements=["campaign_id", "chat_id"])
    else:  # pragma: no cover - other engines are not supported
        statement = insert(OutboxMessage)
    now = utcnow()
    batch: list[dict[str, Any]] = []
    seen: set[int] = set()
    before = await _recipient_count(session, campaign.id)

    async def flush() -> None:
        if batch:
            await session.execute(statement, batch)
            batch.clear()

    for message in messages:
        _check(message)
        if message.chat_id in seen:
            continue
        seen.add(message.chat_id)
        batch.append({
            "campaign_id": campaign.id, "user_id": message.user_id, "chat_id": message.chat_id,
            "parts": [{"text": part.text, "reply_markup": part.reply_markup} for part in message.parts],
            "parts_sent": 0, "status": DeliveryStatus.PENDING, "attempts": 0, "next_attempt_at": now,
        })
        if len(batch) >= _INSERT_BATCH:
            await flush()
    await flush()
    # executemany gives no reliable rowcount with ON CONFLICT DO NOTHING on every driver: count instead
    return await _recipient_count(session, campaign.id) - before


async def _recipient_count(session: AsyncSession, campaign_id: int) -> int:
    return (await session.execute(
        select(func.count()).where(col(OutboxMessage.campaign_id) == campaign_id))).scalar_one()


async def campaign_progress(session: AsyncSession, campaign_id: int) -> Progress:
    """Counts by delivery status, the recent rate, and the campaign's own status."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise DomainError(N_("Campagne introuvable."))
    rows = (await session.execute(
        select(col(OutboxMessage.status), func.count()).where(col(OutboxMessage.campaign_id) == campaign_id)
        .group_by(col(OutboxMessage.status)))).all()
    by_status = {status: count for status, count in rows}
    since = utcnow() - timedelta(seconds=60)
    recent = (await session.execute(
        select(func.count()).where(col(OutboxMessage.campaign_id) == campaign_id,
                                   col(OutboxMessage.sent_at) >= since))).scalar_one()
    first_sent = (await session.execute(
        select(func.min(OutboxMessage.sent_at)).where(col(OutboxMessage.campaign_id) == campaign_id))).scalar_one()
    window = 60.0
    if first_sent is not None:
        window = min(60.0, max(1.0, (utcnow() - first_sent).total_seconds()))
    return Progress(
        total=sum(by_status.values()),
        sent=by_status.get(DeliveryStatus.SENT, 0),
        unreachable=by_status.get(DeliveryStatus.UNREACHABLE, 0),
        failed=by_status.get(DeliveryStatus.FAILED, 0),
        cancelled=by_status.get(DeliveryStatus.CANCELLED, 0),
        pending=by_status.get(DeliveryStatus.PENDING, 0) + by_status.get(DeliveryStatus.SENDING, 0),
        rate=recent / window,
        status=campaign.status,
        by_status=by_status,
    )


async def set_campaign_status(session: AsyncSession, campaign_id: int, status: CampaignStatus) -> Campaign:
    """Pause, resume or cancel; cancelling marks every unsent row cancelled so nothing more goes out."""
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise DomainError(N_("Campagne introuvable."))
    if campaign.status == CampaignStatus.CANCELLED:
        raise DomainError(N_("Cette campagne est déjà annulée."))
    campaign.status = status
    if status == CampaignStatus.CANCELLED:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.campaign_id) == campaign_id,
                   col(OutboxMessage.status) == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.CANCELLED))
        campaign.finished_at = utcnow()
    await session.flush()
    return campaign
