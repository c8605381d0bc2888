"""Enqueue messages for many people and read a campaign's progress. Only the sender (bot/delivery) sends.

A feature renders each recipient's text in that recipient's language, then calls `enqueue`. Buttons are
plain Bot API dicts ({"inline_keyboard": [[{"text": …, "callback_data": …}]]}), so no aiogram here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, event, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import col

from locales import N_
from models.base import utcnow
from models.outbox import Campaign, CampaignStatus, DeliveryStatus, OutboxMessage
from models.user import User
from services.errors import DomainError
from services.markdown_telegram import html_blocks, split_html, telegram_length

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # Bot API: sendMessage text is 1-4096 characters after entity parsing
_INSERT_BATCH = 1000


CAPTION_LIMIT = 1024  # Bot API: a photo's caption is 0-1024 characters after entity parsing


@dataclass(frozen=True)
class Part:
    text: str
    reply_markup: dict[str, Any] | None = None
    photo: str | None = None  # a Telegram file_id: the part is that photo, `text` its caption


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


def _fitted(parts: list[Part], cache: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Parts as stored, each within Telegram's limit: a longer one goes through the one splitter
    (services.markdown_telegram.split_html), its buttons under the last piece."""
    fitted: list[dict[str, Any]] = []
    for part in parts:
        if part.photo is not None:  # a caption is never split: its writer keeps it short
            if telegram_length(part.text) > CAPTION_LIMIT:
                raise DomainError(N_("La légende d'une photo est trop longue ({max} caractères au plus)."),
                                  max=CAPTION_LIMIT)
            fitted.append({"text": part.text, "reply_markup": part.reply_markup, "photo": part.photo})
            continue
        if part.text not in cache:
            cache[part.text] = [part.text] if len(part.text) <= TEXT_LIMIT // 2 or \
                telegram_length(part.text) <= TEXT_LIMIT else split_html(html_blocks(part.text))
        pieces = cache[part.text]
        fitted.extend({"text": piece, "reply_markup": None} for piece in pieces[:-1])
        fitted.append({"text": pieces[-1], "reply_markup": part.reply_markup})
    return fitted


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
    pieces: dict[str, list[str]] = {}  # one split per distinct text, not per recipient
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
            "parts": _fitted(message.parts, pieces),
            "parts_sent": 0, "status": DeliveryStatus.PENDING, "attempts": 0, "next_attempt_at": now,
        })
        if len(batch) >= _INSERT_BATCH:
            await flush()
    await flush()
    # more recipients for a finished campaign (an alert extended to newcomers): it runs again
    await session.execute(update(Campaign).where(col(Campaign.id) == campaign.id,
                                                 col(Campaign.status) == CampaignStatus.DONE)
                          .values(status=CampaignStatus.RUNNING).execution_options(synchronize_session=False))
    _notify_after_commit(session)
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
    """Pause, resume or cancel; cancelling marks every unsent row cancelled so nothing more goes out.

    Senders obey within a second: at once in this process (after the commit), by polling elsewhere.
    """
    campaign = await session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)
    if campaign is None:
        raise DomainError(N_("Campagne introuvable."))
    if campaign.status == CampaignStatus.CANCELLED:
        raise DomainError(N_("Cette campagne est déjà annulée."))
    if campaign.status == CampaignStatus.DONE:
        raise DomainError(N_("Cette campagne est terminée : tout a été envoyé, il n'y a plus rien à mettre "
                             "en pause, reprendre ou annuler."))
    campaign.status = status
    session.info.setdefault(_STEERED, []).append((campaign_id, str(status)))
    if status == CampaignStatus.CANCELLED:
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.campaign_id) == campaign_id,
                   col(OutboxMessage.status) == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.CANCELLED))
        campaign.finished_at = utcnow()
    elif status == CampaignStatus.RUNNING:
        _notify_after_commit(session)
    await session.flush()
    return campaign


# ----- waking the sender ------------------------------------------------------------------------------
# An in-process sender is woken right after a transaction that enqueued commits (not before: it could
# not see uncommitted rows); senders in other processes find the rows by polling.

_listeners: list[Callable[[], None]] = []
_steering_listeners: list[Callable[[int, str], None]] = []
_PENDING_NOTICE = "outbox_enqueued"
_STEERED = "outbox_steered"


def add_enqueue_listener(callback: Callable[[], None]) -> None:
    _listeners.append(callback)


def remove_enqueue_listener(callback: Callable[[], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def add_steering_listener(callback: Callable[[int, str], None]) -> None:
    """`callback(campaign_id, status)` after a transaction that paused, resumed or cancelled commits."""
    _steering_listeners.append(callback)


def remove_steering_listener(callback: Callable[[int, str], None]) -> None:
    if callback in _steering_listeners:
        _steering_listeners.remove(callback)


async def halted_campaigns(session: AsyncSession, campaign_ids: Iterable[int]) -> set[int]:
    """Which of these campaigns may not send now (paused, cancelled, or gone)."""
    wanted = set(campaign_ids)
    running = set((await session.execute(
        select(col(Campaign.id)).where(col(Campaign.id).in_(wanted),
                                       col(Campaign.status) == CampaignStatus.RUNNING))).scalars())
    return wanted - running


def _notify_after_commit(session: AsyncSession) -> None:
    session.info[_PENDING_NOTICE] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for campaign_id, status in session.info.pop(_STEERED, []):
        for steer in list(_steering_listeners):
            steer(campaign_id, status)
    if session.info.pop(_PENDING_NOTICE, False):
        for callback in list(_listeners):
            callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_NOTICE, None)
    session.info.pop(_STEERED, None)


# ----- the sender's side: claim, record --------------------------------------------------------------

@dataclass
class Claimed:
    """A row the sender leased: everything needed to send it without touching the ORM."""

    id: int
    campaign_id: int
    chat_id: int
    user_id: int | None
    parts: list[dict[str, Any]]
    parts_sent: int
    attempts: int
    paid: bool = False


@dataclass(frozen=True)
class Delivery:
    """The outcome of one claimed row, written back in a batch."""

    row_id: int
    campaign_id: int
    status: DeliveryStatus  # SENT, UNREACHABLE, FAILED, or PENDING (retry at retry_at; also a release)
    parts_sent: int
    user_id: int | None = None
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None
    uncount_attempt: bool = False  # a release: the row was never tried


_CLAIM_COLUMNS = (
    col(OutboxMessage.id), col(OutboxMessage.campaign_id), col(OutboxMessage.chat_id), col(OutboxMessage.user_id),
    col(OutboxMessage.parts), col(OutboxMessage.parts_sent), col(OutboxMessage.attempts),
)


async def claim_due(session: AsyncSession, limit: int, lease: timedelta, now: datetime) -> list[Claimed]:
    """Lease up to `limit` due rows of running campaigns and return them (by id).

    Due: sending with an expired lease (its sender died) first, then pending rows whose next_attempt_at
    is reached, earliest first. Two statements rather than one `OR`: each walks `ix_outbox_due` in order
    and stops after `limit` rows, where the `OR` read and sorted every due row (O(queue) per claim).
    On PostgreSQL concurrent senders skip each other's locked rows (FOR UPDATE SKIP LOCKED); SQLite runs
    one writer at a time (BEGIN IMMEDIATE), so the same statements are safe there too.
    """
    running = col(Campaign.status) == CampaignStatus.RUNNING
    expired = ((col(OutboxMessage.status) == DeliveryStatus.SENDING) & (col(OutboxMessage.lease_until) < now),
               (col(OutboxMessage.id),))
    pending = ((col(OutboxMessage.status) == DeliveryStatus.PENDING) & (col(OutboxMessage.next_attempt_at) <= now),
               (col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)))
    rows: list[Any] = []
    for condition, order in (expired, pending):
        if len(rows) >= limit:
            break
        due = (
            select(col(OutboxMessage.id))
            .join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
            .where(running, condition)
            .order_by(*order)
            .limit(limit - len(rows))
            .with_for_update(skip_locked=True, of=OutboxMessage)  # type: ignore[arg-type]
        )
        statement = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
            .values(status=DeliveryStatus.SENDING, lease_until=now + lease, attempts=col(OutboxMessage.attempts) + 1)
            .returning(*_CLAIM_COLUMNS)
            .execution_options(synchronize_session=False)
        )
        rows.extend((await session.execute(statement)).all())
    claimed = [Claimed(id=r[0], campaign_id=r[1], chat_id=r[2], user_id=r[3], parts=r[4], parts_sent=r[5],
                       attempts=r[6]) for r in rows]
    campaign_ids = {row.campaign_id for row in claimed}
    if campaign_ids:
        paid = set((await session.execute(
            select(col(Campaign.id)).where(col(Campaign.id).in_(campaign_ids), col(Campaign.paid)))).scalars())
        for row in claimed:
            row.paid = row.campaign_id in paid
    claimed.sort(key=lambda row: row.id)
    return claimed


async def record_deliveries(session: AsyncSession, deliveries: Sequence[Delivery], now: datetime) -> set[int]:
    """Write a batch of outcomes (Core executemany, no ORM objects); returns campaigns that just finished."""
    if not deliveries:
        return set()
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    sent = [{"b_id": d.row_id, "b_parts": d.parts_sent, "b_mid": d.message_id}
            for d in deliveries if d.status == DeliveryStatus.SENT]
    if sent:
        await session.execute(
            update(table).where(table.c.id == bindparam("b_id"))
            .values(status=DeliveryStatus.SENT, parts_sent=bindparam("b_parts"),
                    telegram_message_id=bindparam("b_mid"), sent_at=now, lease_until=None, last_error=None)
            .execution_options(synchronize_session=False), sent)
    ended = [{"b_id": d.row_id, "b_status": str(d.status), "b_parts": d.parts_sent, "b_error": _clip(d.error)}
             for d in deliveries if d.status in (DeliveryStatus.UNREACHABLE, DeliveryStatus.FAILED)]
    if ended:
        await session.execute(
            update(table).where(table.c.id == bindparam("b_id"))
            .values(status=bindparam("b_status"), parts_sent=bindparam("b_parts"), last_error=bindparam("b_error"),
                    lease_until=None)
            .execution_options(synchronize_session=False), ended)
    retry = [{"b_id": d.row_id, "b_parts": d.parts_sent, "b_error": _clip(d.error), "b_at": d.retry_at or now,
              "b_undo": 1 if d.uncount_attempt else 0}
             for d in deliveries if d.status == DeliveryStatus.PENDING]
    if retry:
        await session.execute(
            update(table).where(table.c.id == bindparam("b_id"), table.c.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.PENDING, parts_sent=bindparam("b_parts"), last_error=bindparam("b_error"),
                    next_attempt_at=bindparam("b_at"), lease_until=None,
                    attempts=table.c.attempts - bindparam("b_undo"))
            .execution_options(synchronize_session=False), retry)
    blocked = {d.user_id for d in deliveries if d.status == DeliveryStatus.UNREACHABLE and d.user_id is not None}
    if blocked:
        # the same rule as services.users.set_reachable, in one statement for the whole batch
        await session.execute(
            update(User).where(col(User.id).in_(blocked), col(User.blocked_at).is_(None)).values(blocked_at=now)
            .execution_options(synchronize_session=False))
    return await _finish_campaigns(session, {d.campaign_id for d in deliveries}, now)


async def _finish_campaigns(session: AsyncSession, campaign_ids: set[int], now: datetime) -> set[int]:
    """Stamp finished_at on campaigns with nothing left to send; a cancelled one drops its late retries."""
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.campaign_id).in_(
            select(col(Campaign.id)).where(col(Campaign.id).in_(campaign_ids),
                                           col(Campaign.status) == CampaignStatus.CANCELLED)),
               col(OutboxMessage.status) == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED)
        .execution_options(synchronize_session=False))
    outstanding = exists().where(col(OutboxMessage.campaign_id) == col(Campaign.id),
                                 col(OutboxMessage.status).in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
    finished = (await session.execute(
        update(Campaign)
        .where(col(Campaign.id).in_(campaign_ids), col(Campaign.finished_at).is_(None), ~outstanding)
        .values(finished_at=now)
        .returning(col(Campaign.id))
        .execution_options(synchronize_session=False))).scalars().all()
    # a running campaign with nothing left is done (a cancelled one stays cancelled; a paused one waits);
    # one extended later (enqueue) runs again and is done again
    await session.execute(
        update(Campaign)
        .where(col(Campaign.id).in_(campaign_ids), col(Campaign.status) == CampaignStatus.RUNNING, ~outstanding)
        .values(status=CampaignStatus.DONE)
        .execution_options(synchronize_session=False))
    return {campaign_id for campaign_id in finished if campaign_id is not None}


def _clip(error: str | None) -> str | None:
    return error[:300] if error else error


async def recover_claims(session: AsyncSession) -> int:
    """Return every leased row to pending: only for a sole sender starting up (SQLite embedded mode)."""
    result = await session.execute(
        update(OutboxMessage).where(col(OutboxMessage.status) == DeliveryStatus.SENDING)
        .values(status=DeliveryStatus.PENDING, lease_until=None)
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def renew_leases(session: AsyncSession, row_ids: Sequence[int], lease: timedelta, now: datetime) -> None:
    """Keep rows this sender still holds (waiting out a 429 pause, say) from being claimed by another."""
    for start in range(0, len(row_ids), _INSERT_BATCH):
        await session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(row_ids[start:start + _INSERT_BATCH]),
                   col(OutboxMessage.status) == DeliveryStatus.SENDING)
            .values(lease_until=now + lease)
            .execution_options(synchronize_session=False))


async def outstanding_count(session: AsyncSession, *, include_paused: bool = False) -> int:
    """Rows still to send (pending or being sent), in running campaigns unless include_paused."""
    query = (select(func.count()).select_from(OutboxMessage)
             .join(Campaign, col(Campaign.id) == col(OutboxMessage.campaign_id))
             .where(col(OutboxMessage.status).in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING))))
    if not include_paused:
        query = query.where(col(Campaign.status) == CampaignStatus.RUNNING)
    return int((await session.execute(query)).scalar_one())
